"""Staff screens: the establishment's opinion queue and the officers' instruction screens.

Scope first, permission second: a file outside the user's establishments or authority is not
found (404, its existence is not revealed); a file in scope on which the action is not allowed
(opinion already given...) is refused with the reason from applications.rules (403).
Each action view: permission mixin, form, one service call, redirect.
"""

from __future__ import annotations

from functools import cached_property

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from core.pagination import CountedPaginator

from .. import exports, queues, services, staff_forms
from ..models import DocumentRequest
from ..rules import refusal_reason
from ..selectors import (
    application_verdict_or_errors,
    required_document_kinds,
    student_awards,
    student_files_in_progress,
    student_other_files,
)
from ..services import ServiceError

PER_PAGE = 25


class StaffAccess(PermissionRequiredMixin):
    raise_exception = True

    def dispatch(self, request, *args, **kwargs):
        # Before the permission check: that check loads the file within the user's scope, and
        # a signed-out visitor has no scope, so they would get a 404 instead of the sign-in
        # page (and back here afterwards).
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)

    def handle_no_permission(self):
        # An expired session should lead to the sign-in page, not to a bare 403.
        if not self.request.user.is_authenticated:
            return redirect_to_login(self.request.get_full_path())
        return super().handle_no_permission()

    def get_permission_denied_message(self):
        perm = self.get_permission_required()[0]
        return refusal_reason(self.request.user, perm, self.get_permission_object()) or ""


class ServiceFormMixin:
    """form_valid runs `perform` (one service call); a ServiceError becomes a form error."""

    success_message = ""

    def form_valid(self, form):
        try:
            self.result = self.perform(form)
        except ServiceError as exc:
            # A refusal about one field goes next to it; any other one is said at the top of the
            # page (the form may not even be displayed in the file's new state).
            if exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                messages.error(self.request, exc.message)
            return self.form_invalid(form)
        messages.success(self.request, self.get_success_message())
        return redirect(self.get_success_url())

    def get_success_message(self) -> str:
        return self.success_message


def _page(request, queryset):
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))


# --- Establishment -----
class EstablishmentQueueView(StaffAccess, TemplateView):
    permission_required = "accounts.establishment_space"
    template_name = "applications/staff/establishment_queue.html"

    def get_context_data(self, **kwargs):
        validated = self.request.GET.get("onglet") == "valides"
        page = _page(
            self.request, queues.establishment_queue(user=self.request.user, validated=validated)
        )
        return super().get_context_data(validated=validated, page_obj=page, **kwargs)


class OpinionView(StaffAccess, ServiceFormMixin, FormView):
    permission_required = "applications.give_opinion"
    template_name = "applications/staff/opinion.html"
    form_class = staff_forms.OpinionForm
    success_message = (
        "Avis enregistré : le dossier est transmis à la collectivité pour instruction."
    )

    @cached_property
    def application(self):
        qs = queues.establishment_applications(user=self.request.user).prefetch_related("documents")
        return get_object_or_404(qs, pk=self.kwargs["pk"])

    def get_permission_object(self):
        return self.application

    def get_context_data(self, **kwargs):
        app = self.application
        return super().get_context_data(
            application=app,
            situation=queues.declared_situation(app.data),
            documents=queues.current_documents(app),
            **kwargs,
        )

    def perform(self, form):
        return services.opinion_record(
            application=self.application,
            by=self.request.user,
            favourable=form.cleaned_data["favourable"],
            comment=form.cleaned_data["comment"],
        )

    def get_success_url(self):
        return reverse("applications:establishment_queue")


# --- Officer queue and exports -----
def _filter_form(request) -> staff_forms.QueueFilterForm:
    # Always bound (to an empty QueryDict when no filter is given), so `filters` is always valid.
    return staff_forms.QueueFilterForm(
        request.GET,
        years=queues.officer_academic_years(user=request.user),
        schemes=queues.officer_schemes(user=request.user),
    )


