"""Reads of the decisions app: a file's decisions, appeals and changes; the appeal period as the
page and the service both read it; commission sessions and the officer's aftercare queue."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import CharField, Count, F, Q, QuerySet, Sum, Value
from django.utils.translation import gettext as _

from accounts.rules import roles_of
from applications import deadlines
from applications.models import Application
from applications.search import search_files
from applications.states import APPEALABLE, State

from .models import Appeal, ChangeReport, CommissionSession, Outcome, SessionEntry


# --- After the decision -------------------------------------------------------------------------
def decisions_of(*, application: Application):
    return application.decisions.select_related("supersedes").prefetch_related("letters").order_by("created_at", "pk")


def appeals_of(*, application: Application):
    return application.appeals.select_related("decision", "reviewed_by").prefetch_related("documents").order_by("filed_on", "pk")


def change_reports_of(*, application: Application):
    return application.change_reports.select_related("decision", "new_decision").order_by("reported_on", "pk")


def appeal_status(*, application: Application, today: date) -> tuple[date | None, str | None]:
    """(last day to appeal or None, why no appeal can be filed today or None): Art. 13, a
    recours gracieux within two months of the notification. The page and `appeal_file` both
    ask this, so what the student reads is what the service decides."""
    decision = application.current_decision
    if application.state == State.UNDER_APPEAL:
        return None, _("Un recours gracieux est déjà en cours d'examen sur ce dossier.")
    if application.state not in APPEALABLE or decision is None:
        return None, _("Un recours n'est possible que contre une décision notifiée.")
    if decision.notified_on is None:
        return None, _("La décision n'a pas encore été notifiée.")
    last_day = deadlines.appeal_deadline(decision.notified_on)
    if deadlines.is_expired(last_day, today):
        return last_day, (
            _("Le délai de recours gracieux de deux mois à compter de la notification (le %(n)s) a expiré "
              "le %(d)s (art. 13). Un recours contentieux reste possible devant le tribunal administratif.")
            % {"n": decision.notified_on.strftime("%d/%m/%Y"), "d": last_day.strftime("%d/%m/%Y")}
        )
    return last_day, None


# --- Commission sessions (scoped to the officer's authority) --------------------------------
def sessions_of(*, user) -> QuerySet[CommissionSession]:
    """The sessions of the schemes funded by the officer's authority (none for anyone else)."""
    return CommissionSession.objects.filter(scheme_id__in=roles_of(user).officer_scheme_ids).select_related("scheme")


def session_list(*, user) -> QuerySet[CommissionSession]:
    return (
        sessions_of(user=user)
        .annotate(n_entries=Count("entries"), n_recorded=Count("entries", filter=~Q(entries__outcome="")))
        .order_by("-meeting_date", "-pk")
    )


def session_agenda(*, session: CommissionSession) -> QuerySet[SessionEntry]:
    return session.entries.select_related("application__student", "application__establishment", "application__scheme").order_by("pk")


def session_candidates(*, session: CommissionSession, q: str = "") -> QuerySet[Application]:
    """Files of the session's scheme ready for decision and on no agenda yet (the service's own
    filter), optionally searched by reference or name."""
    qs = (
        Application.objects.filter(scheme_id=session.scheme_id, state=State.READY_FOR_DECISION)
        .exclude(session_entries__decided=False)
        .select_related("student", "establishment")
    )
    return search_files(qs, q).order_by("submitted_at", "pk")


def session_summary(*, session: CommissionSession) -> dict:
    return session.entries.aggregate(
        total=Count("pk"),
        granted=Count("pk", filter=Q(outcome=Outcome.GRANTED)),
        rejected=Count("pk", filter=Q(outcome=Outcome.REJECTED)),
        undecided=Count("pk", filter=Q(outcome="")),
        amount=Sum("amount", filter=Q(outcome=Outcome.GRANTED), default=Decimal("0")),
    )


# --- Appeals and reported changes awaiting an officer ------------------------------------------
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


# --- Cumulation across a student's files (Horizons Art. 4; Aude's yearly cap) ------------------
def recorded_awards(*, entry: SessionEntry) -> list[tuple[Application, dict]]:
    """The aid an open session has recorded (granted, not yet decided) on the student's other
    files of the same academic year, in the contract's `prior_awards` form: a decision that will
    exist once that session closes counts already."""
    from applications.selectors import application_verdict, student_other_files
    from schemes.inputs import InvalidInput

    out = []
    others = student_other_files(application=entry.application)
    for other in SessionEntry.objects.filter(application__in=others, outcome=Outcome.GRANTED, decided=False).select_related(
            "application", "session"):
        app = other.application
        award = {"aid": app.aid or "grant", "kind": ((app.data or {}).get("mobility") or {}).get("kind", "study")}
        if award["aid"] == "grant":
            try:
                award["weeks"] = application_verdict(application=app, today=other.session.meeting_date).weeks or 0
            except InvalidInput:
                award["weeks"] = 0
        out.append((app, award))
    return out


def cumulation_of(*, application: Application) -> dict:
    """What the officer is shown about the student's other files of the same year and scheme:
    the aid decided (it counts), recorded in an open session (it will count), and the files still
    in progress (a warning: they may end in a second award)."""
    return cumulations_of(applications=[application])[application.pk]


def cumulations_of(*, applications: list[Application]) -> dict[int, dict]:
    """`cumulation_of` for each of a page of files (a session's agenda), in two queries whatever
    the page's length: every file of the students concerned, then their entries recorded in an
    open session; sorted out per file here. The files need their scheme (select_related)."""
    from applications.selectors import file_year
    from applications.states import UNDECIDED

    keys = {app.pk: (app.student_id, app.scheme_id, file_year(app)) for app in applications}
    wanted = {key for key in keys.values() if key[0] is not None and key[2] is not None}
    by_key: dict[tuple, list[Application]] = {}
    recorded: list[SessionEntry] = []
    if wanted:
        students, schemes, years = (sorted({key[i] for key in wanted}) for i in range(3))
        for other in (Application.objects.filter(student_id__in=students, scheme_id__in=schemes, academic_year__in=years)
                      .select_related("current_decision", "scheme").order_by("pk")):
            by_key.setdefault((other.student_id, other.scheme_id, other.academic_year), []).append(other)
        recorded = list(SessionEntry.objects.filter(
            application__in=[o.pk for files in by_key.values() for o in files], outcome=Outcome.GRANTED, decided=False,
        ).select_related("application", "session__scheme"))
    in_progress_states = [s for s in UNDECIDED if s != State.DRAFT]
    out = {}
    for app in applications:
        others = [o for o in by_key.get(keys[app.pk], ()) if o.pk != app.pk]
        ids = {o.pk for o in others}
        mine = [e for e in recorded if e.application_id in ids]
        granted = [o for o in others if o.current_decision is not None and o.current_decision.outcome == Outcome.GRANTED]
        out[app.pk] = {
            # Horizons Art. 4 counts the aid granted by the decisions in force (applications.selectors.student_awards).
            "decided": [o for o in granted if o.current_decision.amount > 0] if app.scheme.code == "horizons" else granted,
            "recorded": mine,
            "in_progress": [o for o in others if o.state in in_progress_states and o.pk not in {e.application_id for e in mine}],
        }
    return out
