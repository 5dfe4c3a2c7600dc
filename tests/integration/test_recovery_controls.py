"""Horizons Art. 10-12 through the services: the Région declares an aid lost itself, a waiver
may be partial ("à due proportion"), the student is told in writing when a claim is upheld, and a
control suspends payments until it is concluded. Refusals change nothing."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from applications.models import OutboxMessage
from decisions.letters.issue import decision_letters_issue, letter_accept
from decisions.models import Letter
from payments import services as pay
from payments.models import Account, Control, LedgerEntry, RepaymentOrder
from payments.notices import repayment_demand_issue
from tests import flows

pytestmark = pytest.mark.django_db


def _pay(app, agent, today):
    ids = list(pay.instalments_payable(today).filter(application=app).values_list("pk", flat=True))
    run = pay.payment_run_create(authority=app.scheme.authority, instalment_ids=ids, by=agent, execution_date=today, today=today)
    pay.payment_run_confirm(run=run, by=agent, today=today)


@pytest.fixture
def region():
    return flows.officer("horizons")


@pytest.fixture
def advance_paid(region):
    """A Horizons grant of 1,120.00 decided on 3 July 2025, its advance of 672.00 paid on 10 July."""
    app = flows.decided_file("horizons", region)
    _pay(app, region, date(2025, 7, 10))
    assert app.account.paid == Decimal("672.00")
    return app


def _snapshot(app):
    return (list(app.instalments.values_list("pk", "status").order_by("pk")), list(app.repayment_orders.values()),
            Account.objects.filter(application=app).values().first(), LedgerEntry.objects.count(),
            app.events.count(), list(app.controls.values()))


def test_the_region_declares_the_aid_lost_and_claims_what_was_paid(advance_paid, region):
    app = advance_paid
    before = _snapshot(app)
    with pytest.raises(pay.ServiceError, match="Motivez"):
        pay.aid_lost_declare(application=app, by=region, reason="  ", today=date(2025, 11, 3))
    with pytest.raises(pay.ServiceError, match="agents de la collectivité"):
        pay.aid_lost_declare(application=app, by=flows.officer("aude"), reason="x", today=date(2025, 11, 3))
    assert _snapshot(app) == before
    order = pay.aid_lost_declare(application=app, by=region, reason="Stage interrompu en septembre, jamais signalé.",
                                 today=date(2025, 11, 3))
    assert (order.reason, order.amount, order.status) == ("lost", Decimal("672.00"), "notice_sent")
    assert not app.instalments.filter(status="planned").exists()
    event = app.events.get(kind="aid_lost_declared")
    assert event.payload == {"cancelled_instalments": 1, "claimed": "672.00"} and event.actor == region
    assert OutboxMessage.objects.filter(key=f"formal-notice:{order.pk}", task="payments.issue_formal_notice").exists()
    # What is claimed is not claimed twice.
    before = _snapshot(app)
    with pytest.raises(pay.ServiceError, match="déjà réclamé"):
        pay.aid_lost_declare(application=app, by=region, reason="Encore", today=date(2025, 11, 4))
    assert _snapshot(app) == before


def test_nothing_paid_cancels_the_planned_instalments_instead(region):
    app = flows.decided_file("horizons", region)
    assert pay.aid_lost_declare(application=app, by=region, reason="Mobilité annulée, non signalée",
                                today=date(2025, 7, 5)) is None
    assert set(app.instalments.values_list("status", flat=True)) == {"cancelled"}
    assert not app.repayment_orders.exists()
    assert app.events.get(kind="aid_lost_declared").payload["claimed"] == "0.00"
    before = _snapshot(app)
    with pytest.raises(pay.ServiceError, match="Rien n'a été versé"):
        pay.aid_lost_declare(application=app, by=region, reason="Encore", today=date(2025, 7, 6))
    assert _snapshot(app) == before


def test_partial_waiver_booked_and_the_rest_demanded_in_writing(advance_paid, region):
    app = advance_paid
    order = pay.aid_lost_declare(application=app, by=region, reason="Changement de destination non signalé",
                                 today=date(2025, 11, 3))
    pay.repayment_order_answer(order=order, by=app.student, answer="J'ai été hospitalisée deux semaines.",
                               today=date(2025, 11, 20))
    before = _snapshot(app)
    for bad in (Decimal("0"), Decimal("672.01")):
        with pytest.raises(pay.ServiceError, match="comprise entre 0,01"):
            pay.repayment_order_decide(order=order, by=region, waive=True, amount=bad, note="Hospitalisation",
                                       today=date(2025, 12, 1))
    assert _snapshot(app) == before
    with time_machine.travel(datetime(2025, 12, 1, 10, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        order = pay.repayment_order_decide(order=order, by=region, waive=True, amount=Decimal("200.00"),
                                           note="Hospitalisation : remise à due proportion.", today=date(2025, 12, 1))
    account = Account.objects.get(application=app)
    assert order.status == "standing" and account.waived == Decimal("200.00") and account.repaid == 0
    assert order.ledger_entries.get().kind == "waiver"
    assert app.events.get(kind="repayment_decided").payload["due"] == "472.00"
    assert OutboxMessage.objects.filter(key=f"repayment-demand:{order.pk}", task="payments.issue_repayment_demand").exists()
    assert repayment_demand_issue(order_id=order.pk) == 1 and repayment_demand_issue(order_id=order.pk) == 0
    order.refresh_from_db()
    letter = order.demand_letter
    assert letter.kind == Letter.Kind.REPAYMENT_DEMAND and letter.pdf.read().startswith(b"%PDF")
    assert letter.context["ruling"] == {"decided_on": "2025-12-01", "note": "Hospitalisation : remise à due proportion.",
                                        "answered": True, "waived": "200.00", "repaid": "0.00", "due": "472.00"}
    # The rest is due, no more.
    with pytest.raises(pay.ServiceError, match="au plus 472,00"):
        pay.repayment_record(order=order, amount=Decimal("472.01"), by=region, today=date(2026, 1, 5))
    order = pay.repayment_record(order=order, amount=Decimal("472.00"), by=region, today=date(2026, 1, 5))
    assert order.status == RepaymentOrder.Status.SETTLED
    account.refresh_from_db()
    assert (account.paid, account.repaid, account.waived) == (Decimal("672.00"), Decimal("472.00"), Decimal("200.00"))


def test_full_waiver_writes_no_demand(advance_paid, region):
    order = pay.aid_lost_declare(application=advance_paid, by=region, reason="Non signalé", today=date(2025, 11, 3))
    order = pay.repayment_order_decide(order=order, by=region, waive=True, note="Circonstances exceptionnelles",
                                       today=date(2025, 12, 1))
    assert order.status == "waived" and not OutboxMessage.objects.filter(key=f"repayment-demand:{order.pk}").exists()


def test_a_control_suspends_payments_until_it_is_concluded(region):
    app = flows.decided_file("horizons", region)
    (advance,) = app.instalments.filter(kind="advance")
    before = _snapshot(app)
    with pytest.raises(pay.ServiceError, match="postérieur"):
        pay.control_open(application=app, by=region, reason="Contrôle", requested_items="Attestation",
                         documents_due=date(2025, 7, 4), today=date(2025, 7, 4))
    assert _snapshot(app) == before
    control = pay.control_open(application=app, by=region, reason="Contrôle sur pièces de l'inscription",
                               requested_items="Attestation d'inscription", documents_due=date(2025, 8, 4),
                               today=date(2025, 7, 4))
    assert app.events.get(kind="control_opened").payload["documents_due"] == "2025-08-04"
    assert OutboxMessage.objects.filter(key=f"mail:control_opened:control-{control.pk}").exists()
    with pytest.raises(pay.ServiceError, match="déjà en cours"):
        pay.control_open(application=app, by=region, reason="Bis", requested_items="x", documents_due=date(2025, 8, 4),
                         today=date(2025, 7, 4))
    # Art. 11: suspended: not payable, and a payment run refuses it.
    assert not pay.instalments_payable(date(2025, 7, 10)).filter(pk=advance.pk).exists()
    with pytest.raises(pay.ServiceError, match="Aucune des échéances"):
        pay.payment_run_create(authority=app.scheme.authority, instalment_ids=[advance.pk], by=region,
                               execution_date=date(2025, 7, 10), today=date(2025, 7, 10))
    advance.refresh_from_db()
    assert advance.status == "planned"
    assert pay.control_close(control=control, by=region, recovery=False, conclusion="Inscription vérifiée",
                             today=date(2025, 7, 20)) is None
    control.refresh_from_db()
    assert control.status == Control.Status.COMPLIANT and app.events.filter(kind="control_closed").exists()
    with pytest.raises(pay.ServiceError, match="déjà clos"):
        pay.control_close(control=control, by=region, recovery=True, conclusion="x", today=date(2025, 7, 21))
    assert pay.instalments_payable(date(2025, 7, 20)).filter(pk=advance.pk).exists()


def test_a_control_concluded_with_a_recovery(advance_paid, region):
    control = pay.control_open(application=advance_paid, by=region, reason="Contrôle du séjour", requested_items="Billets",
                               documents_due=date(2025, 10, 1), today=date(2025, 9, 1))
    order = pay.control_close(control=control, by=region, recovery=True, conclusion="Séjour non effectué",
                              today=date(2025, 10, 10))
    control.refresh_from_db()
    assert (order.reason, order.amount) == ("lost", Decimal("672.00"))
    assert control.status == "recovery" and control.order == order
    assert not advance_paid.instalments.filter(status="planned").exists()


def test_a_control_within_three_years_of_the_balance_only():
    agent = flows.officer("aude")
    app = flows.decided_file("aude", agent, act_date=date(2025, 12, 1))  # one payment, due from 5 March 2026
    decision_letters_issue(decision_id=app.current_decision_id)
    letter_accept(letter=Letter.objects.get(decision=app.current_decision, kind="agreement"), by=app.student)
    _pay(app, agent, date(2026, 3, 10))
    assert pay.control_period_end(app) == date(2029, 3, 10)
    before = _snapshot(app)
    with pytest.raises(pay.ServiceError, match="a expiré le 10/03/2029"):
        pay.control_open(application=app, by=agent, reason="Contrôle", requested_items="Attestation de stage",
                         documents_due=date(2029, 4, 11), today=date(2029, 3, 11))
    assert _snapshot(app) == before
    control = pay.control_open(application=app, by=agent, reason="Contrôle", requested_items="Attestation de stage",
                               documents_due=date(2029, 4, 10), today=date(2029, 3, 10))
    assert control.status == "open" and str(control).startswith("Contrôle du 10/03/2029")
