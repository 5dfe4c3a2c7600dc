"""The student's draft: dashboard, creation, the guided steps with the live estimate, the
review and the submission (the file page and its actions are in student.py)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from schemes.engine.money import euros
from schemes.models import Scheme
from schemes.views import SIMULATION_ANSWERS

from ..documents import KINDS
from ..forms import (
    SITUATION_FORMS,
    DraftCreateForm,
    StudentBankForm,
    StudentIdentityForm,
    StudentSubmitForm,
    carried_answers,
    field_label,
)
from ..selectors import (
    applications_for_student,
)
from ..services import (
    ServiceError,
    application_create,
    application_submit,
    application_update,
)
from ..states import FINAL, State
from .student import (
    DOCUMENTS_STEP,
    REVIEW_STEP,
    STEPS,
    DocumentFormsMixin,
    OwnApplicationMixin,
    _field_of,
    current_documents,
    kinds_for,
    live_estimate,
)


# --- Dashboard and creation ----------------------------------------------------------------------
class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "applications/student/dashboard.html"

    def get_context_data(self, **kwargs):
        # The stored estimate (kept current by application_update): no engine run per row.
        return super().get_context_data(
            **dashboard_groups(applications_for_student(student=self.request.user)), **kwargs
        )


# What the student has to do, by state: these files come first, flagged.
ACTION_EXPECTED = {
    State.DRAFT: _lazy("terminer et déposer votre demande"),
    State.AWAITING_DOCUMENTS: _lazy("envoyer les pièces demandées"),
}
# Decided for good (or withdrawn): folded at the bottom of the page.
CLOSED = (*FINAL, State.REJECTED)


def dashboard_groups(applications) -> dict:
    """The student's files in three groups: the ones awaiting the student's action (with what
    is expected), those in progress, and the closed ones, each newest first as given."""
    action, current, closed = [], [], []
    for app in applications:
        if app.state in ACTION_EXPECTED:
            action.append((app, ACTION_EXPECTED[app.state]))
        elif app.state in CLOSED:
            closed.append((app, None))
        else:
            current.append((app, None))
    return {"action_rows": action, "current_rows": current, "closed_rows": closed}


class ApplicationNewView(LoginRequiredMixin, FormView):
    template_name = "applications/student/new.html"
    form_class = DraftCreateForm

    def simulation(self) -> dict | None:
        """The answers the simulator's "Faire ma demande" left in the session, if any."""
        answers = self.request.session.get(SIMULATION_ANSWERS)
        return answers if isinstance(answers, dict) and answers.get("scheme") in SITUATION_FORMS else None

    def get_initial(self):
        answers = self.simulation()
        if answers is None:
            return super().get_initial()
        scheme = Scheme.objects.filter(code=answers["scheme"]).first()
        return {"scheme": scheme, "aid": answers.get("aid") or ""}

    def get_context_data(self, **kwargs):
        return super().get_context_data(from_simulation=self.simulation() is not None, **kwargs)

    def form_valid(self, form):
        kwargs = form.service_kwargs()
        app = application_create(student=self.request.user, **kwargs)
        answers = self.request.session.pop(SIMULATION_ANSWERS, None)
        # Carried over only into the scheme simulated: the student may have chosen another here.
        if isinstance(answers, dict) and answers.get("scheme") == kwargs["scheme"].code:
            app = application_update(application=app, by=self.request.user,
                                     data=carried_answers(kwargs["scheme"].code, answers))
        return redirect("applications:draft_step", pk=app.pk, step=1)


# --- The guided draft ------------------------------------------------------------------------------
class DraftStepMixin(OwnApplicationMixin):
    permission_required = "applications.edit_application"

    @property
    def step(self) -> int:
        return self.kwargs["step"]

    def render_step(self, template: str, **context):
        app = self.application
        return render(
            self.request,
            f"applications/student/{template}",
            {
                "application": app,
                "steps": STEPS,
                "step": self.step,
                "last_step": len(STEPS),
                "previous_url": reverse("applications:draft_step", args=[app.pk, self.step - 1])
                if self.step > 1
                else None,
                **live_estimate(app),
                **context,
            },
        )


