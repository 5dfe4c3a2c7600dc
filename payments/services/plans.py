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
            application=app, scheme_id=app.scheme_id, decision=decision, kind=kind, sequence=index, label=item.label, amount=item.amount,
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
    """`payment_plans_for_decisions` for one decision."""
    return payment_plans_for_decisions(decisions=[decision], today=today)


def payment_plans_for_decisions(*, decisions: list[Decision], today: date) -> list[Instalment]:
    """Plan what each decision leaves to pay. Call while holding the applications' row locks;
    at most one decision per application.

    A first decision gets the scheme's whole schedule. A later one (after an appeal or a reported
    change) cancels what is still unpaid, then plans the difference between its amount and what
    has been paid net; when less is due than was paid, a repayment order claims the excess.

    Set-based, for the sweep's thousands of rejection acts (decisions.services.acts): the
    accounts got or created, the planned instalments cancelled and the new ones written in a
    fixed number of queries. What stays per decision is rare: a ceiling raised (a grant above
    any earlier one) and a repayment order (a file paid more than its new decision)."""
    if not decisions:
        return []
    accounts = _accounts_locked([d.application_id for d in decisions])
    for decision in decisions:
        account = accounts[decision.application_id]
        if decision.amount > account.ceiling:
            Account.objects.filter(pk=account.pk).update(ceiling=decision.amount)
    Instalment.objects.filter(application_id__in=list(accounts), status=Instalment.Status.PLANNED).update(
        status=Instalment.Status.CANCELLED)
    instalments, orders = [], []
    for decision in decisions:
        app, account = decision.application, accounts[decision.application_id]
        net_paid = account.paid - account.repaid - account.waived
        if decision.outcome != "granted" or decision.amount <= 0:
            planned = []
        elif net_paid == 0:
            planned = _planned(decision, decision.amount)
        elif decision.amount > net_paid and app.scheme.code != "horizons":
            planned = _rest_of_schedule(decision, net_paid, today)
        elif decision.amount > net_paid:
            rest = decision.amount - net_paid
            planned = [Instalment(
                application=app, scheme_id=app.scheme_id, decision=decision, kind=Instalment.Kind.BALANCE, sequence=1, label=_("Complément"),
                amount=rest, due_on=today, condition=_("décision modificative"), article="Art. 10", awaiting_proof=True,
                latest_on=_planned(decision, decision.amount)[-1].latest_on,
            )]
        else:
            planned = []
        instalments.extend(planned)
        if decision.amount < net_paid:
            orders.append((decision, net_paid))
    Instalment.objects.bulk_create(instalments, batch_size=1000)
    for decision, net_paid in orders:
        _order_create(application=decision.application, amount=net_paid - max(decision.amount, ZERO),
                      reason=RepaymentOrder.Reason.CHANGE, by=None, today=today,
                      explanation=_("La nouvelle décision ramène l'aide à %(a)s.") % {"a": eur(decision.amount)})
    return instalments


def _accounts_locked(application_ids: list[int]) -> dict[int, Account]:
    """The files' accounts, created where missing, locked in ascending pk order: a bulk
    get_or_create. The caller holds the files' locks, so no one else creates them meanwhile;
    ignore_conflicts is there all the same, as get_or_create's own retry would be."""
    wanted = sorted(set(application_ids))
    found = set(Account.objects.filter(application_id__in=wanted).values_list("application_id", flat=True))
    missing = [Account(application_id=pk) for pk in wanted if pk not in found]
    if missing:
        Account.objects.bulk_create(missing, batch_size=1000, ignore_conflicts=True)
    locked = Account.objects.select_for_update().filter(application_id__in=wanted).order_by("pk")
    return {account.application_id: account for account in locked}
