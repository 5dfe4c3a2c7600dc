"""Commission sessions, for the officers of the scheme's authority: agenda, decisions, closing
(in the background, with its progress) and the decision act with its exports (Horizons Art. 7).

Scope first: a session of another authority, or any session for someone who is not an officer,
is not found (404; its existence is not revealed); an expired sign-in goes to the sign-in page.
Each action view: form, one service call, redirect; a ServiceError is shown next to the field
it names, or as a message.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import cached_property

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from applications import exports, queues
from applications.views.staff import ServiceFormMixin
from core.pagination import CountedPaginator
from schemes.engine.money import euros

from .. import selectors, services, session_forms
from ..models import CommissionSession, Outcome, SessionEntry

PER_PAGE = 25
AGENDA_PER_PAGE = 50
Status = CommissionSession.Status


def _budget_rows(budget: services.Budget) -> list[tuple[str, str, bool]]:
    """(label, value shown, is negative): beneficiaries for a quota, euros for an envelope."""

    def shown(value: Decimal) -> str:
        if budget.kind == "quota":
            return _("%(n)s bénéficiaire(s)") % {"n": formats.number_format(value, 0)}
        return euros(value)

    return [
        (_("Limite"), shown(budget.limit), budget.limit < 0),
        (_("Déjà attribué (décisions en vigueur)"), shown(budget.used), False),
        (_("Enregistré en séance, pas encore décidé"), shown(budget.recorded), False),
        (_("Reste disponible"), shown(budget.remaining), budget.remaining < 0),
    ]


# --- Access ------------------------------------------------------------------------------------
class OfficerOnly:
    """Signed-in officers only; anyone else signed in is told nothing (404)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.has_perm("accounts.officer_space"):
            raise Http404
        return self.guard() or super().dispatch(request, *args, **kwargs)

    def guard(self):
        """A response that replaces the view's (a redirect when the session's state does not
        allow it), or None."""
        return None


class SessionMixin(OfficerOnly):
    template_name = "decisions/sessions/detail.html"

    @cached_property
    def session(self) -> CommissionSession:
        return get_object_or_404(selectors.sessions_of(user=self.request.user), pk=self.kwargs["pk"])

    def url(self, name: str) -> str:
        return reverse(f"decisions:{name}", args=[self.session.pk])

    def detail_context(self, *, entry_form=None, entry_page=None, add_form=None) -> dict:
        """The session page; a form that failed is shown bound, with its errors, in its place."""
        session, get = self.session, self.request.GET
        summary = selectors.session_summary(session=session)
        # The summary has counted the entries: the agenda's paginator takes that total.
        agenda = CountedPaginator(selectors.session_agenda(session=session), AGENDA_PER_PAGE,
                                  count=summary["total"]).get_page(entry_page or get.get("page"))
        is_open = session.status == Status.OPEN
        rows = []
        cumulations = selectors.cumulations_of(applications=[entry.application for entry in agenda])
        for entry in agenda:
            form = None
            if is_open and not entry.decided:
                if entry_form is not None and entry_form.prefix == f"e{entry.pk}":
                    form = entry_form
                else:
                    form = session_forms.EntryDecisionForm(
                        prefix=f"e{entry.pk}",
                        initial={
                            "outcome": entry.outcome or None,
                            "amount": entry.amount if entry.amount is not None else entry.proposed_amount,
                            "motivation": entry.motivation,
                            "amount_derogation": entry.amount_derogation,
                            "quota_derogation": entry.quota_derogation,
                        },
                    )
            rows.append((entry, form, cumulations[entry.application_id]))
        q = (get.get("q") or "")[:100]
        candidates = None
        if is_open:
            candidates = Paginator(selectors.session_candidates(session=session, q=q), PER_PAGE).get_page(get.get("dpage"))
        budgets = services.session_budgets(session=session)
        return {
            "session": session,
            "budgets": [(budget, _budget_rows(budget)) for budget in budgets],
            "summary": summary,
            "agenda": agenda,
            "rows": rows,
            "candidates": candidates,
            "q": q,
            "add_form": add_form,
            "is_open": is_open,
        }


def _entry_page(entry: SessionEntry) -> int:
    return selectors.session_agenda(session=entry.session).filter(pk__lt=entry.pk).count() // AGENDA_PER_PAGE + 1


