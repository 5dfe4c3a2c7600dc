"""The daily deadline sweeps of every stage, in workflow order, from one place above the apps:
each app runs only its own (applications: document reminders and the Horizons incomplete-file
rule; payments: lapsed balances, unanswered repayment orders). Beat runs this through
aid_portal.tasks.run_deadlines; `manage.py run_deadlines` runs it for cron users."""

from __future__ import annotations

from datetime import date

from applications.services import deadlines_run as applications_deadlines_run
from payments.services import balances_lapse, repayment_orders_sweep


def deadlines_run(*, today: date) -> dict[str, int]:
    """Every deadline sweep of the portal as of `today`; each is idempotent, so is the whole."""
    return {
        **applications_deadlines_run(today=today),
        "balances_lapsed": balances_lapse(today=today),
        "repayment_orders_standing": repayment_orders_sweep(today=today),
    }
