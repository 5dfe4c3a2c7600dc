"""Dated parameters: a value applies from its date until the next one; ill-shaped stored values
are refused; a snapshot records what the engine read."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from schemes.engine import ParameterMissing, ParameterTimeline, evaluate
from schemes.engine.parameters import (
    PARAMETER_SPECS,
    ParameterError,
    ParameterValue,
    parse_value,
)
from tests.unit.builders import grant, haute_garonne, parameter_rows, timeline, with_mobility

D = date.fromisoformat


def test_every_fixture_row_parses_and_is_a_known_key():
    for row in parameter_rows():
        assert (row["scheme"], row["key"]) in PARAMETER_SPECS
        parse_value(row["scheme"], row["key"], row["value"])


@pytest.mark.parametrize("scheme", ["horizons", "aude", "haute-garonne"])
def test_fixture_defines_every_key_of_the_scheme(scheme):
    tl = timeline(scheme)
    expected = {key for (s, key) in PARAMETER_SPECS if s == scheme}
    snapshot = tl.at(date(2030, 1, 1))
    for key in expected:
        snapshot[key]
    assert {v.key for v in snapshot.used()} == expected


@pytest.mark.parametrize(
    "scheme, first",
    [("horizons", "2015-09-01"), ("aude", "2017-12-22"), ("haute-garonne", "2021-05-27")],
)
def test_first_date(scheme, first):
    assert timeline(scheme).first_date() == D(first)


def _grant_starting(start: date):
    """A 12-full-week M1 study grant starting on `start` (any weekday), submitted in time."""
    facts = grant(weeks=12)
    return with_mobility(facts, start_date=start, end_date=start + timedelta(days=12 * 7 - 1))


@pytest.mark.parametrize(
    "start, amount",
    [
        pytest.param("2026-12-31", Decimal("840.00"), id="day-before-new-rate-70"),
        pytest.param("2027-01-01", Decimal("960.00"), id="new-rate-80-from-its-date"),
        pytest.param("2027-03-01", Decimal("960.00"), id="after-new-rate"),
    ],
)
def test_later_dated_value_applies_from_its_date(start, amount):
    tl = timeline("horizons", [("weekly_rate", "2027-01-01", "80.00")])
    facts = replace(_grant_starting(D(start)), submitted_on=date(2026, 6, 1))
    verdict = evaluate(facts, tl)
    assert verdict.reason_codes == []
    assert verdict.weeks == 12
    assert verdict.amount == amount
    rate = next(v for v in verdict.parameters if v.key == "weekly_rate")
    assert rate.valid_from == (D("2027-01-01") if amount == Decimal("960.00") else D("2015-09-01"))


def test_timeline_at_picks_the_version_in_force():
    tl = timeline("horizons")
    assert tl.at(D("2017-12-31"))["gratification_ceiling"] == Decimal("554.40")
    assert tl.at(D("2018-01-01"))["gratification_ceiling"] == Decimal("577.50")
    assert tl.at(D("2025-12-31"))["gratification_ceiling"] == Decimal("669.90")
    assert tl.at(D("2026-01-01"))["gratification_ceiling"] == Decimal("693.00")


def test_missing_before_first_value():
    tl = timeline("horizons")
    with pytest.raises(ParameterMissing) as exc:
        tl.at(D("2015-08-31"))["weekly_rate"]
    assert exc.value.key == "weekly_rate"
    assert exc.value.on == D("2015-08-31")


def test_evaluate_before_the_scheme_exists_raises_missing():
    facts = haute_garonne(start_date=D("2021-05-01"), end_date=D("2021-09-30"))
    with pytest.raises(ParameterMissing):
        evaluate(facts, timeline("haute-garonne"))


def test_evaluate_refuses_another_schemes_timeline():
    with pytest.raises(ValueError):
        evaluate(grant(), timeline("aude"))


def test_snapshot_used_lists_what_was_read_sorted_by_key():
    snapshot = timeline("horizons").at(D("2025-09-01"))
    assert snapshot.used() == ()
    snapshot["weekly_rate"]
    snapshot["annual_weeks_cap"]
    snapshot["weekly_rate"]
    assert snapshot.used() == (
        ParameterValue("annual_weeks_cap", 36, D("2015-09-01"), "Art. 2"),
        ParameterValue("weekly_rate", Decimal("70.00"), D("2015-09-01"), "Art. 6"),
    )


def test_verdict_records_parameters_read():
    verdict = evaluate(grant(), timeline("horizons"))
    keys = [v.key for v in verdict.parameters]
    assert keys == sorted(keys)
    assert {"weekly_rate", "grant_bands", "annual_weeks_cap", "eligible_levels"} <= set(keys)
    assert "pegasus_amount" not in keys
    assert "gratification_ceiling" not in keys  # a study grant never reads it


def test_internship_grant_records_the_gratification_threshold_in_force():
    facts = grant(level="L3", kind="internship", weeks=12)
    verdict = evaluate(
        with_mobility(facts, monthly_gratification=Decimal("100")), timeline("horizons")
    )
    ceiling = next(v for v in verdict.parameters if v.key == "gratification_ceiling")
    assert ceiling.value == Decimal("669.90") and ceiling.valid_from == D("2024-01-01")


@pytest.mark.parametrize(
    "key, raw, parsed",
    [
        pytest.param("weekly_rate", "70", Decimal("70.00"), id="amount-string"),
        pytest.param("weekly_rate", 70, Decimal("70.00"), id="amount-int"),
        pytest.param("weekly_rate", 70.005, Decimal("70.01"), id="amount-rounded-half-up"),
        pytest.param("advance_rate", "0.60", Decimal("0.60"), id="rate"),
        pytest.param("advance_rate", 1, Decimal("1"), id="rate-one"),
        pytest.param("annual_weeks_cap", 0, 0, id="count-zero"),
        pytest.param("eligible_levels", ["L3"], frozenset({"L3"}), id="codes"),
        pytest.param("academic_year_start", "02-29", (2, 29), id="month-day-leap"),
        pytest.param(
            "cheque_tiers",
            [[12, "600"], [6, "300"]],
            ((6, Decimal("300.00")), (12, Decimal("600.00"))),
            id="tiers-sorted",
        ),
        pytest.param(
            "grant_bands", {"study": {"L3": [12, 12]}}, {"study": {"L3": (12, 12)}}, id="band"
        ),
    ],
)
def test_parse_well_shaped_values(key, raw, parsed):
    assert parse_value("horizons", key, raw) == parsed


@pytest.mark.parametrize(
    "scheme, key, raw",
    [
        pytest.param("horizons", "weekly_rate", "abc", id="amount-not-a-number"),
        pytest.param("horizons", "weekly_rate", True, id="amount-bool"),
        pytest.param("horizons", "weekly_rate", None, id="amount-none"),
        pytest.param("horizons", "weekly_rate", "-1", id="amount-negative"),
        pytest.param("horizons", "weekly_rate", "NaN", id="amount-nan"),
        pytest.param("horizons", "weekly_rate", "Infinity", id="amount-infinite"),
        pytest.param("horizons", "weekly_rate", ["70"], id="amount-list"),
        pytest.param("horizons", "advance_rate", "1.5", id="rate-above-one"),
        pytest.param("horizons", "advance_rate", "-0.1", id="rate-negative"),
        pytest.param("horizons", "annual_weeks_cap", 3.5, id="count-float"),
        pytest.param("horizons", "annual_weeks_cap", "36", id="count-string"),
        pytest.param("horizons", "annual_weeks_cap", -1, id="count-negative"),
        pytest.param("horizons", "annual_weeks_cap", True, id="count-bool"),
        pytest.param("horizons", "eligible_levels", "L3", id="codes-not-list"),
        pytest.param("horizons", "eligible_levels", ["L3", ""], id="codes-empty-string"),
        pytest.param("horizons", "eligible_levels", ["L3", 1], id="codes-not-string"),
        pytest.param("horizons", "grant_bands", {"summer": {}}, id="bands-unknown-kind"),
        pytest.param("horizons", "grant_bands", [], id="bands-not-object"),
        pytest.param("horizons", "grant_bands", {"study": []}, id="bands-kind-not-object"),
        pytest.param("horizons", "grant_bands", {"study": {"L3": [12]}}, id="band-one-bound"),
        pytest.param(
            "horizons", "grant_bands", {"study": {"L3": [36, 12]}}, id="band-min-above-max"
        ),
        pytest.param(
            "horizons", "grant_bands", {"study": {"L3": [12, "36"]}}, id="band-string-bound"
        ),
        pytest.param("horizons", "cheque_tiers", [], id="tiers-empty"),
        pytest.param("horizons", "cheque_tiers", "300", id="tiers-not-list"),
        pytest.param("horizons", "cheque_tiers", [[6]], id="tier-one-element"),
        pytest.param("horizons", "cheque_tiers", [[6, "600"], [12, "300"]], id="tiers-decreasing"),
        pytest.param("horizons", "academic_year_start", "13-01", id="month-day-bad-month"),
        pytest.param("horizons", "academic_year_start", "02-30", id="month-day-bad-day"),
        pytest.param("horizons", "academic_year_start", "june", id="month-day-text"),
        pytest.param("horizons", "cheque_minimum_weeks", [], id="minimums-not-object"),
        pytest.param(
            "horizons", "cheque_minimum_weeks", {"cooperation": {"L3": "12"}}, id="minimums-string"
        ),
        pytest.param("horizons", "no_such_key", 1, id="unknown-key"),
        pytest.param("aude", "weekly_rate", "70", id="key-of-another-scheme"),
        pytest.param("haute-garonne", "monthly_travel", "-200", id="hg-negative-amount"),
    ],
)
def test_parse_errors(scheme, key, raw):
    with pytest.raises(ParameterError):
        parse_value(scheme, key, raw)


def test_from_raw_refuses_an_ill_shaped_row():
    with pytest.raises(ParameterError):
        ParameterTimeline.from_raw("horizons", [("weekly_rate", D("2015-09-01"), "seventy")])