# --- List and creation -------------------------------------------------------------------------
class SessionListView(OfficerOnly, ServiceFormMixin, FormView):
    template_name = "decisions/sessions/list.html"
    form_class = session_forms.SessionCreateForm
    success_message = "Séance créée : inscrivez-y les dossiers prêts pour décision."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "schemes": queues.officer_schemes(user=self.request.user)}

    def get_context_data(self, **kwargs):
        page = Paginator(selectors.session_list(user=self.request.user), PER_PAGE).get_page(self.request.GET.get("page"))
        return super().get_context_data(page_obj=page, **kwargs)

    def perform(self, form):
        return services.session_create(by=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return reverse("decisions:session_detail", args=[self.result.pk])


# --- The session page and its actions ----------------------------------------------------------
class SessionDetailView(SessionMixin, TemplateView):
    def get_context_data(self, **kwargs):
        return super().get_context_data(**self.detail_context(), **kwargs)


class EntryRecordView(SessionMixin, ServiceFormMixin, FormView):
    """POST only; a refused decision re-renders the session page with the errors on the entry."""

    http_method_names = ["post"]
    form_class = session_forms.EntryDecisionForm
    success_message = "Décision enregistrée."

    @cached_property
    def entry(self) -> SessionEntry:
        return get_object_or_404(self.session.entries.select_related("session"), pk=self.kwargs["entry_pk"])

    def get_prefix(self):
        return f"e{self.entry.pk}"

    def get_context_data(self, **kwargs):
        form = kwargs.pop("form")
        return super().get_context_data(
            **self.detail_context(entry_form=form, entry_page=_entry_page(self.entry)), **kwargs
        )

    def perform(self, form):
        return services.session_entry_record(entry=self.entry, by=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return f"{self.url('session_detail')}?page={_entry_page(self.entry)}#entry-{self.entry.pk}"


class EntryRemoveView(SessionMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        entry = get_object_or_404(self.session.entries, pk=kwargs["entry_pk"])
        try:
            services.session_entry_remove(entry=entry, by=request.user)
        except services.ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Dossier %(ref)s retiré de l'ordre du jour.") % {"ref": entry.application.reference}
            )
        return redirect(self.url("session_detail"))


class AddFilesView(SessionMixin, ServiceFormMixin, FormView):
    http_method_names = ["post"]
    form_class = session_forms.AddFilesForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "candidates": selectors.session_candidates(session=self.session)}

    def get_context_data(self, **kwargs):
        form = kwargs.pop("form")
        return super().get_context_data(**self.detail_context(add_form=form), **kwargs)

    def perform(self, form):
        return services.session_add_files(
            session=self.session,
            applications=form.cleaned_data["applications"],
            by=self.request.user,
            today=timezone.localdate(),
        )

    def get_success_message(self):
        return _("%(n)d dossier(s) inscrit(s) à l'ordre du jour.") % {"n": self.result}

    def get_success_url(self):
        return self.url("session_detail")


# --- Closing -----------------------------------------------------------------------------------
class SessionCloseView(SessionMixin, ServiceFormMixin, FormView):
    """Confirmation, then the background close. Once closing has started (another officer, a
    double click), both GET and POST lead to the progress page: the service closes once."""

    template_name = "decisions/sessions/close.html"
    form_class = session_forms.CloseSessionForm
    success_message = "Clôture lancée : les décisions sont prises en arrière-plan."

    def guard(self):
        if self.session.status != Status.OPEN:
            return redirect(self.url("session_progress"))
        return None

    def get_context_data(self, **kwargs):
        return super().get_context_data(session=self.session, summary=selectors.session_summary(session=self.session), **kwargs)

    def perform(self, form):
        return services.session_close_start(session=self.session, by=self.request.user, today=timezone.localdate())

    def get_success_url(self):
        return self.url("session_progress")


def _progress(session: CommissionSession) -> dict:
    return {"status": session.status, "done": session.progress_done, "total": session.progress_total,
            "stalled": services.session_close_stalled(session=session, now=timezone.now())}


class SessionProgressView(SessionMixin, TemplateView):
    template_name = "decisions/sessions/progress.html"

    def get_context_data(self, **kwargs):
        s = self.session
        percent = (
            100 if s.status == Status.CLOSED else (100 * s.progress_done // s.progress_total if s.progress_total else 0)
        )
        stalled = services.session_close_stalled(session=s, now=timezone.now())
        return super().get_context_data(session=s, percent=percent, stalled=stalled, **kwargs)


class SessionProgressJsonView(SessionMixin, View):
    def get(self, request, *args, **kwargs):
        return JsonResponse(_progress(self.session))


class SessionResumeView(SessionMixin, View):
    """The progress page's button: resume a closing that has stopped moving (its worker died).
    Safe to press twice: a resumed closing is not stalled, and the run skips decided files."""

    def post(self, request, *args, **kwargs):
        try:
            services.session_close_resume(session=self.session, by=request.user)
        except services.ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Clôture reprise : les dossiers restants sont décidés en arrière-plan."))
        return redirect(self.url("session_progress"))


# --- The decision act and its exports ----------------------------------------------------------
class ActMixin(SessionMixin):
    """The act exists once the session is closed; before that, the page that explains why."""

    def guard(self):
        if self.session.status == Status.CLOSED:
            return None
        if self.session.status == Status.CLOSING:
            return redirect(self.url("session_progress"))
        messages.info(self.request, _("L'arrêté sera disponible une fois la séance close."))
        return redirect(self.url("session_detail"))


class ActView(ActMixin, TemplateView):
    template_name = "decisions/sessions/act.html"

    def get_context_data(self, **kwargs):
        decisions = list(services.session_beneficiaries(session=self.session))
        granted = [d for d in decisions if d.outcome == Outcome.GRANTED]
        return super().get_context_data(
            session=self.session,
            granted=granted,
            rejected=[d for d in decisions if d.outcome == Outcome.REJECTED],
            total=sum((d.amount for d in granted), Decimal("0")),
            **kwargs,
        )


ACT_HEADERS = [
    "Référence",
    "Nom",
    "Prénom",
    "Établissement",
    "Dispositif",
    "Aide",
    "Montant (EUR)",
    "Décision",
    "Numéro de l'arrêté",
    "Date de l'arrêté",
    "Montant du règlement (EUR)",
    "Dérogation au montant : motif",
    "Dérogation au quota : motif",
]


def act_rows(decisions: Iterable) -> Iterator[list]:
    """Typed rows (str, Decimal, date) of the decision act's list (Horizons Art. 7)."""
    from schemes.forms import AID_CHOICES

    aids = {code: str(label) for code, label in AID_CHOICES}
    for d in decisions:
        app = d.application
        yield [
            app.reference or "",
            app.last_name or app.student.last_name,
            app.first_name or app.student.first_name,
            app.establishment.name if app.establishment else "",
            app.scheme.name,
            aids.get(app.aid, app.aid),
            d.amount,
            d.get_outcome_display(),
            d.act_number,
            d.decided_on,
            d.engine_amount,
            d.amount_derogation,
            d.quota_derogation,
        ]


# The CSV conventions (BOM, ";" and decimal comma) and the formula neutralisation are those of
# applications.exports; its writers are bound to the queue's columns, hence these two.
class ActExportView(ActMixin, View):
    content_type = extension = ""

    def render(self, rows) -> bytes:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        # The list of beneficiaries annexed to the act: the rejections are on the act's page
        # and in their own letters, not in this list.
        decisions = (services.session_beneficiaries(session=self.session).filter(outcome=Outcome.GRANTED)
                     .select_related("application__scheme"))
        response = HttpResponse(self.render(act_rows(decisions)), content_type=self.content_type)
        name = f"beneficiaires-{self.session.act_number or self.session.pk}.{self.extension}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class ActCsvView(ActExportView):
    content_type, extension = "text/csv; charset=utf-8", "csv"

    def render(self, rows):
        return exports.table_csv(ACT_HEADERS, rows)


class ActXlsxView(ActExportView):
    content_type, extension = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"

    def render(self, rows):
        return exports.table_xlsx("Arrêté", ACT_HEADERS, rows)


urlpatterns = [
    path("commission/", SessionListView.as_view(), name="session_list"),
    path("commission/<int:pk>/", SessionDetailView.as_view(), name="session_detail"),
    path("commission/<int:pk>/ajouter/", AddFilesView.as_view(), name="session_add_files"),
    path(
        "commission/<int:pk>/dossiers/<int:entry_pk>/decision/", EntryRecordView.as_view(), name="session_entry_record"
    ),
    path(
        "commission/<int:pk>/dossiers/<int:entry_pk>/retirer/", EntryRemoveView.as_view(), name="session_entry_remove"
    ),
    path("commission/<int:pk>/cloturer/", SessionCloseView.as_view(), name="session_close"),
    path("commission/<int:pk>/progression/", SessionProgressView.as_view(), name="session_progress"),
    path("commission/<int:pk>/progression.json", SessionProgressJsonView.as_view(), name="session_progress_json"),
    path("commission/<int:pk>/reprendre/", SessionResumeView.as_view(), name="session_close_resume"),
    path("commission/<int:pk>/arrete/", ActView.as_view(), name="session_act"),
    path("commission/<int:pk>/beneficiaires.csv", ActCsvView.as_view(), name="session_act_csv"),
    path("commission/<int:pk>/beneficiaires.xlsx", ActXlsxView.as_view(), name="session_act_xlsx"),
]