class DraftFormStepView(DraftStepMixin, View):
    """Steps 1 to 3: a form whose fields application_update saves."""

    def form_class(self):
        if self.step == 1:
            return StudentIdentityForm
        if self.step == 2:
            return SITUATION_FORMS[self.application.scheme.code]
        return StudentBankForm

    def get(self, request, pk, step):
        form_class = self.form_class()
        return self.render_step(
            "step_form.html", form=form_class(initial=form_class.initial_for(self.application))
        )

    def post(self, request, pk, step):
        form = self.form_class()(request.POST)
        if not form.is_valid():
            return self.render_step("step_form.html", form=form)
        try:
            application_update(
                application=self.application,
                by=request.user,
                step=step + 1,
                **form.service_kwargs(),
            )
        except ServiceError as exc:
            form.add_error(_field_of(exc, form), exc.message)
            return self.render_step("step_form.html", form=form)
        return redirect("applications:draft_step", pk=pk, step=step + 1)


class DraftDocumentsView(DocumentFormsMixin, DraftStepMixin, View):
    def kinds(self):
        return (*kinds_for(self.application), "other")

    def get(self, request, pk, step):
        return self.render_step(
            "step_documents.html",
            rows=self.document_rows(self.kinds()),
            required=kinds_for(self.application),
        )

    def post(self, request, pk, step):
        form, ok = self.add_document(self.kinds())
        if ok:
            return redirect("applications:draft_step", pk=pk, step=step)
        return self.render_step(
            "step_documents.html",
            rows=self.document_rows(self.kinds(), form),
            required=kinds_for(self.application),
        )


class DraftReviewView(DraftStepMixin, View):
    def render_review(self, form, service_errors=()):
        app = self.application
        situation = SITUATION_FORMS[app.scheme.code](
            initial=SITUATION_FORMS[app.scheme.code].initial_for(app)
        )
        docs = current_documents(app)
        return self.render_step(
            "step_review.html",
            form=form,
            service_errors=service_errors,
            situation=summary_rows(situation),
            documents=list(docs.values()),
            missing_documents=[KINDS[k] for k in kinds_for(app) if k not in docs],
        )

    def get(self, request, pk, step):
        return self.render_review(StudentSubmitForm())

    def post(self, request, pk, step):
        form = StudentSubmitForm(request.POST)
        if not form.is_valid():
            return self.render_review(form)
        try:
            application_submit(application=self.application, by=request.user)
        except ServiceError as exc:
            form.add_error(_field_of(exc, form), exc.message)
            return self.render_review(form, [(field_label(f), m) for f, m in exc.errors])
        return redirect("applications:submitted", pk=pk)


def summary_rows(form) -> list[tuple[str, str]]:
    """(label, displayed value) of a form's initial data, for the review page: the words the
    student chose (Oui/Non, the choice's label), French dates and euro amounts, never the
    stored JSON ("true", "2026-09-01", "500.00")."""
    return [(str(field.label), _shown(field, form.initial.get(name))) for name, field in form.fields.items()]


def _shown(field, value) -> str:
    choices = {str(k): v for k, v in getattr(field, "choices", [])}
    if isinstance(value, list):
        return ", ".join(str(choices.get(str(v), v)) for v in value) or "—"
    if isinstance(field, forms.BooleanField) or isinstance(value, bool):
        # A checkbox's initial is stored as True/False or, through _bool_initial, "true"/"false".
        return _("Oui") if value in (True, "true") else _("Non")
    if value is None or value == "":
        return "—"
    if choices:
        return str(choices.get(str(value), value))
    if isinstance(field, forms.DateField):
        try:
            return date.fromisoformat(str(value)).strftime("%d/%m/%Y")
        except ValueError:
            return str(value)
    if isinstance(field, forms.DecimalField) and "€" in str(field.label):
        return euros(value)
    if isinstance(field, forms.DecimalField):
        return str(value).replace(".", ",")
    return str(value)


STEP_VIEWS = {
    1: DraftFormStepView,
    2: DraftFormStepView,
    3: DraftFormStepView,
    DOCUMENTS_STEP: DraftDocumentsView,
    REVIEW_STEP: DraftReviewView,
}


def draft_step(request, pk: int, step: int):
    view = STEP_VIEWS.get(step)
    if view is None:
        raise Http404
    return view.as_view()(request, pk=pk, step=step)


class SubmittedView(OwnApplicationMixin, TemplateView):
    template_name = "applications/student/confirmation.html"

    def get(self, request, *args, **kwargs):
        if self.application.state == State.DRAFT:
            return redirect(
                "applications:draft_step", pk=self.application.pk, step=self.application.draft_step
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(application=self.application, **kwargs)




urlpatterns = [
    path("tableau-de-bord/", DashboardView.as_view(), name="dashboard"),
    path("demandes/nouvelle/", ApplicationNewView.as_view(), name="application_new"),
    path("demandes/<int:pk>/etape/<int:step>/", draft_step, name="draft_step"),
    path("demandes/<int:pk>/confirmation/", SubmittedView.as_view(), name="submitted"),
]
