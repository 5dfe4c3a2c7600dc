"""What payments does when an earlier stage acts (connected in payments.apps)."""

from __future__ import annotations

from datetime import date


def plan_payments_on_decisions(sender, *, decisions, today: date, **kwargs) -> None:
    """decisions.signals.decisions_recorded: plan the decisions' instalments (sent inside the
    transaction that holds the files' row locks, as payment_plans_for_decisions requires), the
    whole set at once."""
    from .services import payment_plans_for_decisions

    payment_plans_for_decisions(decisions=decisions, today=today)
