"""Decisions taken without the commission: the rejection of a file left incomplete (Horizons
Art. 5) and the classement sans suite. Art. 8 makes every rejection a motivated decision notified
individually; like a commission's, each gets its act, its letter and the means of appeal (Art. 13).

Recorded on `applications.signals.files_rejected` (decisions.receivers), inside the transaction
that moved the files: the acts commit or roll back with the files' new states. One implementation
for the officer's one file and the sweep's thousands: a fixed number of queries whatever their
number (bench/batch.py, the rejection day).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from applications.events import event_build
from applications.models import Application, Event
from applications.services import outbox_put_many
from core.db import rows_update

from ..models import Decision, Outcome
from .closing import decisions_recorded_send

KIND_OF = {"incomplete": Decision.Kind.INCOMPLETE, "closure": Decision.Kind.CLOSURE}


def decision_act_record(*, application: Application, kind: str, motivation: str, today: date, by=None) -> Decision:
    """`decision_acts_record` for one file."""
    [decision] = decision_acts_record(rejections=[(application, motivation)], kind=kind, today=today, by=by)
    return decision


def decision_acts_record(*, rejections: list[tuple[Application, str]], kind: str, today: date,
                         by=None) -> list[Decision]:
    """Record the rejection act of each (application, motivation) (the file already in its final
    state), make it the file's decision in force, and issue its motivated letter after commit.
    Returns the decisions in ascending application pk. Call inside the transaction that holds the
    files' row locks (they are taken again here, in ascending pk order, which costs nothing).

    Queries: the files re-read, the acts inserted, the files' decision and chain head updated,
    the events inserted, payments' receiver (decisions_recorded), the letters' outbox rows:
    the same number for one file and for two thousand."""
    motivations = {app.pk: motivation for app, motivation in rejections}
    if not motivations:
        return []
    # Read again under the lock: the sender may have moved the files by a queryset update (the
    # sweep does), and the act records the state the file is in now.
    apps = list(
        Application.objects.select_for_update(of=("self",)).select_related("scheme")
        .filter(pk__in=list(motivations)).order_by("pk")
    )
    decisions = [
        Decision(
            application=app, kind=KIND_OF[kind], outcome=Outcome.REJECTED, amount=Decimal("0.00"),
            motivation=motivations[app.pk], decided_on=today, supersedes_id=app.current_decision_id, created_by=by,
            # Nothing was computed: the act rests on the file's state and the motivation.
            snapshot={"act": kind, "state": app.state, "input": app.data or {}},
        )
        for app in apps
    ]
    # Acts carry no number (act_number stays blank, as for every decision outside a session):
    # nothing to allocate. bulk_create returns the primary keys (PostgreSQL, SQLite >= 3.35).
    Decision.objects.bulk_create(decisions)
    now = timezone.now()
    events = []
    for app, decision in zip(apps, decisions, strict=True):
        app.current_decision, app.updated_at = decision, now
        # Each file's chain: the event follows the file's head as read under the lock.
        events.append(event_build(application=app, kind="decision_act", actor=by, reason=decision.motivation,
                                  payload={"decision": decision.pk, "kind": decision.kind}))
    Event.objects.bulk_create(events, batch_size=1000)
    rows_update(apps, ["current_decision", "updated_at", "events_head", "events_count"])
    decisions_recorded_send(decisions=decisions, today=today)
    # The letters are work written down with the acts (the outbox): a worker dying before they
    # are sent never leaves a decision without its letter.
    outbox_put_many([("decisions.issue_decision_letters", [d.pk], f"decision-letters:{d.pk}") for d in decisions])
    return decisions
