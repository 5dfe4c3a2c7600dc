"""Horizons general rules (Art. 1 and 5), shared by the grant and every chèque."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from schemes.engine import evaluate
from schemes.engine.horizons import submission_deadline
from tests.unit.builders import (
    CHEQUE_BUILDERS,
    end_after,
    grant,
    with_mobility,
    with_student,
)

D = date.fromisoformat
ALL_AIDS = {"grant": grant, **CHEQUE_BUILDERS}
OVERSEAS = ["GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "WF", "PF", "NC", "TF"]
ARTICLE = {
    "establishment_not_in_region": "Art. 1",
    "diploma_not_recognised": "Art. 1",
    "level_not_eligible": "Art. 1",
    "destination_not_abroad": "Art. 1",
    "mobility_not_in_curriculum": "Art. 1",
    "submitted_after_mobility_start": "Art. 5",
    "submission_deadline_passed": "Art. 5",
}


def assert_ineligible(verdict, codes):
    assert verdict.reason_codes == sorted(codes)
    assert verdict.eligible is False
    assert verdict.amount == Decimal("0.00")
    assert verdict.explanation == ()
    assert verdict.settlement is None


@pytest.mark.parametrize("aid", ALL_AIDS)
def test_baselines_are_eligible(aid, horizons_tl):
    verdict = evaluate(ALL_AIDS[aid](), horizons_tl)
    assert verdict.eligible and verdict.reason_codes == []
    assert verdict.aid == aid and verdict.scheme == "horizons"


@pytest.mark.parametrize("aid", ALL_AIDS)
@pytest.mark.parametrize(
    "change, code",
    [
        pytest.param(
            dict(establishment_in_region=False), "establishment_not_in_region", id="not-in-region"
        ),
        pytest.param(dict(recognised_diploma=False), "diploma_not_recognised", id="diploma"),
    ],
)
def test_student_general_rules(aid, change, code, horizons_tl):
    verdict = evaluate(with_student(ALL_AIDS[aid](), **change), horizons_tl)
    assert_ineligible(verdict, [code])
    assert [r.article for r in verdict.reasons] == [ARTICLE[code]]
    assert verdict.reasons[0].message  # a French message for the student


@pytest.mark.parametrize("aid", ALL_AIDS)
@pytest.mark.parametrize("level", ["L1", "L2", "DOCTORATE", "OTHER"])
def test_level_not_eligible_reported_once(aid, level, horizons_tl):
    verdict = evaluate(with_student(ALL_AIDS[aid](), level=level), horizons_tl)
    assert_ineligible(verdict, ["level_not_eligible"])


@pytest.mark.parametrize("aid", ["grant", "cooperation", "pegasus", "apprentice"])
@pytest.mark.parametrize("country", ["FR", *OVERSEAS])
def test_destination_not_abroad(aid, country, horizons_tl):
    verdict = evaluate(with_mobility(ALL_AIDS[aid](), country=country), horizons_tl)
    assert_ineligible(verdict, ["destination_not_abroad"])
    assert verdict.reasons[0].article == "Art. 1"


@pytest.mark.parametrize("country", ["DE", "ES", "US", "SN", "CH", "MC", "AD", "BE"])
def test_foreign_country_is_abroad(country, horizons_tl):
    verdict = evaluate(with_mobility(grant(), country=country), horizons_tl)
    assert verdict.eligible and verdict.amount == Decimal("1120.00")


@pytest.mark.parametrize("aid", ALL_AIDS)
def test_mobility_not_in_curriculum(aid, horizons_tl):
    verdict = evaluate(with_mobility(ALL_AIDS[aid](), in_curriculum=False), horizons_tl)
    assert_ineligible(verdict, ["mobility_not_in_curriculum"])


@pytest.mark.parametrize("aid", ALL_AIDS)
@pytest.mark.parametrize(
    "submitted, codes",
    [
        pytest.param("2025-08-31", [], id="day-before-start-ok"),
        pytest.param("2025-09-01", ["submitted_after_mobility_start"], id="on-start-day-late"),
        pytest.param("2025-09-02", ["submitted_after_mobility_start"], id="after-start"),
    ],
)
def test_submitted_before_start(aid, submitted, codes, horizons_tl):
    facts = ALL_AIDS[aid]()
    assert facts.mobility.start_date == D("2025-09-01")
    verdict = evaluate(replace(facts, submitted_on=D(submitted)), horizons_tl)
    assert verdict.reason_codes == codes
    assert verdict.eligible is (codes == [])


@pytest.mark.parametrize(
    "start, deadline",
    [
        pytest.param("2025-09-01", "2026-06-30", id="september-N-deadline-june-N+1"),
        pytest.param("2025-12-15", "2026-06-30", id="december-N"),
        pytest.param("2026-03-02", "2026-06-30", id="march-N-deadline-june-N"),
        pytest.param("2026-06-30", "2026-06-30", id="30-june"),
        pytest.param("2026-07-01", "2026-06-30", id="1-july-same-academic-year"),
        pytest.param("2026-08-31", "2026-06-30", id="31-august"),
        pytest.param("2026-09-01", "2027-06-30", id="1-september-next-year"),
        pytest.param("2024-02-29", "2024-06-30", id="leap-day"),
    ],
)
def test_submission_deadline_date(start, deadline, horizons_tl):
    assert submission_deadline(D(start), horizons_tl.at(D(start))) == D(deadline)


def _grant_from(start: str, submitted: str):
    s = D(start)
    facts = with_mobility(grant(), start_date=s, end_date=s + timedelta(days=16 * 7 - 1))
    return replace(facts, submitted_on=D(submitted))


@pytest.mark.parametrize(
    "start, submitted, codes",
    [
        # Mobility starting in July/August of year N: the academic year ends 31 August N and
        # its deadline is 30 June N, before the start: the deadline can be missed alone.
        pytest.param("2026-07-13", "2026-06-30", [], id="july-start-submitted-30-june-ok"),
        pytest.param(
            "2026-07-13",
            "2026-07-01",
            ["submission_deadline_passed"],
            id="july-start-submitted-1-july",
        ),
        pytest.param(
            "2026-08-31",
            "2026-07-01",
            ["submission_deadline_passed"],
            id="start-31-aug-submitted-1-july",
        ),
        pytest.param("2026-09-01", "2026-07-01", [], id="start-1-sept-submitted-1-july-ok"),
        pytest.param(
            "2026-09-01",
            "2027-06-30",
            ["submitted_after_mobility_start"],
            id="sept-N-deadline-is-30-june-N+1",
        ),
        pytest.param(
            "2026-09-01",
            "2027-07-01",
            ["submitted_after_mobility_start", "submission_deadline_passed"],
            id="sept-N-submitted-1-july-N+1",
        ),
        pytest.param(
            "2026-03-02",
            "2026-06-30",
            ["submitted_after_mobility_start"],
            id="march-N-submitted-30-june-N",
        ),
        pytest.param(
            "2026-03-02",
            "2026-07-01",
            ["submitted_after_mobility_start", "submission_deadline_passed"],
            id="march-N-submitted-1-july-N",
        ),
    ],
)
def test_submission_deadline_rule(start, submitted, codes, horizons_tl):
    verdict = evaluate(_grant_from(start, submitted), horizons_tl)
    assert verdict.reason_codes == sorted(codes)
    deadline_reasons = [r for r in verdict.reasons if r.code == "submission_deadline_passed"]
    for reason in deadline_reasons:
        assert reason.article == "Art. 5"
        expected = submission_deadline(D(start), horizons_tl.at(D(start)))
        assert f"{expected:%d/%m/%Y}" in reason.message


def test_several_failing_rules_reported_together(horizons_tl):
    facts = grant()
    facts = with_student(facts, establishment_in_region=False, recognised_diploma=False, level="L1")
    facts = with_mobility(facts, country="FR", in_curriculum=False)
    facts = replace(facts, submitted_on=D("2026-07-01"))
    verdict = evaluate(facts, horizons_tl)
    assert_ineligible(verdict, list(ARTICLE))
    assert {r.code: r.article for r in verdict.reasons} == ARTICLE


@pytest.mark.parametrize("aid", list(CHEQUE_BUILDERS))
def test_general_and_cheque_rules_reported_together(aid, horizons_tl):
    facts = with_student(
        CHEQUE_BUILDERS[aid](), scholarship_holder=True, establishment_in_region=False
    )
    verdict = evaluate(with_mobility(facts, country="FR"), horizons_tl)
    expected = [
        "cheque_requires_non_scholarship_holder",
        "destination_not_abroad",
        "establishment_not_in_region",
    ]
    assert_ineligible(verdict, expected)


def test_end_after_helper_sanity():
    assert end_after(D("2025-09-01"), 16) == D("2025-12-19")
