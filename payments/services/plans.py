"""Planning what a decision leaves to pay: the scheme's schedule, or the difference
after an amending decision (a top-up, or a repayment order for the excess)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from decisions.models import Decision
from schemes.engine import schedule
from schemes.engine.money import ZERO, eur, money

from ..models import Account, Instalment, RepaymentOrder
from .recovery import _order_create


# --- Planning ----------------------------------------------------------------------------------
def _snapshot_parameter(decision: Decision, key: str, default=None):
    for item in decision.snapshot.get("parameters", []):
        if item["key"] == key:
            return item["value"]
    return default


def _planned(decision: Decision, amount: Decimal) -> list[Instalment]:
    """Instalments for `amount` of a decision, by the scheme's schedule."""
    app, data = decision.application, decision.snapshot.get("input", {})
    code = app.scheme.code
    section = data.get("mobility") or data.get("internship") or {}
    start, end = date.fromisoformat(section["start_date"]), date.fromisoformat(section["end_date"])
    if code == "horizons":
        rate = Decimal(str(_snapshot_parameter(decision, "advance_rate", "0.60")))
        month, day = (int(x) for x in str(_snapshot_parameter(decision, "balance_deadline", "12-31")).split("-"))
        plan = schedule.horizons_schedule(amount=amount, advance_rate=rate, act_date=decision.decided_on,
                                          mobility_start=start, balance_deadline=(month, day))
        kinds = [Instalment.Kind.ADVANCE, Instalment.Kind.BALANCE]
    elif code == "aude":
        plan, kinds = schedule.aude_schedule(amount=amount, start=start, end=end), [Instalment.Kind.SINGLE]
    else:
        max_months = int(_snapshot_parameter(decision, "max_months", 6))
        plan = schedule.haute_garonne_schedule(amount=amount, start=start, end=end, max_months=max_months)
        kinds = [Instalment.Kind.MONTHLY] * len(plan)
    state_rate = Decimal(str(_snapshot_parameter(decision, "apprentice_state_share", "0"))) if app.aid == "apprentice" else ZERO
    total_state, out = money(amount * state_rate), []
    for index, (item, kind) in enumerate(zip(plan, kinds, strict=True), start=1):
        # The State's share splits like the amount; the last instalment takes the rounding rest.
        share = money(item.amount * state_rate) if index < len(plan) else total_state - sum((i.state_share for i in out), ZERO)
        out.append(Instalment(
            application=app, decision=decision, kind=kind, sequence=index, label=item.label, amount=item.amount,
            state_share=share, due_on=item.due_on, latest_on=item.latest_on, pay_by=item.pay_by, condition=item.condition,
            article=item.article, awaiting_proof=kind == Instalment.Kind.BALANCE,
        ))
    return out


def _rest_of_schedule(decision: Decision, net_paid: Decimal, today: date) -> list[Instalment]:
    """Aude and Haute-Garonne after an amending decision: the new decision's own schedule (one
    payment in the last month, or the monthly instalments), what was already paid taking the
    place of its first instalments, so that the student is paid the rest when the texts say."""
    out, covered = [], net_paid
    for item in _planned(decision, decision.amount):
        if covered >= item.amount:
            covered -= item.amount
            continue
        item.amount, item.state_share, covered = item.amount - covered, ZERO, ZERO
        out.append(item)
    return out


def payment_plan_for_decision(*, decision: Decision, today: date) -> list[Instalment]:
    """Plan what a decision leaves to pay. Call while holding the application's row lock.

    A first decision gets the scheme's whole schedule. A later one (after an appeal or a reported
    change) cancels what is still unpaid, then plans the difference between its amount and what
    has been paid net; when less is due than was paid, a repayment order claims the excess."""
    app = decision.application
    account, _created = Account.objects.select_for_update().get_or_create(application=app)
    if decision.amount > account.ceiling:
        Account.objects.filter(pk=account.pk).update(ceiling=decision.amount)
    Instalment.objects.filter(application=app, status=Instalment.Status.PLANNED).update(status=Instalment.Status.CANCELLED)
    net_paid = account.paid - account.repaid - account.waived
    if decision.outcome != "granted" or decision.amount <= 0:
        instalments = []
    elif net_paid == 0:
        instalments = _planned(decision, decision.amount)
    elif decision.amount > net_paid and app.scheme.code != "horizons":
        instalments = _rest_of_schedule(decision, net_paid, today)
    elif decision.amount > net_paid:
        rest = decision.amount - net_paid
        instalments = [Instalment(
            application=app, decision=decision, kind=Instalment.Kind.BALANCE, sequence=1, label=_("Complément"),
            amount=rest, due_on=today, condition=_("décision modificative"), article="Art. 10", awaiting_proof=True,
            latest_on=_planned(decision, decision.amount)[-1].latest_on,
        )]
    else:
        instalments = []
    Instalment.objects.bulk_create(instalments)
    if decision.amount < net_paid:
        _order_create(application=app, amount=net_paid - max(decision.amount, ZERO), reason=RepaymentOrder.Reason.CHANGE,
                      explanation=_("La nouvelle décision ramène l'aide à %(a)s.") % {"a": eur(decision.amount)}, by=None, today=today)
    return instalments
