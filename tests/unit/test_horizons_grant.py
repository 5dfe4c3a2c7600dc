"""Horizons bourse d'études et de stage (Art. 2, 4, 6)."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from schemes.engine import evaluate
from tests.unit.builders import grant, prior, with_mobility, with_other_aid, with_student

D = date.fromisoformat
RATE = Decimal("70.00")

STUDY_BANDS = [
    ("L3", 12, 36),
    ("M1", 12, 36),
    ("M2", 12, 36),
    ("DUETE", 12, 36),
    ("HEALTH_SOCIAL", 12, 36),
]
INTERNSHIP_BANDS = [
    ("L3", 12, 24),
    ("M1", 12, 24),
    ("M2", 12, 24),
    ("DUETE", 12, 24),
    ("BTS", 6, 12),
    ("DUT", 6, 12),
    ("HEALTH_SOCIAL", 6, 12),
]
BANDS = [("study", *b) for b in STUDY_BANDS] + [("internship", *b) for b in INTERNSHIP_BANDS]
BAND_IDS = [f"{kind}-{level}-{lo}-{hi}" for kind, level, lo, hi in BANDS]


def eligible(verdict, weeks):
    assert verdict.reason_codes == []
    assert verdict.eligible is True
    assert verdict.weeks == weeks
    assert verdict.amount == RATE * weeks
    assert [line.article for line in verdict.explanation] == ["Art. 6"]
    assert verdict.explanation[0].amount == verdict.amount


def ineligible(verdict, codes):
    assert verdict.reason_codes == sorted(codes)
    assert verdict.eligible is False
    assert verdict.amount == Decimal("0.00")


def test_contract_example(horizons_tl):
    verdict = evaluate(grant(), horizons_tl)
    eligible(verdict, 16)
    assert verdict.amount == Decimal("1120.00")
    assert verdict.as_contract()["amount"] == "1120.00"
    assert verdict.as_contract()["weeks"] == 16
    assert verdict.aid == "grant"


def test_not_scholarship_holder(horizons_tl):
    verdict = evaluate(with_student(grant(), scholarship_holder=False), horizons_tl)
    ineligible(verdict, ["not_scholarship_holder"])


@pytest.mark.parametrize("kind, level, low, high", BANDS, ids=BAND_IDS)
def test_band_exact_minimum_is_funded(kind, level, low, high, horizons_tl):
    eligible(evaluate(grant(level, kind, weeks=low), horizons_tl), low)


@pytest.mark.parametrize("kind, level, low, high", BANDS, ids=BAND_IDS)
def test_band_one_week_below_minimum_is_too_short(kind, level, low, high, horizons_tl):
    # low - 1 full weeks and a residue of 4 working days: still one week short.
    verdict = evaluate(grant(level, kind, weeks=low - 1, residue=4), horizons_tl)
    ineligible(verdict, ["duration_too_short"])
    assert verdict.reasons[0].article == "Art. 2"


@pytest.mark.parametrize("kind, level, low, high", BANDS, ids=BAND_IDS)
def test_band_maximum_and_beyond(kind, level, low, high, horizons_tl):
    eligible(evaluate(grant(level, kind, weeks=high), horizons_tl), high)
    eligible(evaluate(grant(level, kind, weeks=high + 3, residue=2), horizons_tl), high)


@pytest.mark.parametrize("kind, level, low, high", BANDS, ids=BAND_IDS)
def test_band_between_bounds_pays_every_full_week(kind, level, low, high, horizons_tl):
    weeks = (low + high) // 2
    eligible(evaluate(grant(level, kind, weeks=weeks, residue=4), horizons_tl), weeks)


@pytest.mark.parametrize("level", ["BTS", "DUT"])
def test_bts_dut_have_no_study_band(level, horizons_tl):
    verdict = evaluate(grant(level, "study", weeks=16), horizons_tl)
    ineligible(verdict, ["level_not_eligible"])
    assert verdict.weeks in (0, None)


@pytest.mark.parametrize(
    "kind, weeks, priors, funded, codes",
    [
        pytest.param(
            "study", 16, [prior("grant", "study", 24)], 12, [], id="prior-24-plus-16-funds-12"
        ),
        pytest.param(
            "study",
            16,
            [prior("grant", "study", 36)],
            None,
            ["annual_weeks_cap_reached"],
            id="prior-36",
        ),
        pytest.param(
            "study",
            16,
            [prior("grant", "study", 40)],
            None,
            ["annual_weeks_cap_reached"],
            id="prior-40",
        ),
        pytest.param(
            "study", 12, [prior("grant", "study", 30)], 6, [], id="prior-30-plus-12-funds-6"
        ),
        pytest.param("study", 16, [prior("grant", "study", 20)], 16, [], id="prior-20-plus-16-all"),
        pytest.param(
            "study",
            36,
            [prior("grant", "internship", 12)],
            24,
            [],
            id="prior-internship-12-study-36",
        ),
        pytest.param(
            "study",
            16,
            [prior("grant", "study", 12), prior("grant", "study", 12)],
            12,
            [],
            id="two-priors-summed",
        ),
        pytest.param("study", 16, [prior("grant", "study", 35)], 1, [], id="prior-35-funds-1"),
        pytest.param(
            "internship",
            12,
            [prior("grant", "study", 30)],
            6,
            [],
            id="internship-after-study-capped",
        ),
    ],
)
def test_annual_weeks_cap(kind, weeks, priors, funded, codes, horizons_tl):
    level = "M1"
    facts = replace(grant(level, kind, weeks=weeks), prior_awards=tuple(priors))
    verdict = evaluate(facts, horizons_tl)
    if codes:
        ineligible(verdict, codes)
    else:
        eligible(verdict, funded)
        assert verdict.amount == RATE * funded


@pytest.mark.parametrize(
    "start, gratification, codes",
    [
        pytest.param("2017-06-01", "554.40", [], id="2017-equal-554.40-ok"),
        pytest.param(
            "2017-06-01", "554.41", ["internship_gratification_too_high"], id="2017-one-cent-above"
        ),
        pytest.param("2018-01-01", "577.50", [], id="2018-577.50-ok"),
        pytest.param(
            "2018-01-01", "577.51", ["internship_gratification_too_high"], id="2018-one-cent-above"
        ),
        pytest.param("2025-03-03", "669.90", [], id="2025-equal-669.90-ok"),
        pytest.param(
            "2025-03-03", "669.91", ["internship_gratification_too_high"], id="2025-one-cent-above"
        ),
        pytest.param(
            "2025-12-31",
            "693.00",
            ["internship_gratification_too_high"],
            id="2025-12-31-still-669.90",
        ),
        pytest.param("2026-01-01", "693.00", [], id="2026-01-01-693.00-ok"),
        pytest.param(
            "2026-01-01", "693.01", ["internship_gratification_too_high"], id="2026-one-cent-above"
        ),
        pytest.param("2025-03-03", "0", [], id="unpaid-internship"),
    ],
)
def test_gratification_threshold_in_force_on_start_date(start, gratification, codes, horizons_tl):
    s = D(start)
    facts = grant("L3", "internship", weeks=12)
    facts = with_mobility(
        facts,
        start_date=s,
        end_date=s + timedelta(days=12 * 7 - 1),
        monthly_gratification=Decimal(gratification),
    )
    facts = replace(facts, submitted_on=s - timedelta(days=30))
    verdict = evaluate(facts, horizons_tl)
    if codes:
        ineligible(verdict, codes)
        assert verdict.reasons[0].article == "Art. 2"
    else:
        eligible(verdict, 12)


def test_gratification_not_read_for_a_study_grant(horizons_tl):
    facts = with_mobility(grant(), monthly_gratification=Decimal("5000"))
    eligible(evaluate(facts, horizons_tl), 16)


@pytest.mark.parametrize(
    "kind, priors, codes",
    [
        pytest.param(
            "internship",
            [prior("grant", "internship", 12)],
            ["one_internship_grant_per_year"],
            id="second-internship-grant",
        ),
        pytest.param(
            "internship", [prior("grant", "study", 12)], [], id="internship-after-study-grant-ok"
        ),
        pytest.param(
            "study", [prior("grant", "internship", 12)], [], id="study-after-internship-grant-ok"
        ),
        pytest.param(
            "internship",
            [prior("grant", "internship", 0)],
            ["one_internship_grant_per_year"],
            id="second-internship-grant-0-weeks",
        ),
    ],
)
def test_one_internship_grant_per_year(kind, priors, codes, horizons_tl):
    facts = replace(grant("L3", kind, weeks=12), prior_awards=tuple(priors))
    verdict = evaluate(facts, horizons_tl)
    if codes:
        ineligible(verdict, codes)
        assert verdict.reasons[0].article == "Art. 4"
    else:
        eligible(verdict, 12)


@pytest.mark.parametrize(
    "other, priors, codes",
    [
        pytest.param(dict(erasmus=True), [], ["not_cumulable_with_erasmus"], id="erasmus"),
        pytest.param(
            dict(other_collectivity_grant=True),
            [],
            ["not_cumulable_with_other_collectivity"],
            id="other-collectivity",
        ),
        pytest.param(dict(crous_mobility_aid=True), [], [], id="crous-allowed"),
        pytest.param(
            {},
            [prior("cooperation", "internship")],
            ["not_cumulable_with_cheque"],
            id="prior-cooperation",
        ),
        pytest.param(
            {}, [prior("pegasus", "study")], ["not_cumulable_with_cheque"], id="prior-pegasus"
        ),
        pytest.param(
            {}, [prior("eurocampus", "study")], ["not_cumulable_with_cheque"], id="prior-eurocampus"
        ),
        pytest.param(
            dict(erasmus=True, other_collectivity_grant=True, crous_mobility_aid=True),
            [prior("apprentice", "internship")],
            [
                "not_cumulable_with_cheque",
                "not_cumulable_with_erasmus",
                "not_cumulable_with_other_collectivity",
            ],
            id="all-three-together",
        ),
    ],
)
def test_cumulation(other, priors, codes, horizons_tl):
    facts = replace(with_other_aid(grant(), **other), prior_awards=tuple(priors))
    verdict = evaluate(facts, horizons_tl)
    if codes:
        ineligible(verdict, codes)
        assert {r.article for r in verdict.reasons} == {"Art. 4"}
    else:
        eligible(verdict, 16)


@pytest.mark.parametrize("weeks", [12, 13, 16, 24, 36])
def test_amount_is_70_per_funded_week(weeks, horizons_tl):
    verdict = evaluate(grant(weeks=weeks, residue=3), horizons_tl)
    eligible(verdict, weeks)
    assert verdict.amount == Decimal(70 * weeks).quantize(Decimal("0.01"))


def test_several_grant_rules_reported_together(horizons_tl):
    facts = replace(
        grant("BTS", "internship", weeks=5, residue=4),
        prior_awards=(prior("grant", "internship", 36), prior("humanitarian", "internship")),
    )
    facts = with_student(facts, scholarship_holder=False)
    facts = with_mobility(facts, monthly_gratification=Decimal("700"))
    facts = with_other_aid(facts, erasmus=True, other_collectivity_grant=True)
    verdict = evaluate(facts, horizons_tl)
    ineligible(
        verdict,
        [
            "annual_weeks_cap_reached",
            "duration_too_short",
            "internship_gratification_too_high",
            "not_cumulable_with_cheque",
            "not_cumulable_with_erasmus",
            "not_cumulable_with_other_collectivity",
            "not_scholarship_holder",
            "one_internship_grant_per_year",
        ],
    )


def test_residue_days_mentioned_but_unpaid(horizons_tl):
    # Public case: L3 internship 2026-01-05..2026-04-08 is 13 full weeks and 3 days: 910.00.
    facts = with_mobility(
        grant("L3", "internship"), start_date=D("2026-01-05"), end_date=D("2026-04-08")
    )
    verdict = evaluate(facts, horizons_tl)
    eligible(verdict, 13)
    assert verdict.amount == Decimal("910.00")
