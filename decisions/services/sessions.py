"""Commission sessions: creating one, its agenda, the quota or envelope left in each regulation
window, and the commission's decision recorded per file (the engine's amount, derogations and
cumulation checked here). Closing a session is in closing.py.

Lock order, everywhere: the session row, then application rows by ascending pk. Letters are
rendered and sent by tasks (decisions.tasks), never inside the transaction: what a transaction
decides, it writes to the outbox (applications.services.outbox), so that no letter is lost when a
worker dies or the broker is away.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.events import event_record
from applications.models import Application
from applications.selectors import application_case_data, application_verdict, student_other_files
from applications.services import ServiceError, application_locked
from applications.states import State
from schemes.engine.durations import academic_year_start, session_window
from schemes.engine.money import eur, euros
from schemes.inputs import InvalidInput
from schemes.models import Scheme
from schemes.selectors import parameter_timelines
from schemes.simulation import validate_batch, verdicts_for

from ..models import CommissionSession, Outcome, SessionEntry
from ..selectors import recorded_awards


def _officer_of(scheme: Scheme, by) -> None:
    membership = getattr(by, "officer_membership", None)
    if membership is None or membership.authority_id != scheme.authority_id:
        raise ServiceError(_("Seuls les agents de %(a)s gèrent les séances de ce dispositif.") % {"a": scheme.authority.name})


# --- Sessions -----------------------------------------------------------------------------------
def session_create(*, scheme: Scheme, title: str, meeting_date: date, by) -> CommissionSession:
    _officer_of(scheme, by)
    if not title.strip():
        raise ServiceError(_("Donnez un intitulé à la séance."), field="title")
    return CommissionSession.objects.create(scheme=scheme, title=title.strip(), meeting_date=meeting_date, created_by=by)


def session_add_files(*, session: CommissionSession, applications, by, today: date) -> int:
    """Put files ready for decision on the session's agenda, with the engine's proposed amount."""
    with transaction.atomic():
        session = CommissionSession.objects.select_for_update().select_related("scheme__authority").get(pk=session.pk)
        _officer_of(session.scheme, by)
        if session.status != CommissionSession.Status.OPEN:
            raise ServiceError(_("La séance est close : on ne peut plus y inscrire de dossier."))
        ids = [a.pk for a in applications]
        files = (
            Application.objects.select_for_update().select_related("scheme")
            .filter(pk__in=ids, scheme=session.scheme, state=State.READY_FOR_DECISION)
            .exclude(session_entries__decided=False).order_by("pk")
        )
        entries = []
        for app in files:
            try:
                proposed = application_verdict(application=app, today=today).amount
            except InvalidInput:
                proposed = Decimal("0.00")
            entries.append(SessionEntry(session=session, application=app, proposed_amount=proposed))
        SessionEntry.objects.bulk_create(entries)
    return len(entries)


def session_entry_remove(*, entry: SessionEntry, by, session: CommissionSession | None = None) -> None:
    with transaction.atomic():
        locked = CommissionSession.objects.select_for_update().get(pk=entry.session_id)
        if session is not None and session.pk != locked.pk:
            raise ServiceError(_("Ce dossier n'est pas inscrit à cette séance."))
        session = locked
        _officer_of(session.scheme, by)
        if session.status != CommissionSession.Status.OPEN:
            raise ServiceError(_("La séance est close."))
        SessionEntry.objects.filter(pk=entry.pk, decided=False).delete()


@dataclass(frozen=True)
class Budget:
    """What the scheme may still grant in one window: a number of beneficiaries or an envelope."""

    kind: str  # "quota" or "envelope"
    label: str
    limit: Decimal
    used: Decimal  # granted by decisions in force
    recorded: Decimal  # granted by entries recorded in an open session, not yet decided
    start: date | None = None
    end: date | None = None

    @property
    def remaining(self) -> Decimal:
        return self.limit - self.used - self.recorded


def _parse_start(raw) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except (TypeError, ValueError):
        return None


def _start_of(app: Application) -> date | None:
    data = app.data or {}
    return _parse_start((data.get("internship") or data.get("mobility") or {}).get("start_date"))


def _start_text(path: str = "data") -> Coalesce:
    """The file's start date as its situation writes it (ISO text), read by the database: what
    _start_of reads, the internship's (Aude, Haute-Garonne) or the mobility's (Horizons), without
    bringing the whole situation into Python. ISO dates compare as text in the same order as
    dates, on PostgreSQL and SQLite alike."""
    return Coalesce(KeyTextTransform("start_date", KeyTransform("internship", path)),
                    KeyTextTransform("start_date", KeyTransform("mobility", path)))


# A start date the window can be compared with: YYYY-MM-DD (what the forms and the importers write).
ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _window(scheme: Scheme, on: date) -> tuple[date, date, str]:
    """The window a quota counts in, for a file starting on `on`.

    Aude: "15 étudiants [...] par session de 6 mois": the internship session (May or November,
    a dated parameter) in which the internship starts, whatever the meeting date.
    Haute-Garonne: "10 internes" a year on a page of the Département's year ("Haute-Garonne -
    2026"): the Département's budget year, the calendar year, in which the internship starts.
    Horizons: the academic year of the mobility (Art. 5), for the year's envelope."""
    if scheme.code == "aude":
        params = parameter_timelines([scheme.code])[scheme.code].at(on)
        first, last = session_window(on, params["session_starts"])
        return first, last, _("Étudiants aidés sur la session de stage du %(a)s au %(b)s") % {
            "a": f"{first:%d/%m/%Y}", "b": f"{last:%d/%m/%Y}"}
    if scheme.code == "haute-garonne":
        return date(on.year, 1, 1), date(on.year, 12, 31), _("Bénéficiaires de l'année %(y)s (stages commençant en %(y)s)") % {"y": on.year}
    year = academic_year_start(on)
    return date(year, 9, 1), date(year + 1, 8, 31), _("Enveloppe de l'année universitaire %(a)s-%(b)s") % {"a": year, "b": year + 1}


