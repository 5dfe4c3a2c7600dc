"""The student's side: dashboard, the guided draft, submission, the file page, and the document
download shared with every party of a file.

Each view: permission mixin, form, one service call, redirect. A file another user owns does not
exist for a student (404, never 403); an action the state forbids redirects to the file page
with the rules' own sentence (applications.rules.refusal_reason).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from ..documents import KINDS
from ..forms import (
    SITUATION_FORMS,
    DocumentUploadForm,
    DraftCreateForm,
    StudentBankForm,
    StudentIdentityForm,
    StudentMessageForm,
    StudentSubmitForm,
    StudentWithdrawForm,
    field_label,
)
from ..models import Document, Message
from ..rules import refusal_reason
from ..selectors import (
    application_verdict_or_errors,
    applications_for_student,
    document_requests_open,
    documents_current,
    required_document_kinds,
)
from ..services import (
    ServiceError,
    application_create,
    application_submit,
    application_update,
    application_withdraw,
    document_add,
    documents_submit,
    message_post,
)
from ..states import State

STEPS = [
    (1, gettext_lazy("Identité")),
    (2, gettext_lazy("Situation")),
    (3, gettext_lazy("Coordonnées bancaires")),
    (4, gettext_lazy("Pièces justificatives")),
    (5, gettext_lazy("Vérification et dépôt")),
]
DOCUMENTS_STEP, REVIEW_STEP = 4, 5


# --- Small pure helpers (reads the views share) -------------------------------------------------
def live_estimate(application) -> dict:
    """The engine's answer on the draft as it stands, or the fields it still misses."""
    verdict, errors = application_verdict_or_errors(
        application=application, today=timezone.localdate()
    )
    return {"verdict": verdict, "missing": [(field_label(f), m) for f, m in errors]}


def current_documents(application) -> dict[str, Document]:
    return documents_current(application=application)


def kinds_for(application) -> tuple[str, ...]:
    return required_document_kinds(application=application)


def open_requests(application):
    return document_requests_open(application=application)


def _field_of(exc: ServiceError, form) -> str | None:
    return exc.field if exc.field in form.fields else None


# --- Access ------------------------------------------------------------------------------------
class OwnApplicationMixin(PermissionRequiredMixin):
    """The signed-in student's own file (`pk` in the URL); anyone else's is a 404."""

    permission_required = "applications.view_application"
    raise_exception = True

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def application(self):
        return get_object_or_404(
            applications_for_student(student=self.request.user), pk=self.kwargs["pk"]
        )

    def get_object(self):
        return self.application

    def handle_no_permission(self):
        # The file is the student's own (else get_object gave a 404): only its state forbids the
        # action, so say why on the file page.
        reason = refusal_reason(self.request.user, self.permission_required, self.application)
        messages.error(self.request, reason or _("Action impossible."))
        return redirect("applications:student_application", pk=self.application.pk)


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


class DocumentFormsMixin:
    """One upload form per document kind, prefixed by the kind; `bound` replaces one of them."""

    def document_rows(self, kinds, bound: DocumentUploadForm | None = None):
        docs = current_documents(self.application)
        return [
            (
                kind,
                KINDS[kind],
                docs.get(kind),
                bound
                if bound is not None and bound.prefix == kind
                else DocumentUploadForm(prefix=kind),
            )
            for kind in kinds
        ]

    def add_document(self, kinds, *, request=None):
        """POST handler: returns (form, ok); the kind comes from the form's prefix, checked here."""
        kind = self.request.POST.get("doc_kind", "")
        if kind not in kinds:
            raise Http404
        form = DocumentUploadForm(self.request.POST, self.request.FILES, prefix=kind)
        if form.is_valid():
            try:
                document_add(
                    application=self.application,
                    by=self.request.user,
                    kind=kind,
                    request=request,
                    **form.service_kwargs(),
                )
                messages.success(
                    self.request, _("Pièce enregistrée : %(kind)s.") % {"kind": KINDS[kind]}
                )
                return form, True
            except ServiceError as exc:
                form.add_error(
                    "file" if exc.field in (None, "file", "kind") else _field_of(exc, form),
                    exc.message,
                )
        return form, False


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


