"""Horizons settlement (Art. 6, 9): 60 % advance, final amount on the actual duration, never
above the notified amount; balance or repayment."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from schemes.engine import evaluate
from tests.unit.builders import (
    apprentice,
    cooperation,
    end_after,
    eurocampus,
    grant,
    humanitarian,
    pegasus,
    prior,
    with_mobility,
    with_student,
)

D = date.fromisoformat
M = Decimal


def settled(facts, actual_end, tl):
    verdict = evaluate(with_mobility(facts, actual_end_date=actual_end), tl)
    assert verdict.eligible, verdict.reason_codes
    assert verdict.settlement is not None
    return verdict


def assert_settlement(verdict, final, advance, balance, repayment):
    s = verdict.settlement
    assert (s.final_amount, s.advance, s.balance, s.repayment) == (
        M(final),
        M(advance),
        M(balance),
        M(repayment),
    )
    assert s.advance + s.balance - s.repayment == s.final_amount


@pytest.mark.parametrize(
    "facts_kw, actual_weeks, residue, notified, final, advance, balance, repayment",
    [
        pytest.param(
            dict(),
            13,
            0,
            "1120.00",
            "910.00",
            "672.00",
            "238.00",
            "0.00",
            id="contract-shorter-13-of-16",
        ),
        pytest.param(
            dict(), 16, 0, "1120.00", "1120.00", "672.00", "448.00", "0.00", id="as-planned"
        ),
        pytest.param(
            dict(), 22, 0, "1120.00", "1120.00", "672.00", "448.00", "0.00", id="longer-never-above"
        ),
        pytest.param(
            dict(),
            12,
            0,
            "1120.00",
            "840.00",
            "672.00",
            "168.00",
            "0.00",
            id="exactly-band-minimum",
        ),
        pytest.param(
            dict(), 12, 4, "1120.00", "840.00", "672.00", "168.00", "0.00", id="residue-unpaid"
        ),
        pytest.param(
            dict(),
            11,
            4,
            "1120.00",
            "0.00",
            "672.00",
            "0.00",
            "672.00",
            id="below-minimum-repay-all",
        ),
        pytest.param(
            dict(), 9, 0, "1120.00", "0.00", "672.00", "0.00", "672.00", id="below-minimum-9-weeks"
        ),
        pytest.param(
            dict(level="BTS", kind="internship", weeks=20),
            14,
            0,
            "840.00",
            "840.00",
            "504.00",
            "336.00",
            "0.00",
            id="capped-band-actual-above-funded",
        ),
        pytest.param(
            dict(level="BTS", kind="internship", weeks=20),
            7,
            0,
            "840.00",
            "490.00",
            "504.00",
            "0.00",
            "14.00",
            id="bts-7-weeks-prorated-repay",
        ),
        pytest.param(
            dict(level="BTS", kind="internship", weeks=20),
            5,
            4,
            "840.00",
            "0.00",
            "504.00",
            "0.00",
            "504.00",
            id="bts-below-6",
        ),
    ],
)
def test_grant_settlement(
    facts_kw, actual_weeks, residue, notified, final, advance, balance, repayment, horizons_tl
):
    facts = grant(**facts_kw)
    actual_end = end_after(facts.mobility.start_date, actual_weeks, residue)
    verdict = settled(facts, actual_end, horizons_tl)
    assert verdict.amount == M(notified)
    assert_settlement(verdict, final, advance, balance, repayment)
    assert verdict.settlement.actual_weeks == actual_weeks


def test_grant_contract_example_as_contract(horizons_tl):
    verdict = settled(grant(), D("2025-11-28"), horizons_tl)
    assert verdict.as_contract()["settlement"] == {
        "final_amount": "910.00",
        "advance": "672.00",
        "balance": "238.00",
        "repayment": "0.00",
    }


@pytest.mark.parametrize(
    "actual_weeks, final, balance, repayment",
    [
        pytest.param(12, "420.00", "168.00", "0.00", id="actual-12-capped-at-funded-6"),
        pytest.param(20, "420.00", "168.00", "0.00", id="actual-longer"),
        pytest.param(11, "0.00", "0.00", "252.00", id="actual-below-band-minimum"),
    ],
)
def test_grant_settlement_after_annual_cap(actual_weeks, final, balance, repayment, horizons_tl):
    facts = replace(grant(weeks=12), prior_awards=(prior("grant", "study", 30),))
    verdict = settled(facts, end_after(facts.mobility.start_date, actual_weeks), horizons_tl)
    assert verdict.amount == M("420.00") and verdict.weeks == 6
    assert_settlement(verdict, final, "252.00", balance, repayment)


@pytest.mark.parametrize(
    "builder, kw, actual_weeks, notified, final, advance, balance, repayment",
    [
        pytest.param(
            cooperation,
            dict(level="BTS", weeks=12),
            8,
            "600.00",
            "300.00",
            "360.00",
            "0.00",
            "60.00",
            id="cooperation-bts-600-actual-8-weeks",
        ),
        pytest.param(
            cooperation,
            dict(level="BTS", weeks=12),
            12,
            "600.00",
            "600.00",
            "360.00",
            "240.00",
            "0.00",
            id="cooperation-bts-as-planned",
        ),
        pytest.param(
            cooperation,
            dict(level="BTS", weeks=12),
            20,
            "600.00",
            "600.00",
            "360.00",
            "240.00",
            "0.00",
            id="cooperation-bts-longer",
        ),
        pytest.param(
            cooperation,
            dict(level="BTS", weeks=12),
            5,
            "600.00",
            "0.00",
            "360.00",
            "0.00",
            "360.00",
            id="cooperation-bts-below-6",
        ),
        pytest.param(
            cooperation,
            dict(level="BTS", weeks=8),
            14,
            "300.00",
            "300.00",
            "180.00",
            "120.00",
            "0.00",
            id="cooperation-300-longer-stays-300",
        ),
        pytest.param(
            cooperation,
            dict(level="L3", weeks=12),
            11,
            "600.00",
            "0.00",
            "360.00",
            "0.00",
            "360.00",
            id="cooperation-l3-below-12-final-0",
        ),
        pytest.param(
            eurocampus,
            dict(level="M2", weeks=16),
            11,
            "600.00",
            "0.00",
            "360.00",
            "0.00",
            "360.00",
            id="eurocampus-study-below-12",
        ),
        pytest.param(
            eurocampus,
            dict(level="BTS", kind="internship", weeks=12),
            7,
            "600.00",
            "300.00",
            "360.00",
            "0.00",
            "60.00",
            id="eurocampus-internship-bts-7",
        ),
        pytest.param(
            humanitarian,
            dict(weeks=12),
            6,
            "600.00",
            "300.00",
            "360.00",
            "0.00",
            "60.00",
            id="humanitarian-6",
        ),
        pytest.param(
            apprentice,
            dict(level="BTS", weeks=8),
            14,
            "300.00",
            "300.00",
            "180.00",
            "120.00",
            "0.00",
            id="apprentice-300-capped",
        ),
        pytest.param(
            apprentice,
            dict(level="L3", weeks=12),
            9,
            "600.00",
            "300.00",
            "360.00",
            "0.00",
            "60.00",
            id="apprentice-600-actual-9",
        ),
    ],
)
def test_cheque_settlement(
    builder, kw, actual_weeks, notified, final, advance, balance, repayment, horizons_tl
):
    facts = builder(**kw)
    verdict = settled(facts, end_after(facts.mobility.start_date, actual_weeks), horizons_tl)
    assert verdict.amount == M(notified)
    assert_settlement(verdict, final, advance, balance, repayment)


@pytest.mark.parametrize(
    "actual_end, final, balance, repayment",
    [
        pytest.param("2025-12-31", "600.00", "240.00", "0.00", id="4-months"),
        pytest.param("2026-03-31", "600.00", "240.00", "0.00", id="7-months-never-above"),
        pytest.param("2025-12-30", "0.00", "0.00", "360.00", id="4-months-minus-one-day"),
        pytest.param("2025-10-15", "0.00", "0.00", "360.00", id="1-month"),
    ],
)
def test_pegasus_settlement_by_months(actual_end, final, balance, repayment, horizons_tl):
    verdict = settled(pegasus(end=D("2026-01-31")), D(actual_end), horizons_tl)
    assert verdict.amount == M("600.00")
    assert_settlement(verdict, final, "360.00", balance, repayment)


def test_no_settlement_without_actual_end_date(horizons_tl):
    verdict = evaluate(grant(), horizons_tl)
    assert verdict.eligible and verdict.settlement is None
    assert "settlement" not in verdict.as_contract()


@pytest.mark.parametrize("builder", [grant, cooperation, pegasus, apprentice])
def test_no_settlement_when_not_eligible(builder, horizons_tl):
    facts = with_student(builder(), establishment_in_region=False)
    verdict = evaluate(with_mobility(facts, actual_end_date=D("2025-11-28")), horizons_tl)
    assert not verdict.eligible
    assert verdict.settlement is None
    assert "settlement" not in verdict.as_contract()
