"""Art. 10: after an accepted change, the amending decision comes with a new agreement (Aude) or
commitment (Haute-Garonne) to accept, and the rest of the schedule is paid under it."""

from datetime import date
from decimal import Decimal

import pytest

from decisions import services as decision_services
from decisions.letters.issue import decision_letters_issue, letter_accept
from decisions.models import Letter
from payments import services as pay
from tests import flows

pytestmark = pytest.mark.django_db


def _letters_and_accept(app, kind):
    decision_letters_issue(decision_id=app.current_decision_id)
    letter = Letter.objects.get(decision=app.current_decision, kind=kind)
    assert letter.requires_acceptance
    letter_accept(letter=letter, by=app.student)
    return letter


def _pay(app, agent, today):
    ids = list(pay.instalments_payable(today).filter(application=app).values_list("pk", flat=True))
    run = pay.payment_run_create(authority=app.scheme.authority, instalment_ids=ids, by=agent, execution_date=today, today=today)
    pay.payment_run_confirm(run=run, by=agent, today=today)
    return run


def _change(app, agent, *, end, today):
    data = {"internship": {**app.data["internship"], "end_date": end}}
    report = decision_services.change_report(application=app, by=app.student, kind="dates", description="Fin avancée",
                                             changes=data, today=today)
    decision_services.change_review(report=report, by=agent, accept=True, answer="Pris en compte", today=today)
    app.refresh_from_db()
    return app


def test_aude_amended_then_paid_after_the_new_agreement(db):
    agent = flows.officer("aude")
    app = flows.decided_file("aude", agent, act_date=date(2025, 12, 1))  # 5 Jan - 4 Apr 2026, 1,800 EUR
    _letters_and_accept(app, "agreement")
    app = _change(app, agent, end="2026-03-04", today=date(2026, 2, 10))  # two months: 1,200 EUR
    assert app.current_decision.kind == "amendment" and app.current_decision.amount == Decimal("1200.00")
    decision_letters_issue(decision_id=app.current_decision_id)
    kinds = set(Letter.objects.filter(decision=app.current_decision).values_list("kind", flat=True))
    assert kinds == {"amendment", "agreement"}
    (single,) = app.instalments.filter(status="planned")
    assert (single.amount, single.due_on, single.pay_by) == (Decimal("1200.00"), date(2026, 2, 5), date(2026, 3, 4))
    # The old agreement no longer opens the payment; the new one, once accepted, does.
    assert not pay.instalments_payable(date(2026, 2, 20)).filter(pk=single.pk).exists()
    letter_accept(letter=Letter.objects.get(decision=app.current_decision, kind="agreement"), by=app.student)
    assert pay.instalments_payable(date(2026, 2, 20)).filter(pk=single.pk).exists()
    _pay(app, agent, date(2026, 2, 20))
    single.refresh_from_db()
    assert single.status == "paid" and app.account.paid == Decimal("1200.00")


def test_haute_garonne_months_continue_after_a_change(db):
    agent = flows.officer("haute-garonne")
    app = flows.decided_file("haute-garonne", agent, act_date=date(2025, 10, 1))  # 3 Nov 2025 - 2 May 2026, 6 x 400
    _letters_and_accept(app, "commitment")
    _pay(app, agent, date(2026, 1, 5))  # months 1 and 2 (due 2 Dec and 2 Jan)
    assert app.account.paid == Decimal("800.00")
    app = _change(app, agent, end="2026-03-02", today=date(2026, 1, 20))  # four months: 1,600 EUR
    decision_letters_issue(decision_id=app.current_decision_id)
    planned = list(app.instalments.filter(status="planned").order_by("due_on"))
    assert [(i.amount, i.due_on) for i in planned] == [(Decimal("400.00"), date(2026, 2, 2)), (Decimal("400.00"), date(2026, 3, 2))]
    assert not pay.instalments_payable(date(2026, 2, 5)).filter(application=app).exists()
    letter_accept(letter=Letter.objects.get(decision=app.current_decision, kind="commitment"), by=app.student)
    _pay(app, agent, date(2026, 3, 5))
    app.account.refresh_from_db()
    assert app.account.paid == Decimal("1600.00")


def test_aude_late_acceptance_is_due_at_once_and_shown_late(client):
    agent = flows.officer("aude")
    app = flows.decided_file("aude", agent, act_date=date(2025, 12, 1))
    decision_letters_issue(decision_id=app.current_decision_id)
    letter_accept(letter=Letter.objects.get(decision=app.current_decision, kind="agreement"), by=app.student)
    (single,) = app.instalments.all()
    assert single.pay_by == date(2026, 4, 4) and single.due_on == date(2026, 3, 5)
    # Accepted after the internship: payable at once, never re-dated, shown late to officers.
    assert pay.instalments_payable(date(2026, 5, 10)).filter(pk=single.pk).exists()
    client.force_login(agent)
    import time_machine
    with time_machine.travel(date(2026, 5, 10)):
        page = client.get("/paiements/")
        ledger = client.get(f"/instruction/{app.pk}/compte/")
    assert "En retard : à verser au plus tard le 04/04/2026" in page.content.decode()
    assert "En retard" in ledger.content.decode()
    single.refresh_from_db()
    assert single.due_on == date(2026, 3, 5)


def test_haute_garonne_breach_before_any_payment_cancels_the_planned_months(db):
    agent = flows.officer("haute-garonne")
    app = flows.decided_file("haute-garonne", agent, act_date=date(2025, 10, 1))
    assert pay.breach_claim(application=app, by=agent, explanation="Stage jamais commencé", today=date(2025, 11, 20)) is None
    assert not app.instalments.filter(status="planned").exists()
    assert app.events.filter(kind="breach_recorded").exists() and not app.repayment_orders.exists()


def test_notice_cannot_be_received_before_it_was_issued(db):
    from payments.models import RepaymentOrder

    agent = flows.officer("haute-garonne")
    app = flows.decided_file("haute-garonne", agent, act_date=date(2025, 10, 1))
    _letters_and_accept(app, "commitment")
    _pay(app, agent, date(2026, 1, 5))
    order = pay.breach_claim(application=app, by=agent, explanation="Stage abandonné", today=date(2026, 2, 15))
    with pytest.raises(pay.ServiceError, match="ne peut avoir été reçue avant"):
        pay.notice_received(order=order, received_on=date(2026, 2, 10), by=agent)
    order = RepaymentOrder.objects.get(pk=order.pk)
    assert order.notice_received_on is None and order.response_due is None