class OfficerQueueView(StaffAccess, TemplateView):
    permission_required = "accounts.officer_space"
    template_name = "applications/staff/officer_queue.html"

    def get_context_data(self, **kwargs):
        form, today, user = _filter_form(self.request), timezone.localdate(), self.request.user
        filters = form.filters
        if form.errors:
            messages.warning(
                self.request, f"Filtre ignoré (valeur invalide) : {form.error_text()}."
            )
        counts = queues.officer_state_counts(user=user, filters=filters, today=today)
        # The tabs' counts already total the list: no second COUNT over the queue.
        by_state = {state: n for state, _label, n in counts}
        total = by_state.get(filters["state"], 0) if filters.get("state") else sum(by_state.values())
        page = CountedPaginator(
            queues.officer_queue(user=user, filters=filters, today=today), PER_PAGE, count=total
        ).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            form=form, page_obj=page, counts=counts, today=queues.officer_today(user=user, today=today), **kwargs
        )


class ExportView(StaffAccess, View):
    """The queue under the screen's filters, streamed (see applications.exports)."""

    permission_required = "accounts.officer_space"
    extension = ""

    def respond(self, applications, filename: str):
        raise NotImplementedError

    def get(self, request):
        applications = queues.officer_queue(
            user=request.user, filters=_filter_form(request).filters, today=timezone.localdate()
        )
        return self.respond(applications, f"demandes-{timezone.localdate():%Y%m%d}.{self.extension}")


class CsvExportView(ExportView):
    extension = "csv"

    def respond(self, applications, filename):
        response = StreamingHttpResponse(
            exports.applications_csv_stream(applications), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class XlsxExportView(ExportView):
    extension = "xlsx"

    def respond(self, applications, filename):
        return FileResponse(
            exports.applications_xlsx_file(applications), as_attachment=True, filename=filename,
            content_type=exports.XLSX_CONTENT_TYPE,
        )


# --- Officer file page and its actions -----
class OfficerFileMixin(StaffAccess):
    permission_required = "applications.instruct_application"
    template_name = "applications/staff/officer_application.html"

    @cached_property
    def application(self):
        return get_object_or_404(queues.officer_file(user=self.request.user), pk=self.kwargs["pk"])

    def get_permission_object(self):
        return self.application

    def file_context(self) -> dict:
        app, user = self.application, self.request.user
        verdict, verdict_errors = application_verdict_or_errors(
            application=app, today=timezone.localdate()
        )
        show_notes = user.has_perm("applications.view_notes", app)
        return {
            "application": app,
            "situation": queues.declared_situation(app.data),
            "documents": queues.current_documents(app),
            "verdict": verdict,
            "verdict_errors": verdict_errors,
            # Horizons Art. 4 / Aude's yearly cap: the student's other files of the same year.
            "cumulation": {"decided": [a for a, _award in student_awards(application=app)]
                           if app.scheme.code == "horizons"
                           else list(student_other_files(application=app).filter(current_decision__outcome="granted")),
                           "in_progress": list(student_files_in_progress(application=app))},
            "open_requests": [
                (r, queues.kind_labels(r.items)) for r in queues.open_document_requests(app)
            ],
            "timeline": queues.timeline(list(app.events.all())),
            "thread": list(app.messages.all()),
            "show_notes": show_notes,
            "notes": list(app.notes.all()) if show_notes else [],
            "request_form": staff_forms.DocumentRequestForm(
                prefix="req", kinds=required_document_kinds(application=app)
            ),
            "extend_form": staff_forms.ExtendForm(prefix="ext"),
            "ready_form": staff_forms.MarkReadyForm(prefix="ready"),
            "close_form": staff_forms.CloseForm(prefix="close"),
            "message_form": staff_forms.MessageForm(prefix="msg"),
            "note_form": staff_forms.NoteForm(prefix="note"),
        }

    def get_success_url(self):
        return reverse("applications:officer_application", args=[self.application.pk])


class OfficerFileView(OfficerFileMixin, TemplateView):
    def get_context_data(self, **kwargs):
        return super().get_context_data(**self.file_context(), **kwargs)


class OfficerActionView(OfficerFileMixin, ServiceFormMixin, FormView):
    """POST only; an invalid form re-renders the file page with its errors in place."""

    http_method_names = ["post"]
    form_name = ""

    def get_context_data(self, **kwargs):
        context = {**self.file_context(), **super().get_context_data(**kwargs)}
        context[self.form_name] = context.pop("form")
        return context


class RequestDocumentsView(OfficerActionView):
    form_class, prefix, form_name = staff_forms.DocumentRequestForm, "req", "request_form"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "kinds": required_document_kinds(application=self.application)}

    def perform(self, form):
        return services.document_request_create(
            application=self.application,
            items=form.cleaned_data["items"],
            message=form.cleaned_data["message"],
            by=self.request.user,
        )

    def get_success_message(self):
        return f"Pièces demandées : à fournir au plus tard le {self.result.due_on:%d/%m/%Y}."


