"""The authority's indicators (payments.indicators) on files taken through the real services:
each aggregate to the cent, the Chèque Apprentis State / Region split, the Aude indicators, and
a query count that does not grow with the number of files."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import Application
from decisions.models import Letter
from payments import indicators
from payments import services as pay
from payments.followups import follow_up_record
from payments.models import FollowUp, Instalment
from schemes.models import Scheme
from tests.flows import balance_settled, decided_file, officer

pytestmark = pytest.mark.django_db

D = Decimal
# /work/shared/acceptance/public-cases.json "apprentice employer pays too much", with an employer
# contribution the rules accept: a 300 EUR chèque for 8 weeks, half of it the State's (Art. 3).
APPRENTICE = {
    "student": {"level": "DUT", "establishment_in_region": True, "recognised_diploma": True,
                "scholarship_holder": False, "apprentice": True},
    "mobility": {"kind": "internship", "start_date": "2026-03-02", "end_date": "2026-04-24", "country": "DE",
                 "in_curriculum": True, "employer_contribution": "100.00"},
    "other_aid": {"erasmus": False, "other_collectivity_grant": False, "crous_mobility_aid": False},
}


def pay_planned(apps, agent, today, **filters):
    """One payment run for the payable instalments of `apps`, confirmed the same day."""
    ids = list(Instalment.objects.filter(application__in=apps, status="planned", awaiting_proof=False, **filters)
               .values_list("pk", flat=True))
    run = pay.payment_run_create(authority=apps[0].scheme.authority, instalment_ids=ids, by=agent,
                                 execution_date=today, today=today)
    pay.payment_run_confirm(run=run, by=agent, today=today)


def horizons_balance(app, agent, actual_end, today):
    balance_settled(app, agent, actual_end=actual_end, today=today)
    if app.instalments.filter(kind="balance", status="planned").exists():
        pay_planned([app], agent, today, kind="balance")


def accept_agreement(app):
    Letter.objects.create(application=app, decision=app.current_decision, kind="agreement", template="x", context={},
                          requires_acceptance=True, accepted_at="2026-01-02T10:00:00+01:00")


@pytest.fixture
def region_files():
    """Région Occitanie: four 2025 files (1,120 EUR grants and a 300 EUR Chèque Apprentis) in
    every money situation, and one 2024 grant with nothing paid yet."""
    agent = officer("horizons")
    full, repaying, waived = (decided_file("horizons", agent) for _ in range(3))
    apprentice = decided_file("horizons", agent, data=APPRENTICE, aid="apprentice")
    older = decided_file("horizons", agent)
    Application.objects.filter(pk=older.pk).update(academic_year=2024)
    pay_planned([full, repaying, waived, apprentice], agent, date(2025, 7, 12))  # advances: 3 x 672 + 180
    horizons_balance(full, agent, date(2025, 11, 28), date(2026, 1, 10))  # balance 238: 910 paid
    horizons_balance(apprentice, agent, date(2026, 4, 24), date(2026, 5, 4))  # balance 120
    for app in (repaying, waived):  # a stay under the minimum: the 672 advance is claimed back
        horizons_balance(app, agent, date(2025, 10, 31), date(2026, 1, 10))
    order = repaying.repayment_orders.get()
    pay.repayment_record(order=order, amount=D("300.00"), by=agent, today=date(2026, 3, 1))
    order = waived.repayment_orders.get()
    pay.repayment_order_decide(order=order, by=agent, waive=True, note="Circonstances exceptionnelles (art. 11)",
                               today=date(2026, 3, 1))
    return agent


def test_table_per_scheme_and_year_to_the_cent(region_files):
    authority = Scheme.objects.get(code="horizons").authority
    rows = indicators.indicator_table(authority=authority)
    assert [(r.scheme_code, r.academic_year) for r in rows] == [("horizons", 2024), ("horizons", 2025)]
    older, current = rows
    assert (older.committed, older.helped, older.paid, older.outstanding) == (D("1120.00"), 1, D("0.00"), D("0.00"))
    assert current.committed == D("3660.00") and current.helped == 4  # 3 x 1,120 + 300
    assert current.paid == D("2554.00")  # 910 + 672 + 672 + 300
    assert current.recovered == D("300.00")
    assert current.waived == D("672.00")
    assert (current.outstanding, current.open_orders) == (D("372.00"), 1)  # 672 claimed, 300 received
    totals = indicators.indicator_totals(rows)
    assert (totals.committed, totals.paid, totals.helped) == (D("4780.00"), D("2554.00"), 5)
    # Filters: one year, and another authority sees none of it.
    assert [r.academic_year for r in indicators.indicator_table(authority=authority, academic_year=2024)] == [2024]
    assert indicators.indicator_table(authority=Scheme.objects.get(code="aude").authority) == []


def test_apprentice_cheque_split_between_state_and_region(region_files):
    authority = Scheme.objects.get(code="horizons").authority
    (split,) = indicators.apprentice_split(authority=authority)
    assert split == {"application__academic_year": 2025, "paid": D("300.00"), "state": D("150.00"),
                     "region": D("150.00"), "beneficiaries": 1}
    assert list(indicators.apprentice_split(authority=authority, academic_year=2024)) == []


def test_aude_helped_and_installed_students():
    agent = officer("aude")
    paid, unpaid, other = (decided_file("aude", agent, act_date=date(2025, 12, 1)) for _ in range(3))
    accept_agreement(paid)
    pay_planned([paid], agent, date(2026, 3, 20))
    follow_up_record(application=paid, by=agent, installed=True, installed_on=date(2025, 11, 3), commune="Limoux")
    follow_up_record(application=unpaid, by=agent, installed=False, installed_on=date(2025, 11, 3), commune="Narbonne")
    authority = paid.scheme.authority
    (row,) = indicators.indicator_table(authority=authority)
    assert (row.committed, row.paid, row.helped) == (D("5400.00"), D("1800.00"), 3)
    (aude,) = indicators.aude_indicators(authority=authority)
    assert aude == {"academic_year": 2025, "helped": 3, "installed": 1, "followed": 2}
    # A student recorded as not installed keeps neither date nor commune.
    assert FollowUp.objects.filter(application=unpaid).values_list("installed_on", "commune").get() == (None, "")
    # A correction replaces the record (one follow-up per file) and counts at once.
    follow_up_record(application=other, by=agent, installed=True, installed_on=date(2025, 10, 1), commune="Carcassonne")
    follow_up_record(application=unpaid, by=agent, installed=True, installed_on=date(2025, 12, 1),
                     commune="Castelnaudary")
    (aude,) = indicators.aude_indicators(authority=authority)
    assert (aude["installed"], aude["followed"]) == (3, 3)
    assert unpaid.events.filter(kind="follow_up_recorded").count() == 2


def test_follow_up_refused_outside_the_authority_or_scheme():
    aude_agent, region_agent = officer("aude"), officer("horizons")
    app = decided_file("aude", aude_agent, act_date=date(2025, 12, 1))
    with pytest.raises(pay.ServiceError, match="agents de la collectivité"):
        follow_up_record(application=app, by=region_agent, installed=False, installed_on=None, commune="")
    horizons = decided_file("horizons", region_agent)
    with pytest.raises(pay.ServiceError, match="Aude"):
        follow_up_record(application=horizons, by=region_agent, installed=False, installed_on=None, commune="")
    with pytest.raises(pay.ServiceError) as exc:
        follow_up_record(application=app, by=aude_agent, installed=True, installed_on=None, commune="Limoux")
    assert exc.value.field == "installed_on"
    assert not FollowUp.objects.exists()


def _all_indicator_queries(authority) -> int:
    with CaptureQueriesContext(connection) as ctx:
        indicators.indicator_table(authority=authority)
        list(indicators.apprentice_split(authority=authority))
        list(indicators.aude_indicators(authority=authority))
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_number_of_files():
    agent = officer("aude")
    authority = Scheme.objects.get(code="aude").authority

    def add(n):
        apps = [decided_file("aude", agent, act_date=date(2025, 12, 1)) for _ in range(n)]
        for app in apps:
            accept_agreement(app)
        pay_planned(apps, agent, date(2026, 3, 20))
        follow_up_record(application=apps[0], by=agent, installed=True, installed_on=date(2025, 11, 3),
                         commune="Limoux")

    add(5)
    with_5 = _all_indicator_queries(authority)
    add(15)
    with_20 = _all_indicator_queries(authority)
    assert with_5 == with_20 == 5  # committed, ledger, outstanding, apprentice split, Aude
    (row,) = indicators.indicator_table(authority=authority)
    assert (row.helped, row.paid) == (20, D("36000.00"))
