"""What payments does when an earlier stage acts (connected in payments.apps)."""

from __future__ import annotations

from datetime import date


def plan_payments_on_decision(sender, *, decision, today: date, **kwargs) -> None:
    """decisions.signals.decision_recorded: plan the decision's instalments (sent inside the
    transaction that holds the file's row lock, as payment_plan_for_decision requires)."""
    from .services import payment_plan_for_decision

    payment_plan_for_decision(decision=decision, today=today)