def _budget(*, scheme: Scheme, on: date, excluding: SessionEntry | None = None) -> Budget:
    first, last, label = _window(scheme, on)
    params = parameter_timelines([scheme.code])[scheme.code].at(first)
    window = {"start__regex": ISO_DATE, "start__gte": first.isoformat(), "start__lte": last.isoformat()}

    # The files that could fall in the window: their academic year is the window's or the one
    # before (a November internship); their start date, read from the file, decides. Counted and
    # summed by the database: a session page reads two rows, not every granted file's situation.
    years = [academic_year_start(first) - 1, academic_year_start(first), academic_year_start(last)]
    granted = Application.objects.filter(
        scheme=scheme, academic_year__in=years, current_decision__outcome=Outcome.GRANTED,
    ).alias(start=_start_text()).filter(**window).aggregate(
        n=Count("id"), amount=Coalesce(Sum("current_decision__amount"), Decimal("0")))
    entries = SessionEntry.objects.filter(
        session__scheme=scheme, session__status=CommissionSession.Status.OPEN, outcome=Outcome.GRANTED, decided=False,
    )
    if excluding is not None:
        entries = entries.exclude(pk=excluding.pk)
    pending = entries.alias(start=_start_text("application__data")).filter(**window).aggregate(
        n=Count("id"), amount=Coalesce(Sum("amount"), Decimal("0")))
    if scheme.code == "horizons":
        return Budget("envelope", label, params["annual_envelope"], granted["amount"], pending["amount"], first, last)
    limit = params["session_quota"] if scheme.code == "aude" else params["annual_quota"]
    return Budget("quota", label, Decimal(limit), Decimal(granted["n"]), Decimal(pending["n"]), first, last)


def session_budgets(*, session: CommissionSession) -> list[Budget]:
    """The budgets the session's files count in (one per window), or the meeting date's when
    the agenda is empty."""
    days = {}
    # Each start date once: an agenda of 395 files starts on a few dozen days.
    starts = session.entries.annotate(start=_start_text("application__data")).values_list("start", flat=True)
    for raw in starts.order_by("start").distinct():
        start = _parse_start(raw) or session.meeting_date
        days.setdefault(_window(session.scheme, start)[0], start)
    if not days:
        days[session.meeting_date] = session.meeting_date
    return [_budget(scheme=session.scheme, on=on) for _first, on in sorted(days.items())]


def session_budget(*, session: CommissionSession, excluding: SessionEntry | None = None,
                   application: Application | None = None) -> Budget:
    """The budget `application` (else the meeting date) counts in."""
    on = (_start_of(application) if application is not None else None) or session.meeting_date
    return _budget(scheme=session.scheme, on=on, excluding=excluding)


def _entry_verdict(*, entry: SessionEntry, session: CommissionSession):
    """The engine's answer on the file today, with the student's whole history of the year: the
    aid decided on their other files, and what another open session has recorded for them
    (Horizons Art. 4: one internship grant, one chèque, 36 weeks a year)."""
    data = application_case_data(entry.application)
    if session.scheme.code == "horizons":
        data["prior_awards"] = data["prior_awards"] + [award for _app, award in recorded_awards(entry=entry)]
    return verdicts_for(validate_batch([data], indexed=False), today=session.meeting_date)[0]


def _aude_cap(*, entry: SessionEntry, session: CommissionSession) -> tuple[Decimal, Decimal]:
    """Aude: 3,600 EUR at most per student and per year, over all the student's files (a dated
    parameter). Returns (the cap, what the student's other files already have)."""
    app = entry.application
    cap = parameter_timelines(["aude"])["aude"].at(_start_of(app) or session.meeting_date)["annual_student_cap"]
    others = student_other_files(application=app)
    decided = sum((a.current_decision.amount for a in others.filter(current_decision__outcome=Outcome.GRANTED)), Decimal("0"))
    recorded = SessionEntry.objects.filter(application__in=others, outcome=Outcome.GRANTED, decided=False).aggregate(
        s=Sum("amount"))["s"] or Decimal("0")
    return cap, decided + recorded


