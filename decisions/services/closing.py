"""Closing a commission session: the decision act fixed, then every file decided in resumable
batches by a background task (decisions.close_session, through the outbox), a stalled closing
resumed automatically or from its page; and the signal the later stages hear for each decision.

Lock order: the session row, then application rows by ascending pk."""


from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.events import transition_recorded
from applications.models import Application
from applications.selectors import application_case_data
from applications.services import ServiceError, outbox_put
from applications.states import State
from schemes.inputs import InvalidInput, parse_case
from schemes.selectors import parameter_timelines, reference_tables

from ..models import CommissionSession, Decision, Outcome, SessionEntry
from ..signals import decisions_recorded
from ..snapshots import snapshot_build
from .sessions import _officer_of

logger = logging.getLogger("aid_portal.sessions")
CLOSING_BATCH = 100


def session_close_start(*, session: CommissionSession, by, today: date) -> CommissionSession:
    """Close the session: fix the decision act (number and date) and decide every file, in
    batches, in a background task that reports its progress. Safe to call twice: the second call
    finds the session closing or closed and changes nothing."""
    with transaction.atomic():
        session = CommissionSession.objects.select_for_update().select_related("scheme__authority").get(pk=session.pk)
        _officer_of(session.scheme, by)
        if session.status != CommissionSession.Status.OPEN:
            return session
        entries = session.entries.all()
        if not entries.exists():
            raise ServiceError(_("La séance n'a aucun dossier."))
        undecided = entries.filter(outcome="").count()
        if undecided:
            raise ServiceError(_("%(n)d dossier(s) sans décision enregistrée.") % {"n": undecided})
        year_count = CommissionSession.objects.filter(scheme=session.scheme, act_date__year=today.year).count()
        session.status = CommissionSession.Status.CLOSING
        session.act_date = today
        session.act_number = f"{session.scheme.code.upper()}-{today.year}-{year_count + 1:03d}"
        session.closed_by, session.progress_total, session.progress_done = by, entries.count(), 0
        session.progress_at = timezone.now()
        session.save()
        outbox_put(task="decisions.close_session", args=[session.pk], key=f"close-session:{session.pk}")
    return session


def session_close_stalled(*, session: CommissionSession, now) -> bool:
    """A closing whose progress has not moved for CLOSING_STALLED_AFTER_SECONDS: its worker died
    (or its message waits in a broker that lost it)."""
    stalled_after = timedelta(seconds=settings.CLOSING_STALLED_AFTER_SECONDS)
    return session.status == CommissionSession.Status.CLOSING and (
        session.progress_at is None or session.progress_at <= now - stalled_after
    )


def _close_resume(session: CommissionSession, *, now, by=None) -> None:
    """Write a new run of the closing to the outbox. Call holding the session's row lock. The key
    names the point the closing stalled at, so the same stall is resumed once."""
    stalled_at = (session.progress_at or session.act_date).isoformat()
    outbox_put(task="decisions.close_session", args=[session.pk], key=f"close-session:{session.pk}:{stalled_at}")
    CommissionSession.objects.filter(pk=session.pk).update(progress_at=now)
    session.progress_at = now
    logger.warning("closing of session %s resumed (stalled at %s/%s since %s) by %s", session.pk,
                   session.progress_done, session.progress_total, stalled_at, getattr(by, "pk", "the sweep"))


def session_close_resume(*, session: CommissionSession, by) -> CommissionSession:
    """An officer resumes a closing that has stopped moving (its progress page offers it). The
    decisions already taken stay; the run decides the rest and issues what is missing."""
    with transaction.atomic():
        session = CommissionSession.objects.select_for_update().select_related("scheme__authority").get(pk=session.pk)
        _officer_of(session.scheme, by)
        if session.status != CommissionSession.Status.CLOSING:
            raise ServiceError(_("Seule une clôture en cours peut être reprise."))
        if not session_close_stalled(session=session, now=timezone.now()):
            raise ServiceError(_("La clôture avance : il n'y a rien à reprendre."))
        _close_resume(session, now=timezone.now(), by=by)
    return session


