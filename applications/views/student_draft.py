"""The student's draft: dashboard, creation, the guided steps with the live estimate, the
review and the submission (the file page and its actions are in student.py)."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from ..documents import KINDS
from ..forms import (
    SITUATION_FORMS,
    DraftCreateForm,
    StudentBankForm,
    StudentIdentityForm,
    StudentSubmitForm,
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
from ..states import State
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
        rows = [(app, None) for app in applications_for_student(student=self.request.user)]
        return super().get_context_data(rows=rows, **kwargs)


class ApplicationNewView(LoginRequiredMixin, FormView):
    template_name = "applications/student/new.html"
    form_class = DraftCreateForm

    def form_valid(self, form):
        app = application_create(student=self.request.user, **form.service_kwargs())
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
    """(label, displayed value) of a form's initial data, for the review page."""
    rows = []
    for name, field in form.fields.items():
        value = form.initial.get(name)
        choices = {str(k): v for k, v in getattr(field, "choices", [])}
        if isinstance(value, list):
            shown = ", ".join(str(choices.get(str(v), v)) for v in value)
        elif value is None or value == "":
            shown = "—"
        elif choices:
            shown = str(choices.get(str(value), value))
        elif isinstance(value, bool):
            shown = _("Oui") if value else _("Non")
        else:
            shown = str(value)
        rows.append((str(field.label), shown))
    return rows


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