def _refusal(verdict) -> str:
    return " ".join(f"{r.message} ({r.article})" for r in verdict.reasons)


def session_entry_record(*, entry: SessionEntry, outcome: str, by, amount: Decimal | None = None,
                         motivation: str = "", amount_derogation: str = "", quota_derogation: str = "") -> SessionEntry:
    """Record the commission's decision on one file (granted with its amount, or rejected with a
    motivation).

    The amount is the engine's, computed now on the student's whole history: the Horizons grant
    is "up to" it (Art. 6), every other aid is a fixed amount, and another figure is a derogation
    recorded with its reason. A grant the texts forbid (Art. 4 cumulation, the Aude yearly cap)
    is refused with the reason. Going over the quota or envelope is a derogation too, for an
    officer holding the right `decisions.derogate_quota`, with its reason."""
    if outcome not in Outcome.values:
        raise ServiceError(_("Choisissez attribution ou rejet."), field="outcome")
    amount_derogation, quota_derogation = amount_derogation.strip(), quota_derogation.strip()
    with transaction.atomic():
        session = CommissionSession.objects.select_for_update().select_related("scheme__authority").get(pk=entry.session_id)
        _officer_of(session.scheme, by)
        entry = SessionEntry.objects.select_for_update().select_related("application__scheme").get(pk=entry.pk)
        if session.status != CommissionSession.Status.OPEN or entry.decided:
            raise ServiceError(_("La séance est close : la décision ne peut plus être modifiée."))
        app = application_locked(entry.application)
        over_budget = False
        if outcome == Outcome.REJECTED:
            if not motivation.strip():
                raise ServiceError(_("Un rejet doit être motivé (art. 8)."), field="motivation")
            amount, amount_derogation, quota_derogation = Decimal("0.00"), "", ""
        else:
            if amount is None or amount <= 0:
                raise ServiceError(_("Indiquez le montant attribué."), field="amount")
            try:
                verdict = _entry_verdict(entry=entry, session=session)
            except InvalidInput:
                raise ServiceError(_("Les données du dossier sont incomplètes : le montant ne peut être calculé."),
                                   field="outcome") from None
            if not verdict.eligible:
                raise ServiceError(_("Le règlement ne permet pas cette attribution : %(why)s") % {"why": _refusal(verdict)},
                                   field="outcome")
            engine = verdict.amount
            if session.scheme.code == "aude":
                cap, others = _aude_cap(entry=entry, session=session)
                if others >= cap:
                    raise ServiceError(
                        _("L'étudiant a déjà %(o)s d'aide cette année sur ses autres dossiers : le plafond de %(c)s par "
                          "étudiant et par an est atteint (session du 22 décembre 2017).") % {"o": eur(others), "c": eur(cap)},
                        field="outcome")
                engine = min(engine, cap - others)
            entry.proposed_amount = engine
            if amount > engine:
                raise ServiceError(
                    _("Le montant ne peut dépasser celui que donne le règlement (%(p)s).") % {"p": euros(engine)}, field="amount")
            up_to = session.scheme.code == "horizons" and app.aid == "grant"
            if amount == engine or up_to:
                amount_derogation = ""
            elif not amount_derogation:
                raise ServiceError(
                    _("Le règlement fixe cette aide à %(p)s. Un autre montant est une dérogation : indiquez-en le motif.")
                    % {"p": euros(engine)}, field="amount_derogation")
            budget = session_budget(session=session, excluding=entry, application=app)
            need = Decimal(1) if budget.kind == "quota" else amount
            over_budget = need > budget.remaining
            if not over_budget:
                quota_derogation = ""
            elif not by.has_perm("decisions.derogate_quota"):
                raise ServiceError(
                    _("Cette attribution dépasse %(label)s (reste : %(rest)s). Dépasser le quota ou l'enveloppe est une "
                      "dérogation réservée aux agents qui en ont le droit.") % {"label": budget.label.lower(), "rest": budget.remaining},
                    field="quota_derogation")
            elif not quota_derogation:
                raise ServiceError(
                    _("Cette attribution dépasse %(label)s (reste : %(rest)s). Indiquez le motif de la dérogation pour l'enregistrer.")
                    % {"label": budget.label.lower(), "rest": budget.remaining},
                    field="quota_derogation")
        entry.outcome, entry.amount, entry.motivation = outcome, amount, motivation.strip()
        entry.amount_derogation, entry.quota_derogation = amount_derogation, quota_derogation
        entry.over_quota_confirmed = over_budget
        entry.recorded_by, entry.recorded_at = by, timezone.now()
        entry.save()
        event_record(application=app, kind="decision_recorded", actor=by, reason=entry.motivation,
                     payload={"session": session.pk, "outcome": outcome, "amount": str(amount),
                              "engine_amount": str(entry.proposed_amount), "amount_derogation": amount_derogation,
                              "over_budget_confirmed": over_budget, "quota_derogation": quota_derogation})
    return entry
