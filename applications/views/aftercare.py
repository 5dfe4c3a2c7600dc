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
from django.db.models import CharField, F, Value
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.rules import roles_of

from .. import aftercare_forms, deadlines, queues, services
from ..aftercare_preview import change_preview
from ..forms import field_label
from ..models import Appeal, ChangeReport, Decision
from ..services import ServiceError
from ..states import DECIDED, State
from .staff import PER_PAGE, ServiceFormMixin, StaffAccess
from .student import OwnApplicationMixin


# --- Reads of these screens ----------------------------------------------------------------------
# Kept here, beside their only callers, so that parallel work on selectors.py/queues.py does not
# collide; they belong in applications/selectors.py (see the pull request).
def _decisions(application):
    return application.decisions.select_related("supersedes").prefetch_related("letters").order_by("created_at", "pk")


def _appeals(application):
    return application.appeals.select_related("decision", "reviewed_by").order_by("filed_on", "pk")


def _change_reports(application):
    return application.change_reports.select_related("decision", "new_decision").order_by("reported_on", "pk")


def _appeal_documents(appeal: Appeal):
    """The evidence the student attached to the appeal: the "other" documents uploaded since it
    was filed (Document has no link to an appeal yet: see the pull request)."""
    return appeal.application.documents.filter(
        kind="other", uploaded_by=appeal.filed_by, uploaded_at__date__gte=appeal.filed_on
    ).order_by("uploaded_at", "pk")


def aftercare_pending(*, user):
    """Pending appeals and change reports of the officer's authority, one row each (a dict),
    oldest first: one UNION query, so that the paginator counts and slices in the database."""
    scheme_ids = roles_of(user).officer_scheme_ids

    def rows(model, item, on, kind):
        return (
            model.objects.filter(status="pending", application__scheme_id__in=scheme_ids)
            .annotate(item=Value(item, output_field=CharField()), on=F(on), obj_id=F("pk"),
                      app_id=F("application_id"), ref=F("application__reference"),
                      first=F("application__first_name"), last=F("application__last_name"),
                      change_kind=kind)
            .values("item", "on", "obj_id", "app_id", "ref", "first", "last", "change_kind")
            .order_by()  # the models order by date descending; a UNION part may not order
        )

    appeals = rows(Appeal, "appeal", "filed_on", Value("", output_field=CharField()))
    changes = rows(ChangeReport, "change", "reported_on", F("kind"))
    return appeals.union(changes, all=True).order_by("on", "item", "obj_id")


def appeal_status(application, decision: Decision | None, today):
    """(last day to appeal or None, why an appeal cannot be filed today or None). For display
    only: appeal_file decides, and its message is the one shown when a form is sent anyway."""
    if application.state == State.UNDER_APPEAL:
        return None, _("Un recours gracieux est déjà en cours d'examen sur ce dossier.")
    if application.state not in DECIDED or decision is None:
        return None, _("Un recours n'est possible que contre une décision notifiée.")
    if decision.notified_on is None:
        return None, _("La décision n'a pas encore été notifiée.")
    last_day = deadlines.appeal_deadline(decision.notified_on)
    if deadlines.is_expired(last_day, today):
        # The same sentence as services.appeal_file.
        return last_day, (
            _("Le délai de recours gracieux de deux mois à compter de la notification (le %(n)s) a expiré "
              "le %(d)s (art. 13). Un recours contentieux reste possible devant le tribunal administratif.")
            % {"n": decision.notified_on.strftime("%d/%m/%Y"), "d": last_day.strftime("%d/%m/%Y")}
        )
    return last_day, None


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
    template_name = "applications/aftercare/appeal_new.html"

    def render_page(self, form):
        app = self.application
        last_day, refusal = appeal_status(app, app.current_decision, timezone.localdate())
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
            services.appeal_file(application=self.application, by=request.user,
                                 grounds=form.cleaned_data["grounds"], today=timezone.localdate())
        except ServiceError as exc:
            _add_service_error(form, exc)
            return self.render_page(form)
        messages.success(request, _("Votre recours gracieux est enregistré : vous recevrez une réponse motivée."))
        self._attach(form.cleaned_data["documents"])
        return redirect("applications:aftercare_status", pk=pk)

    def _attach(self, uploads) -> None:
        # Evidence is attached once the appeal is on file, so that a refused appeal leaves no
        # stray document. A refusal is said, not hidden: the appeal itself stands. (To become one
        # call, appeal_file(documents=...), with the documents linked to the appeal.)
        for upload in uploads:
            try:
                services.document_add(application=self.application, by=self.request.user, kind="other",
                                      upload=upload)
            except ServiceError as exc:
                messages.warning(self.request, _(
                    "La pièce « %(name)s » n'a pas pu être jointe : %(reason)s Vous pouvez l'envoyer "
                    "par la messagerie de votre dossier.") % {"name": upload.name, "reason": exc.message})