class ExtendRequestView(OfficerActionView):
    form_class, prefix, form_name = staff_forms.ExtendForm, "ext", "extend_form"
    success_message = "Délai prolongé."

    def perform(self, form):
        request = get_object_or_404(
            DocumentRequest, pk=self.kwargs["request_pk"], application=self.application
        )
        return services.document_request_extend(
            request=request,
            until=form.cleaned_data["until"],
            reason=form.cleaned_data["reason"],
            by=self.request.user,
        )


class MarkReadyView(OfficerActionView):
    form_class, prefix, form_name = staff_forms.MarkReadyForm, "ready", "ready_form"
    success_message = "Le dossier est déclaré prêt pour décision."

    def perform(self, form):
        return services.application_mark_ready(application=self.application, by=self.request.user)


class CloseView(OfficerActionView):
    form_class, prefix, form_name = staff_forms.CloseForm, "close", "close_form"
    success_message = "Le dossier est classé sans suite."

    def perform(self, form):
        return services.application_close(
            application=self.application, by=self.request.user, reason=form.cleaned_data["reason"]
        )


class MessageView(OfficerActionView):
    form_class, prefix, form_name = staff_forms.MessageForm, "msg", "message_form"
    success_message = "Message envoyé à l'étudiant."

    def perform(self, form):
        return services.message_post(
            application=self.application,
            by=self.request.user,
            body=form.cleaned_data["body"],
            attachment=form.cleaned_data["attachment"],
        )


class NoteView(OfficerActionView):
    permission_required = "applications.view_notes"
    form_class, prefix, form_name = staff_forms.NoteForm, "note", "note_form"
    success_message = "Note interne ajoutée."

    def perform(self, form):
        return services.note_add(
            application=self.application, by=self.request.user, body=form.cleaned_data["body"]
        )


urlpatterns = [
    path("etablissement/", EstablishmentQueueView.as_view(), name="establishment_queue"),
    path("etablissement/<int:pk>/avis/", OpinionView.as_view(), name="establishment_opinion"),
    path("instruction/", OfficerQueueView.as_view(), name="officer_queue"),
    path("instruction/export.csv", CsvExportView.as_view(), name="officer_export_csv"),
    path("instruction/export.xlsx", XlsxExportView.as_view(), name="officer_export_xlsx"),
    path("instruction/<int:pk>/", OfficerFileView.as_view(), name="officer_application"),
    path(
        "instruction/<int:pk>/pieces/",
        RequestDocumentsView.as_view(),
        name="officer_request_documents",
    ),
    path(
        "instruction/<int:pk>/pieces/<int:request_pk>/prolonger/",
        ExtendRequestView.as_view(),
        name="officer_extend_request",
    ),
    path("instruction/<int:pk>/pret/", MarkReadyView.as_view(), name="officer_mark_ready"),
    path("instruction/<int:pk>/classer/", CloseView.as_view(), name="officer_close"),
    path("instruction/<int:pk>/message/", MessageView.as_view(), name="officer_message"),
    path("instruction/<int:pk>/note/", NoteView.as_view(), name="officer_note"),
]
