"""The student's side: what the draft and the file pages share (access, estimate, document
forms), the file page and its actions, and the document downloads shared with every party of a
file. The draft's steps and the dashboard are in student_draft.py.

Each view: permission mixin, form, one service call, redirect. A file another user owns does not
exist for a student (404, never 403); an action the state forbids redirects to the file page
with the rules' own sentence (applications.rules.refusal_reason).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView
from rules.contrib.views import PermissionRequiredMixin

from ..documents import KINDS
from ..forms import (
    DocumentUploadForm,
    StudentMessageForm,
    StudentWithdrawForm,
    field_label,
)
from ..models import Document, Message
from ..pdf import html_to_pdf, render_receipt_html
from ..receipts import receipt_of
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
    application_withdraw,
    document_add,
    documents_submit,
    message_post,
)
from ..states import APPEALABLE, State

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
                # Art. 13: an appeal lies against every decision, closures and incompleteness too.
                "appealable_states": [s.value for s in APPEALABLE],
                "has_receipt": receipt_of(application=app) is not None,
                **live_estimate(app),
            },
        )

    def get(self, request, pk):
        return self.render_page()


class ReceiptPdfView(OwnApplicationMixin, View):
    """The acknowledgement of receipt of the file, as a PDF (art. L112-11 CRPA)."""

    def get(self, request, pk):
        receipt = receipt_of(application=self.application)
        if receipt is None:
            raise Http404
        response = HttpResponse(html_to_pdf(render_receipt_html(receipt)), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{receipt["reference"]}-accuse-de-reception.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


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
        # Whoever may not see the file learns nothing, not even that the document exists. A
        # piece filed after the decision belongs with the decision (view_decision).
        perm = "applications.view_decision" if document.after_decision else "applications.view_document"
        if not document.file or not request.user.has_perm(perm, document.application):
            raise Http404
        return _inline(
            document.file, name=document.original_name, content_type=document.content_type
        )


class MessageAttachmentView(View):
    def get(self, request, pk):
        message = get_object_or_404(Message.objects.select_related("application"), pk=pk)
        if not message.attachment or not request.user.has_perm(
            "applications.view_messages", message.application
        ):
            raise Http404
        import filetype

        with message.attachment.open("rb") as f:
            kind = filetype.guess(f.read(8192))
        return _inline(
            message.attachment, name=message.attachment_name, content_type=kind.mime if kind else ""
        )


urlpatterns = [
    path("demandes/<int:pk>/", StudentApplicationView.as_view(), name="student_application"),
    path(
        "demandes/<int:pk>/pieces/", StudentDocumentAddView.as_view(), name="student_document_add"
    ),
    path(
        "demandes/<int:pk>/accuse-de-reception.pdf", ReceiptPdfView.as_view(), name="student_receipt"
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
