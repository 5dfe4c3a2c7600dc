"""The money side through its services, on the real database, with frozen dates."""

import threading
from datetime import date
from decimal import Decimal
from xml.etree import ElementTree as etree

import pytest
from django.db import IntegrityError, connection, transaction

from decisions.models import Letter
from payments import services as pay
from payments.models import Account, Instalment, LedgerEntry, PaymentRun, RepaymentOrder
from schemes.simulation import simulate_one
from tests.flows import HORIZONS, balance_settled, decided_file, officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def region():
    return officer("horizons")


def test_horizons_plan_is_advance_and_balance_adding_up(region):
    app = decided_file("horizons", region)
    advance, balance = app.instalments.order_by("sequence")
    assert (advance.kind, advance.amount, advance.due_on) == ("advance", Decimal("672.00"), date(2025, 7, 3))
    assert (balance.kind, balance.amount, balance.awaiting_proof) == ("balance", Decimal("448.00"), True)
    assert balance.latest_on == date(2026, 12, 31)  # 31 December of the academic year after 2025-2026
    assert advance.amount + balance.amount == app.current_decision.amount
    assert Account.objects.get(application=app).ceiling == Decimal("1120.00")


def test_haute_garonne_monthly_and_aude_single_wait_for_acceptance():
    hg = decided_file("haute-garonne", officer("haute-garonne"), act_date=date(2025, 10, 1))
    months = list(hg.instalments.order_by("sequence"))
    assert [m.amount for m in months] == [Decimal("400.00")] * 6 and months[0].due_on == date(2025, 12, 2)
    aude = decided_file("aude", officer("aude"), act_date=date(2025, 12, 1))
    (single,) = aude.instalments.all()
    assert single.amount == Decimal("1800.00") and single.due_on == date(2026, 3, 5)
    # Without the agreement accepted, nothing is payable, even when due.
    assert not pay.instalments_payable(date(2026, 3, 20)).filter(application=aude).exists()
    Letter.objects.create(application=aude, decision=aude.current_decision, kind="agreement", template="x", context={},
                          requires_acceptance=True, accepted_at="2026-01-02T10:00:00+01:00")
    assert pay.instalments_payable(date(2026, 3, 20)).filter(application=aude).exists()
    assert not pay.instalments_payable(date(2026, 3, 4)).filter(application=aude).exists()  # not yet the last month


def _run(app, agent, today=date(2025, 7, 10)):
    ids = list(app.instalments.values_list("pk", flat=True))
    return pay.payment_run_create(authority=app.scheme.authority, instalment_ids=ids, by=agent,
                                  execution_date=today, today=today)


def test_run_produces_a_valid_pain001_and_pays_once(region):
    app = decided_file("horizons", region)
    run = _run(app, region)
    assert run.count == 1 and run.total == Decimal("672.00")  # the balance awaits its proofs
    xml = etree.fromstring(run.sepa_xml.encode())
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
    assert xml.findtext(".//p:CdtTrfTxInf/p:Amt/p:InstdAmt", namespaces=ns) == "672.00"
    assert xml.findtext(".//p:CdtTrfTxInf/p:CdtrAcct/p:Id/p:IBAN", namespaces=ns) == "FR7630006000011234567890189"
    with pytest.raises(pay.ServiceError):  # already in a run
        _run(app, region)
    assert pay.payment_run_confirm(run=run, by=region, today=date(2025, 7, 12)) == 1
    assert pay.payment_run_confirm(run=run, by=region, today=date(2025, 7, 13)) == 0  # replayed
    account = Account.objects.get(application=app)
    assert account.paid == Decimal("672.00")
    assert LedgerEntry.objects.filter(application=app, kind="payment").count() == 1


def test_invalid_iban_blocks_the_run(region):
    app = decided_file("horizons", region)
    type(app).objects.filter(pk=app.pk).update(iban="FR7630006000011234567890100")
    with pytest.raises(pay.ServiceError, match="IBAN invalide"):
        _run(app, region)
    assert not PaymentRun.objects.exists()