# --- The file page and its actions ------------------------------------------------------------------
class StudentApplicationView(DocumentFormsMixin, OwnApplicationMixin, View):
    def requested_kinds(self):
        kinds: list[str] = []
        for req in open_requests(self.application):
            kinds += [k for k in req.items if k in KINDS and k not in kinds]
        return kinds

    def render_page(self, document_form=None, message_form=None):
        app = self.application
        return render(
            self.request,
            "applications/student/application.html",
            {
                "application": app,
                "documents": app.documents.filter(superseded=False),
                "requests": open_requests(app),
                "request_rows": self.document_rows(self.requested_kinds(), document_form),
                "thread": app.messages.select_related("author"),
                "message_form": message_form or StudentMessageForm(),
                "can_withdraw": self.request.user.has_perm(
                    "applications.withdraw_application", app
                ),
                "awaiting_documents": app.state == State.AWAITING_DOCUMENTS,
                **live_estimate(app),
            },
        )

    def get(self, request, pk):
        return self.render_page()


class StudentDocumentAddView(StudentApplicationView):
    http_method_names = ["post"]

    def post(self, request, pk):
        form, ok = self.add_document(
            self.requested_kinds(), request=open_requests(self.application).first()
        )
        return (
            redirect("applications:student_application", pk=pk)
            if ok
            else self.render_page(document_form=form)
        )


class StudentDocumentsSubmitView(OwnApplicationMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        try:
            documents_submit(application=self.application, by=request.user)
            messages.success(
                request, _("Merci : vos pièces ont été transmises au service instructeur.")
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("applications:student_application", pk=pk)


class StudentMessagePostView(StudentApplicationView):
    http_method_names = ["post"]
    permission_required = "applications.post_message"

    def post(self, request, pk):
        form = StudentMessageForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                message_post(application=self.application, by=request.user, **form.service_kwargs())
                messages.success(request, _("Message envoyé."))
                return redirect("applications:student_application", pk=pk)
            except ServiceError as exc:
                form.add_error(exc.field if exc.field == "body" else "attachment", exc.message)
        return self.render_page(message_form=form)


class StudentWithdrawView(OwnApplicationMixin, FormView):
    """GET asks for confirmation; POST withdraws."""

    permission_required = "applications.withdraw_application"
    template_name = "applications/student/withdraw.html"
    form_class = StudentWithdrawForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(application=self.application, **kwargs)

    def form_valid(self, form):
        try:
            application_withdraw(
                application=self.application,
                by=self.request.user,
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, _("Votre demande a été retirée."))
        return redirect("applications:student_application", pk=self.application.pk)


# --- Downloads, shared with officers and establishment staff -------------------------------------
def _inline(file, *, name: str, content_type: str) -> FileResponse:
    response = FileResponse(
        file.open("rb"),
        as_attachment=False,
        filename=name or None,
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class DocumentDownloadView(View):
    def get(self, request, pk):
        document = get_object_or_404(Document.objects.select_related("application"), pk=pk)
        # Whoever may not see the file learns nothing, not even that the document exists.
        if not document.file or not request.user.has_perm(
            "applications.view_document", document.application
        ):
            raise Http404
        return _inline(
            document.file, name=document.original_name, content_type=document.content_type
        )


class MessageAttachmentView(View):
    def get(self, request, pk):
        message = get_object_or_404(Message.objects.select_related("application"), pk=pk)
        if not message.attachment or not request.user.has_perm(
            "applications.view_application", message.application
        ):
            raise Http404
        import filetype

        with message.attachment.open("rb") as f:
            kind = filetype.guess(f.read(8192))
        return _inline(
            message.attachment, name=message.attachment_name, content_type=kind.mime if kind else ""
        )


urlpatterns = [
    path("tableau-de-bord/", DashboardView.as_view(), name="dashboard"),
    path("demandes/nouvelle/", ApplicationNewView.as_view(), name="application_new"),
    path("demandes/<int:pk>/etape/<int:step>/", draft_step, name="draft_step"),
    path("demandes/<int:pk>/confirmation/", SubmittedView.as_view(), name="submitted"),
    path("demandes/<int:pk>/", StudentApplicationView.as_view(), name="student_application"),
    path(
        "demandes/<int:pk>/pieces/", StudentDocumentAddView.as_view(), name="student_document_add"
    ),
    path(
        "demandes/<int:pk>/pieces/transmises/",
        StudentDocumentsSubmitView.as_view(),
        name="student_documents_submit",
    ),
    path(
        "demandes/<int:pk>/messages/", StudentMessagePostView.as_view(), name="student_message_post"
    ),
    path("demandes/<int:pk>/retirer/", StudentWithdrawView.as_view(), name="student_withdraw"),
    path("documents/<int:pk>/", DocumentDownloadView.as_view(), name="document_download"),
    path(
        "messages/<int:pk>/piece-jointe/",
        MessageAttachmentView.as_view(),
        name="message_attachment",
    ),
]