class ChangeNewView(OwnApplicationMixin, View):
    template_name = "applications/aftercare/change_new.html"

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
        return redirect("applications:aftercare_status", pk=pk)


class AftercareStatusView(OwnApplicationMixin, TemplateView):
    template_name = "applications/aftercare/status.html"

    def get_context_data(self, **kwargs):
        app = self.application
        decisions = list(_decisions(app))
        for decision in decisions:
            # Only letters actually sent are the student's to read.
            decision.sent_letters = [letter for letter in decision.letters.all() if letter.sent_at]
        last_day, refusal = appeal_status(app, app.current_decision, timezone.localdate())
        return super().get_context_data(
            application=app, decisions=decisions, current=app.current_decision,
            appeals=_appeals(app), reports=_change_reports(app), last_day=last_day,
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
        return reverse("applications:aftercare_queue")


class AppealReviewView(OfficerAftercareMixin, FormView):
    template_name = "applications/aftercare/appeal_review.html"
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
            documents=_appeal_documents(self.appeal),
            last_day=deadlines.appeal_deadline(decision.notified_on) if decision.notified_on else None,
            **kwargs,
        )

    def perform(self, form):
        return services.appeal_decide(appeal=self.appeal, by=self.request.user, **form.service_kwargs())

    def get_success_message(self):
        if self.result.status == Appeal.Status.UPHELD:
            return _("Recours examiné : la décision est maintenue.")
        return _("Recours examiné : le dossier est rouvert à l'instruction pour une nouvelle décision en séance.")


class ChangeReviewView(OfficerAftercareMixin, FormView):
    template_name = "applications/aftercare/change_review.html"
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
        return _("Signalement pris en compte : décision modificative de %(a)s €.") % {"a": report.new_decision.amount}


class AftercareQueueView(StaffAccess, TemplateView):
    permission_required = "accounts.officer_space"
    template_name = "applications/aftercare/queue.html"

    def get_context_data(self, **kwargs):
        page = Paginator(aftercare_pending(user=self.request.user), PER_PAGE).get_page(self.request.GET.get("page"))
        kinds = dict(ChangeReport.Kind.choices)
        for row in page.object_list:
            if row["item"] == "appeal":
                row["label"] = _("Recours gracieux")
                row["url"] = reverse("applications:appeal_review", args=[row["app_id"], row["obj_id"]])
            else:
                row["label"] = _("Signalement : %(k)s") % {"k": kinds.get(row["change_kind"], row["change_kind"])}
                row["url"] = reverse("applications:change_review", args=[row["app_id"], row["obj_id"]])
        return super().get_context_data(page_obj=page, **kwargs)


urlpatterns = [
    path("demandes/<int:pk>/recours/", AppealNewView.as_view(), name="appeal_new"),
    path("demandes/<int:pk>/modification/", ChangeNewView.as_view(), name="change_new"),
    path("demandes/<int:pk>/suivi/", AftercareStatusView.as_view(), name="aftercare_status"),
    path("instruction/recours/", AftercareQueueView.as_view(), name="aftercare_queue"),
    path("instruction/<int:pk>/recours/<int:appeal_pk>/", AppealReviewView.as_view(), name="appeal_review"),
    path("instruction/<int:pk>/modification/<int:report_pk>/", ChangeReviewView.as_view(), name="change_review"),
]