def test_database_refuses_paying_beyond_the_award(region):
    app = decided_file("horizons", region)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(application=app).update(paid=Decimal("1120.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(application=app).update(repaid=Decimal("0.01"))
    with pytest.raises(PermissionError):
        LedgerEntry.objects.filter(application=app).delete()


def _paid_advance(region):
    app = decided_file("horizons", region)
    pay.payment_run_confirm(run=_run(app, region), by=region, today=date(2025, 7, 12))
    return app


def test_balance_matches_the_simulators_settlement(region):
    app = _paid_advance(region)
    case = {"scheme": "horizons", "aid": "grant", "submitted_on": "2025-06-01", **HORIZONS,
            "mobility": {**HORIZONS["mobility"], "actual_end_date": "2025-11-28"}}
    expected = simulate_one(case, today=date(2025, 6, 1))["settlement"]
    request = balance_settled(app, region, actual_end=date(2025, 11, 28), today=date(2026, 1, 10))
    assert (str(request.final_amount), str(request.balance), str(request.repayment)) == (
        expected["final_amount"], expected["balance"], expected["repayment"]) == ("910.00", "238.00", "0.00")
    balance = app.instalments.get(kind="balance")
    assert balance.amount == Decimal("238.00") and not balance.awaiting_proof
    assert pay.instalments_payable(date(2026, 1, 10)).filter(pk=balance.pk).exists()


def test_stay_below_minimum_loses_everything(region):
    app = _paid_advance(region)
    request = balance_settled(app, region, actual_end=date(2025, 10, 31), today=date(2026, 1, 10))
    assert (request.final_amount, request.balance, request.repayment) == (0, 0, Decimal("672.00"))
    order = RepaymentOrder.objects.get(application=app)
    assert (order.reason, order.amount) == ("settlement", Decimal("672.00"))
    assert app.instalments.get(kind="balance").status == "cancelled"


def test_balance_lapses_after_31_december_and_advance_is_claimed(region):
    app = _paid_advance(region)
    assert pay.balances_lapse(today=date(2026, 12, 31)) == 0  # the last day is still in time
    assert pay.balances_lapse(today=date(2027, 1, 1)) == 1
    assert pay.balances_lapse(today=date(2027, 1, 2)) == 0  # twice: nothing more
    assert app.instalments.get(kind="balance").status == "lapsed"
    order = RepaymentOrder.objects.get(application=app)
    assert (order.reason, order.amount) == ("lapsed", Decimal("672.00"))
    with pytest.raises(pay.ServiceError, match="caduc|en attente"):
        balance_settled(app, region, actual_end=date(2025, 12, 19), today=date(2027, 1, 3))


def test_recovery_answer_waive_or_repay(region):
    app = _paid_advance(region)
    balance_settled(app, region, actual_end=date(2025, 10, 31), today=date(2026, 1, 10))
    order = RepaymentOrder.objects.get(application=app)
    pay.notice_received(order=order, received_on=date(2026, 1, 20), by=region)
    order.refresh_from_db()
    assert order.response_due == date(2026, 2, 20)
    with pytest.raises(pay.ServiceError, match="expiré"):
        pay.repayment_order_answer(order=order, by=app.student, answer="Hospitalisation", today=date(2026, 2, 21))
    pay.repayment_order_answer(order=order, by=app.student, answer="Rapatriement sanitaire", today=date(2026, 2, 20))
    pay.repayment_order_decide(order=order, by=region, waive=True, note="Circonstances exceptionnelles (art. 11)", today=date(2026, 3, 1))
    account = Account.objects.get(application=app)
    assert (account.paid, account.waived, account.net_paid) == (Decimal("672.00"), Decimal("672.00"), 0)


def test_order_stands_without_answer_then_repaid_in_parts(region):
    app = _paid_advance(region)
    balance_settled(app, region, actual_end=date(2025, 10, 31), today=date(2026, 1, 10))
    order = RepaymentOrder.objects.get(application=app)
    pay.notice_received(order=order, received_on=date(2026, 1, 20), by=region)
    assert pay.repayment_orders_sweep(today=date(2026, 2, 21)) == 1
    assert pay.repayment_orders_sweep(today=date(2026, 2, 22)) == 0
    pay.repayment_record(order=order, amount=Decimal("300.00"), by=region, today=date(2026, 3, 1))
    with pytest.raises(pay.ServiceError):
        pay.repayment_record(order=order, amount=Decimal("372.01"), by=region, today=date(2026, 3, 2))
    pay.repayment_record(order=order, amount=Decimal("372.00"), by=region, today=date(2026, 3, 2))
    order.refresh_from_db()
    assert order.status == "settled" and Account.objects.get(application=app).repaid == Decimal("672.00")


def test_haute_garonne_breach_claims_back_everything_paid():
    agent = officer("haute-garonne")
    app = decided_file("haute-garonne", agent, act_date=date(2025, 10, 1))
    Letter.objects.create(application=app, decision=app.current_decision, kind="commitment", template="x", context={},
                          requires_acceptance=True, accepted_at="2025-10-02T10:00:00+01:00")
    first_two = list(app.instalments.order_by("sequence").values_list("pk", flat=True)[:2])
    run = pay.payment_run_create(authority=app.scheme.authority, instalment_ids=first_two, by=agent,
                                 execution_date=date(2026, 1, 5), today=date(2026, 1, 5))
    pay.payment_run_confirm(run=run, by=agent, today=date(2026, 1, 6))
    order = pay.breach_claim(application=app, by=agent, explanation="Stage abandonné en février", today=date(2026, 2, 15))
    assert order.amount == Decimal("800.00") and order.reason == "breach"
    assert not app.instalments.filter(status="planned").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks across threads need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_several_threads_paying_the_same_instalment_pay_it_once():
    agent = officer("horizons")
    app = decided_file("horizons", agent)
    run = _run(app, agent)
    barrier, results, errors = threading.Barrier(5), [], []

    def confirm():
        try:
            barrier.wait(timeout=10)
            results.append(pay.payment_run_confirm(run=run, by=agent, today=date(2025, 7, 12)))
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and sorted(results) == [0, 0, 0, 0, 1]
    assert LedgerEntry.objects.filter(application=app, kind="payment").count() == 1
    assert Account.objects.get(application=app).paid == Decimal("672.00")
    assert Instalment.objects.get(application=app, kind="advance").status == "paid"


def test_breach_is_not_claimed_twice():
    agent = officer("haute-garonne")
    app = decided_file("haute-garonne", agent, act_date=date(2025, 10, 1))
    Letter.objects.create(application=app, decision=app.current_decision, kind="commitment", template="x", context={},
                          requires_acceptance=True, accepted_at="2025-10-02T10:00:00+01:00")
    first = list(app.instalments.order_by("sequence").values_list("pk", flat=True)[:1])
    run = pay.payment_run_create(authority=app.scheme.authority, instalment_ids=first, by=agent,
                                 execution_date=date(2026, 1, 5), today=date(2026, 1, 5))
    pay.payment_run_confirm(run=run, by=agent, today=date(2026, 1, 6))
    pay.breach_claim(application=app, by=agent, explanation="Stage abandonné", today=date(2026, 2, 15))
    with pytest.raises(pay.ServiceError, match="déjà réclamé"):
        pay.breach_claim(application=app, by=agent, explanation="Stage abandonné", today=date(2026, 2, 16))
    assert RepaymentOrder.objects.filter(application=app).count() == 1


def test_notice_reminder_a_week_before_the_answer_is_due(region, django_capture_on_commit_callbacks, mailoutbox):
    app = _paid_advance(region)
    balance_settled(app, region, actual_end=date(2025, 10, 31), today=date(2026, 1, 10))
    order = RepaymentOrder.objects.get(application=app)
    pay.notice_received(order=order, received_on=date(2026, 1, 20), by=region)  # answer due 20 February
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        pay.repayment_orders_sweep(today=date(2026, 2, 12))  # 8 days before: not yet
        pay.repayment_orders_sweep(today=date(2026, 2, 13))
        pay.repayment_orders_sweep(today=date(2026, 2, 14))  # once only
    assert [m.subject for m in mailoutbox] == [f"Rappel : mise en demeure sur votre dossier {app.reference}, réponse avant le 20/02/2026"]


def test_balance_deadline_is_a_dated_parameter(region):
    from schemes.models import Parameter

    Parameter.objects.create(scheme=Parameter.objects.filter(scheme__code="horizons").first().scheme,
                             key="balance_deadline", valid_from=date(2025, 8, 1), value="10-31")
    app = decided_file("horizons", region)
    assert app.instalments.get(kind="balance").latest_on == date(2026, 10, 31)


def test_control_period_shown_once_everything_is_paid(region):
    from payments.selectors import application_ledger

    app = _paid_advance(region)
    assert application_ledger(application=app)["control_until"] is None  # the balance is still due
    balance_settled(app, region, actual_end=date(2025, 12, 19), today=date(2026, 1, 10))
    balance = app.instalments.get(kind="balance")
    run = pay.payment_run_create(authority=app.scheme.authority, instalment_ids=[balance.pk], by=region,
                                 execution_date=date(2026, 1, 12), today=date(2026, 1, 12))
    pay.payment_run_confirm(run=run, by=region, today=date(2026, 1, 15))
    assert application_ledger(application=app)["control_until"] == date(2029, 1, 15)
