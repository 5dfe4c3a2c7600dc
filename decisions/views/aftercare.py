"""After the decision: the student's recours gracieux (Horizons Art. 13) and change reports
(Art. 10), the follow-up page of a decided file, and the officers' answers.

Same access rules as the other screens: a student sees only their own file (anyone else's is a
404, via OwnApplicationMixin); an officer sees only the files of their authority's schemes
(queues.officer_applications, else 404). Each action: form, one service call, redirect; a
ServiceError is shown next to its field or at the top of the form, never as a 500.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from applications import deadlines, queues
from applications.forms import field_label
from applications.services import ServiceError
from applications.states import State
from applications.views.staff import PER_PAGE, ServiceFormMixin, StaffAccess
from applications.views.student import OwnApplicationMixin
from schemes.engine.money import euros

from .. import aftercare_forms, selectors, services
from ..aftercare_preview import change_preview
from ..models import Appeal, ChangeReport


def _shown(value):
    """A declared value as the officer reads it: ISO dates the French way, the rest as stored."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return value


def _add_service_error(form, exc: ServiceError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    for name, message in exc.errors:
        form.add_error(None, f"{field_label(name)} : {message}")


# --- Student ---------------------------------------------------------------------------------------
class AppealNewView(OwnApplicationMixin, View):
    template_name = "decisions/aftercare/appeal_new.html"

    def render_page(self, form):
        app = self.application
        last_day, refusal = selectors.appeal_status(application=app, today=timezone.localdate())
        return render(self.request, self.template_name, {
            "application": app, "decision": app.current_decision, "last_day": last_day,
            "refusal": refusal, "form": form,
        })

    def get(self, request, pk):
        return self.render_page(aftercare_forms.AppealForm())

    def post(self, request, pk):
        form = aftercare_forms.AppealForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_page(form)
        try:
            services.appeal_file(application=self.application, by=request.user, grounds=form.cleaned_data["grounds"],
                                 today=timezone.localdate(), documents=form.cleaned_data["documents"])
        except ServiceError as exc:
            _add_service_error(form, exc)
            return self.render_page(form)
        messages.success(request, _("Votre recours gracieux est enregistré : vous recevrez une réponse motivée."))
        return redirect("decisions:aftercare_status", pk=pk)


class ChangeNewView(OwnApplicationMixin, View):
    template_name = "decisions/aftercare/change_new.html"

    def render_page(self, form):
        app = self.application
        section, refusal = (app.data or {}).get(form.section_name) or {}, None
        if app.state != State.GRANTED or app.current_decision is None:
            refusal = _("Un signalement n'est possible que pour une aide attribuée.")
        return render(self.request, self.template_name, {
            "application": app, "decision": app.current_decision, "refusal": refusal, "form": form,
            "section": section, "section_dates": (_shown(section.get("start_date")), _shown(section.get("end_date"))),
        })

    def get(self, request, pk):
        return self.render_page(aftercare_forms.ChangeReportForm(application=self.application))

    def post(self, request, pk):
        form = aftercare_forms.ChangeReportForm(request.POST, application=self.application)
        if not form.is_valid():
            return self.render_page(form)
        try:
            services.change_report(application=self.application, by=request.user, today=timezone.localdate(),
                                   **form.service_kwargs())
        except ServiceError as exc:
            _add_service_error(form, exc)
            return self.render_page(form)
        messages.success(request, _("Votre signalement est transmis au service instructeur."))
        return redirect("decisions:aftercare_status", pk=pk)


class AftercareStatusView(OwnApplicationMixin, TemplateView):
    template_name = "decisions/aftercare/status.html"

    def get_context_data(self, **kwargs):
        app = self.application
        decisions = list(selectors.decisions_of(application=app))
        for decision in decisions:
            # Only letters actually sent are the student's to read.
            decision.sent_letters = [letter for letter in decision.letters.all() if letter.sent_at]
        last_day, refusal = selectors.appeal_status(application=app, today=timezone.localdate())
        return super().get_context_data(
            application=app, decisions=decisions, current=app.current_decision,
            appeals=selectors.appeals_of(application=app), reports=selectors.change_reports_of(application=app), last_day=last_day,
            can_appeal=refusal is None, can_report=app.state == State.GRANTED, **kwargs,
        )


# --- Officer ---------------------------------------------------------------------------------------
class OfficerAftercareMixin(StaffAccess, ServiceFormMixin):
    permission_required = "applications.instruct_application"

    @cached_property
    def application(self):
        return get_object_or_404(queues.officer_applications(user=self.request.user), pk=self.kwargs["pk"])

    def get_permission_object(self):
        return self.application

    def get_success_url(self):
        return reverse("decisions:aftercare_queue")


class AppealReviewView(OfficerAftercareMixin, FormView):
    template_name = "decisions/aftercare/appeal_review.html"
    form_class = aftercare_forms.AppealDecisionForm

    @cached_property
    def appeal(self):
        qs = Appeal.objects.select_related("decision", "filed_by", "reviewed_by", "application")
        return get_object_or_404(qs, pk=self.kwargs["appeal_pk"], application=self.application)

    def get_context_data(self, **kwargs):
        decision = self.appeal.decision
        return super().get_context_data(
            application=self.application, appeal=self.appeal, decision=decision,
            explanation=((decision.snapshot or {}).get("result") or {}).get("explanation") or [],
            documents=self.appeal.documents.order_by("uploaded_at", "pk"),
            last_day=deadlines.appeal_deadline(decision.notified_on) if decision.notified_on else None,
            **kwargs,
        )

    def perform(self, form):
        return services.appeal_decide(appeal=self.appeal, by=self.request.user, **form.service_kwargs())

    def get_success_message(self):
        if self.result.status == Appeal.Status.UPHELD:
            return _("Recours examiné : la décision est maintenue.")
        return _("Recours examiné : le dossier est rouvert à l'instruction pour une nouvelle décision en séance.")


class PaperAppealView(OfficerAftercareMixin, FormView):
    """Record a recours gracieux received by post, with its date of receipt (Art. 13)."""

    template_name = "decisions/aftercare/appeal_paper.html"
    form_class = aftercare_forms.PaperAppealForm

    def get_context_data(self, **kwargs):
        app = self.application
        last_day, refusal = selectors.appeal_status(application=app, today=timezone.localdate())
        return super().get_context_data(application=app, decision=app.current_decision, last_day=last_day,
                                        refusal=refusal, **kwargs)

    def perform(self, form):
        return services.appeal_record_paper(application=self.application, by=self.request.user,
                                            today=timezone.localdate(), **form.service_kwargs())

    def get_success_url(self):
        return reverse("decisions:appeal_review", args=[self.application.pk, self.result.pk])

    def get_success_message(self):
        return _("Recours reçu par courrier enregistré.")


class DecisionReceiptView(OfficerAftercareMixin, FormView):
    """Record the day the student received the decision (a proof of delivery, Art. 13)."""

    template_name = "decisions/aftercare/receipt.html"
    form_class = aftercare_forms.DecisionReceiptForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(application=self.application, decision=self.application.current_decision,
                                        **kwargs)

    def perform(self, form):
        return services.decision_receipt_record(application=self.application, by=self.request.user,
                                                today=timezone.localdate(), **form.service_kwargs())

    def get_success_url(self):
        return reverse("applications:officer_application", args=[self.application.pk])

    def get_success_message(self):
        return _("Date de réception de la décision enregistrée : le délai de recours court à partir du %(d)s.") % {
            "d": self.result.notified_on.strftime("%d/%m/%Y")}


class ChangeReviewView(OfficerAftercareMixin, FormView):
    template_name = "decisions/aftercare/change_review.html"
    form_class = aftercare_forms.ChangeDecisionForm

    @cached_property
    def report(self):
        qs = ChangeReport.objects.select_related("decision", "new_decision", "reported_by", "reviewed_by")
        return get_object_or_404(qs, pk=self.kwargs["report_pk"], application=self.application)

    def comparison(self) -> list[tuple[str, object, object]]:
        """(field, declared before, declared after) for each value the patch changes. Once the
        report is accepted the file's data hold the change: the decision it was reported against
        keeps the earlier situation in its snapshot."""
        report, app = self.report, self.application
        before = app.data or {}
        if report.status == ChangeReport.Status.ACCEPTED:
            before = (report.decision.snapshot or {}).get("input") or before
        rows = []
        for section, values in (report.changes or {}).items():
            if not isinstance(values, dict):
                rows.append((field_label(section), _shown(before.get(section)), _shown(values)))
                continue
            for key, value in values.items():
                old = (before.get(section) or {}).get(key)
                rows.append((field_label(f"{section}.{key}"), _shown(old), _shown(value)))
        return rows

    def get_context_data(self, **kwargs):
        report, app = self.report, self.application
        preview = None
        if report.status == ChangeReport.Status.PENDING:
            preview = change_preview(application=app, changes=report.changes, today=timezone.localdate(),
                                     cancellation=report.kind == ChangeReport.Kind.CANCELLATION)
        return super().get_context_data(
            application=app, report=report, decision=report.decision, rows=self.comparison(),
            preview=preview,
            preview_errors=[(field_label(f), m) for f, m in (preview.errors if preview else [])],
            **kwargs,
        )

    def perform(self, form):
        return services.change_review(report=self.report, by=self.request.user, today=timezone.localdate(),
                                      **form.service_kwargs())

    def get_success_message(self):
        report = self.result
        if report.status == ChangeReport.Status.REFUSED:
            return _("Signalement refusé : la décision en vigueur est inchangée.")
        return _("Signalement pris en compte : décision modificative de %(a)s.") % {"a": euros(report.new_decision.amount)}


class AftercareQueueView(StaffAccess, TemplateView):
    permission_required = "accounts.officer_space"
    template_name = "decisions/aftercare/queue.html"

    def get_context_data(self, **kwargs):
        page = Paginator(selectors.aftercare_pending(user=self.request.user), PER_PAGE).get_page(self.request.GET.get("page"))
        kinds = dict(ChangeReport.Kind.choices)
        for row in page.object_list:
            if row["item"] == "appeal":
                row["label"] = _("Recours gracieux")
                row["url"] = reverse("decisions:appeal_review", args=[row["app_id"], row["obj_id"]])
            else:
                row["label"] = _("Signalement : %(k)s") % {"k": kinds.get(row["change_kind"], row["change_kind"])}
                row["url"] = reverse("decisions:change_review", args=[row["app_id"], row["obj_id"]])
        return super().get_context_data(page_obj=page, **kwargs)


urlpatterns = [
    path("demandes/<int:pk>/recours/", AppealNewView.as_view(), name="appeal_new"),
    path("demandes/<int:pk>/modification/", ChangeNewView.as_view(), name="change_new"),
    path("demandes/<int:pk>/suivi/", AftercareStatusView.as_view(), name="aftercare_status"),
    path("instruction/recours/", AftercareQueueView.as_view(), name="aftercare_queue"),
    path("instruction/<int:pk>/recours/<int:appeal_pk>/", AppealReviewView.as_view(), name="appeal_review"),
    path("instruction/<int:pk>/recours-papier/", PaperAppealView.as_view(), name="appeal_paper"),
    path("instruction/<int:pk>/reception-decision/", DecisionReceiptView.as_view(), name="decision_receipt"),
    path("instruction/<int:pk>/modification/<int:report_pk>/", ChangeReviewView.as_view(), name="change_review"),
]
