"""Money after a file is decided again, and the payment run's status machine (issue "Nothing
lost", point 14): a higher new amount tops up only the difference, a lower one claims the excess
back, an interruption is paid at the settlement's amount, and a run never leaves cancelled or
confirmed. These run on SQLite as well as PostgreSQL."""

from datetime import date
from decimal import Decimal

import pytest

from applications import services
from decisions import services as decision_services
from payments import services as pay
from payments.models import Account, Instalment, LedgerEntry, PaymentRun, RepaymentOrder
from tests.flows import decided_file, officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def region():
    return officer("horizons")


def _run(app, agent, today=date(2025, 7, 10), kinds=("advance",)):
    ids = list(app.instalments.filter(kind__in=kinds, status="planned").values_list("pk", flat=True))
    return pay.payment_run_create(authority=app.scheme.authority, instalment_ids=ids, by=agent,
                                  execution_date=today, today=today)


def _paid_advance(agent, amount=Decimal("1120.00")):
    """A Horizons grant of `amount` (the engine gives 1,120.00 €) whose 60 % advance is paid."""
    app = decided_file("horizons", agent, amount=amount)
    pay.payment_run_confirm(run=_run(app, agent), by=agent, today=date(2025, 7, 12))
    assert Account.objects.get(application=app).paid == amount * Decimal("0.6")
    return app


def _decided_again(app, agent, *, amount, on=date(2025, 9, 15)):
    """Appeal reopened, then a new commission decides `amount` (the file's second decision)."""
    decision_services.decision_notified(decision=app.current_decision, on=date(2025, 7, 4))
    appeal = decision_services.appeal_file(application=app, by=app.student, grounds="Réexamen", today=date(2025, 8, 1))
    decision_services.appeal_decide(appeal=appeal, by=agent, uphold=False, answer="Réexamen du calcul")
    app.refresh_from_db()
    services.application_mark_ready(application=app, by=agent)
    session = decision_services.session_create(scheme=app.scheme, title="Réexamen", meeting_date=on, by=agent)
    decision_services.session_add_files(session=session, applications=[app], by=agent, today=on)
    decision_services.session_entry_record(entry=session.entries.get(), outcome="granted", by=agent, amount=amount,
                                           quota_derogation="Réexamen sur recours")
    decision_services.session_close_start(session=session, by=agent, today=on)
    decision_services.session_close_run(session_id=session.pk)
    app.refresh_from_db()
    return app


def test_a_higher_new_amount_tops_up_only_the_difference(region):
    # First granted 800.00 (advance 480.00 paid), then, on appeal, the engine's 1,120.00.
    app = _decided_again(_paid_advance(region, amount=Decimal("800.00")), region, amount=Decimal("1120.00"))
    planned = list(app.instalments.filter(status="planned"))
    # 640.00 more, never the whole amount again.
    assert [(i.label, i.amount, i.decision_id) for i in planned] == [("Complément", Decimal("640.00"), app.current_decision_id)]
    assert app.instalments.get(kind="balance", decision__kind="initial").status == "cancelled"
    assert not RepaymentOrder.objects.filter(application=app).exists()
    assert Account.objects.get(application=app).ceiling == Decimal("1120.00")
    # The top-up, like the first schedule, carries the file's scheme (the payable list filters on it).
    assert set(app.instalments.values_list("scheme_id", flat=True)) == {app.scheme_id}


def test_a_lower_new_amount_claims_the_excess_back(region):
    app = _decided_again(_paid_advance(region), region, amount=Decimal("500.00"))
    assert not app.instalments.filter(status="planned").exists()
    order = RepaymentOrder.objects.get(application=app)
    assert (order.reason, order.amount) == ("change", Decimal("172.00"))  # 672.00 paid − 500.00 due


def test_the_same_amount_again_plans_nothing_more(region):
    app = _decided_again(_paid_advance(region), region, amount=Decimal("672.00"))
    assert not app.instalments.filter(status="planned").exists()
    assert not RepaymentOrder.objects.filter(application=app).exists()


def test_an_accepted_interruption_is_paid_at_the_settlement_amount(region):
    app = _paid_advance(region)
    report = decision_services.change_report(application=app, by=app.student, kind="interruption",
                                             description="Retour anticipé", changes={"mobility": {"actual_end_date": "2025-11-28"}},
                                             today=date(2025, 11, 30))
    decision_services.change_review(report=report, by=region, accept=True, answer="Interruption prise en compte",
                                    today=date(2025, 12, 1))
    app.refresh_from_db()
    # 13 full weeks done × 70 € = 910.00 (Art. 9 proration); 672.00 paid, 238.00 left to pay.
    assert app.current_decision.amount == Decimal("910.00")
    (rest,) = app.instalments.filter(status="planned")
    assert rest.amount == Decimal("238.00")
    assert not RepaymentOrder.objects.filter(application=app).exists()


def _ledger(app):
    return list(LedgerEntry.objects.filter(application=app).order_by("pk").values_list("kind", "amount"))


def test_a_cancelled_run_cannot_be_confirmed_and_changes_nothing(region):
    app = decided_file("horizons", region)
    run = _run(app, region)
    pay.payment_run_cancel(run=run, by=region)
    assert pay.payment_run_confirm(run=run, by=region, today=date(2025, 7, 12)) == 0
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.CANCELLED and run.confirmed_on is None
    assert _ledger(app) == [] and Account.objects.get(application=app).paid == 0
    assert app.instalments.get(kind="advance").status == "planned"


def test_a_confirmed_run_stays_confirmed_and_pays_once(region):
    app = decided_file("horizons", region)
    run = _run(app, region)
    assert pay.payment_run_confirm(run=run, by=region, today=date(2025, 7, 12)) == 1
    before = _ledger(app)
    # Replayed (a double click, a retried task) and then cancelled: neither moves anything.
    assert pay.payment_run_confirm(run=run, by=region, today=date(2025, 7, 13)) == 0
    with pytest.raises(pay.ServiceError, match="non confirmé"):
        pay.payment_run_cancel(run=run, by=region)
    run.refresh_from_db()
    assert (run.status, run.confirmed_on) == (PaymentRun.Status.CONFIRMED, date(2025, 7, 12))
    assert _ledger(app) == before == [("payment", Decimal("672.00"))]
    assert Account.objects.get(application=app).paid == Decimal("672.00")
    assert Instalment.objects.get(application=app, kind="advance").status == "paid"
