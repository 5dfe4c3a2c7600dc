"""Decisions taken without the commission: the rejection of a file left incomplete (Horizons
Art. 5) and the classement sans suite. Art. 8 makes every rejection a motivated decision notified
individually; like a commission's, each gets its act, its letter and the means of appeal (Art. 13).

Recorded on `applications.signals.file_rejected` (decisions.receivers), inside the transaction
that moved the file: the act commits or rolls back with the file's new state.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from applications.events import event_record
from applications.models import Application
from applications.services import application_locked, outbox_put

from ..models import Decision, Outcome
from .closing import decision_recorded_send

KIND_OF = {"incomplete": Decision.Kind.INCOMPLETE, "closure": Decision.Kind.CLOSURE}


def decision_act_record(*, application: Application, kind: str, motivation: str, today: date, by=None) -> Decision:
    """Record the rejection act of `application` (already in its final state), make it the
    decision in force, and issue its motivated letter after commit. Call inside the transaction
    that holds the file's row lock (it is taken again here, which costs nothing)."""
    app = application_locked(application)
    previous = app.current_decision
    decision = Decision.objects.create(
        application=app, kind=KIND_OF[kind], outcome=Outcome.REJECTED, amount=Decimal("0.00"),
        motivation=motivation, decided_on=today, supersedes=previous, created_by=by,
        # Nothing was computed: the act rests on the file's state and the motivation.
        snapshot={"act": kind, "state": app.state, "input": app.data or {}},
    )
    app.current_decision = decision
    app.save(update_fields=["current_decision", "updated_at"])
    event_record(application=app, kind="decision_act", actor=by, reason=motivation,
                 payload={"decision": decision.pk, "kind": decision.kind})
    decision_recorded_send(decision=decision, today=today)
    # The letter is work written down with the act (the outbox): a worker dying before it is sent
    # never leaves a decision without its letter.
    outbox_put(task="decisions.issue_decision_letters", args=[decision.pk], key=f"decision-letters:{decision.pk}")
    return decision