def sessions_resume_stalled(*, now) -> int:
    """Resume every closing that has stopped moving (beat, every minute). Running it twice
    resumes nothing more: a resumed closing is not stalled again before the delay has passed."""
    stalled_before = now - timedelta(seconds=settings.CLOSING_STALLED_AFTER_SECONDS)
    resumed = 0
    ids = list(
        CommissionSession.objects.filter(status=CommissionSession.Status.CLOSING)
        .filter(Q(progress_at__isnull=True) | Q(progress_at__lte=stalled_before)).values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            session = CommissionSession.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if session is not None and session_close_stalled(session=session, now=now):
                _close_resume(session, now=now)
                resumed += 1
    return resumed


def session_close_run(*, session_id: int) -> int:
    """Decide the session's files in batches (each its own transaction), then mark it closed.
    Re-running it after a crash resumes where it stopped: decided entries are skipped and the
    unique constraint on (file, session) forbids a second decision."""
    session = CommissionSession.objects.select_related("scheme", "closed_by").get(pk=session_id)
    if session.status == CommissionSession.Status.CLOSED:
        return 0
    done, timelines = 0, parameter_timelines([session.scheme.code])
    while True:
        with transaction.atomic():
            batch = list(
                SessionEntry.objects.select_for_update(skip_locked=True)
                .filter(session_id=session_id, decided=False).order_by("application_id")[:CLOSING_BATCH]
            )
            if not batch:
                break
            # The batch's files, locked in one query in pk order (the lock order of every
            # service), and the reference tables their cases read, loaded once.
            files = {
                a.pk: a for a in Application.objects.select_for_update(of=("self",))
                .select_related("scheme__authority", "student", "current_decision")
                .filter(pk__in=[e.application_id for e in batch]).order_by("pk")
            }
            tables = reference_tables(_cases(files.values()))
            for entry in batch:
                _decide(entry=entry, app=files[entry.application_id], session=session, timelines=timelines, tables=tables)
            SessionEntry.objects.filter(pk__in=[e.pk for e in batch]).update(decided=True)
            done += len(batch)
            CommissionSession.objects.filter(pk=session_id).update(
                progress_done=SessionEntry.objects.filter(session_id=session_id, decided=True).count(),
                progress_at=timezone.now(),
            )
    with transaction.atomic():
        session = CommissionSession.objects.select_for_update().get(pk=session_id)
        if not session.entries.filter(decided=False).exists() and session.status != CommissionSession.Status.CLOSED:
            session.status, session.closed_at = CommissionSession.Status.CLOSED, timezone.now()
            session.progress_done = session.progress_total
            session.save()
    return done


def _cases(files):
    """The parseable cases of a batch's files (for loading their reference tables at once)."""
    cases = []
    for app in files:
        try:
            cases.append(parse_case(application_case_data(app)))
        except InvalidInput:
            pass
    return cases


def _decide(*, entry: SessionEntry, app: Application, session: CommissionSession, timelines, tables) -> Decision | None:
    """Decide one file of a closing session. Call holding the file's row lock; the caller marks
    the entry decided."""
    if app.state != State.READY_FOR_DECISION:
        return None
    _verdict, snapshot = snapshot_build(application=app, today=session.act_date, timelines=timelines, tables=tables)
    previous = app.current_decision
    try:
        with transaction.atomic():
            decision = Decision.objects.create(
                application=app, session=session, entry=entry,
                kind=Decision.Kind.APPEAL if previous else Decision.Kind.INITIAL,
                outcome=entry.outcome, amount=entry.amount, motivation=entry.motivation,
                decided_on=session.act_date, act_number=session.act_number, snapshot=snapshot,
                supersedes=previous, created_by=session.closed_by, engine_amount=entry.proposed_amount,
                amount_derogation=entry.amount_derogation, quota_derogation=entry.quota_derogation,
            )
    except IntegrityError:
        return None  # decided already by a concurrent run
    before = app.state
    app.decide(granted=entry.outcome == Outcome.GRANTED)
    app.current_decision = decision
    app.save(update_fields=["state", "current_decision", "updated_at"])
    transition_recorded(application=app, kind="decide", actor=session.closed_by, from_state=before,
                        reason=entry.motivation, payload={"decision": decision.pk, "amount": str(decision.amount),
                                                          "act": session.act_number})
    decision_recorded_send(decision=decision, today=session.act_date)
    # In the batch's transaction: the letters are owed exactly when the decision exists.
    outbox_put(task="decisions.issue_decision_letters", args=[decision.pk], key=f"decision-letters:{decision.pk}")
    return decision


def decision_recorded_send(*, decision: Decision, today: date) -> None:
    """Tell the later stages (payments plans the instalments) that `decision` is recorded. Call
    inside the transaction that created it, so that their writes commit or roll back with it."""
    decisions_recorded_send(decisions=[decision], today=today)


def decisions_recorded_send(*, decisions: list[Decision], today: date) -> None:
    """`decision_recorded_send` for a set of decisions, in one signal (decisions.signals)."""
    if decisions:
        decisions_recorded.send(sender=Decision, decisions=decisions, today=today)


def session_beneficiaries(*, session: CommissionSession):
    """The decision act's list, for the Commission Permanente (Horizons Art. 7)."""
    return (
        Decision.objects.filter(session=session).select_related("application__establishment", "application__student")
        .order_by("outcome", "application__last_name", "application__first_name")
    )
