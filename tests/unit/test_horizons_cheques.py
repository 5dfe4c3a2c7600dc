"""Horizons aides forfaitaires: the five chèques (Art. 1, 3, 4)."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from schemes.engine import evaluate
from tests.unit.builders import (
    CHEQUE_BUILDERS,
    apprentice,
    cooperation,
    end_after,
    eurocampus,
    humanitarian,
    pegasus,
    prior,
    with_mobility,
    with_other_aid,
    with_student,
)

D = date.fromisoformat
CHEQUES = list(CHEQUE_BUILDERS)


def check(verdict, codes, amount=None):
    assert verdict.reason_codes == sorted(codes)
    assert verdict.eligible is (not codes)
    assert verdict.weeks is None  # `weeks` is absent for a chèque
    assert "weeks" not in verdict.as_contract()
    if codes:
        assert verdict.amount == Decimal("0.00")
        assert verdict.explanation == ()
    else:
        assert verdict.amount == Decimal(amount)
        assert [(line.article, line.amount) for line in verdict.explanation] == [
            ("Art. 3", Decimal(amount))
        ]


# --- Common chèque rules -----------------------------------------------------------------------
@pytest.mark.parametrize("aid", CHEQUES)
def test_baseline_600(aid, horizons_tl):
    verdict = evaluate(CHEQUE_BUILDERS[aid](), horizons_tl)
    check(verdict, [], "600.00")
    assert verdict.aid == aid


@pytest.mark.parametrize("aid", CHEQUES)
def test_cheque_requires_non_scholarship_holder(aid, horizons_tl):
    verdict = evaluate(with_student(CHEQUE_BUILDERS[aid](), scholarship_holder=True), horizons_tl)
    check(verdict, ["cheque_requires_non_scholarship_holder"])


@pytest.mark.parametrize("aid", CHEQUES)
@pytest.mark.parametrize("prior_aid", CHEQUES)
def test_one_cheque_per_year(aid, prior_aid, horizons_tl):
    facts = replace(CHEQUE_BUILDERS[aid](), prior_awards=(prior(prior_aid, "internship"),))
    check(evaluate(facts, horizons_tl), ["one_cheque_per_year"])


@pytest.mark.parametrize("aid", CHEQUES)
@pytest.mark.parametrize("kind", ["study", "internship"])
def test_not_cumulable_with_grant(aid, kind, horizons_tl):
    facts = replace(CHEQUE_BUILDERS[aid](), prior_awards=(prior("grant", kind, 12),))
    check(evaluate(facts, horizons_tl), ["not_cumulable_with_grant"])


@pytest.mark.parametrize("aid", ["cooperation", "pegasus", "humanitarian", "apprentice"])
@pytest.mark.parametrize("other", ["erasmus", "other_collectivity_grant", "crous_mobility_aid"])
def test_other_aid_does_not_bar_other_cheques(aid, other, horizons_tl):
    check(
        evaluate(with_other_aid(CHEQUE_BUILDERS[aid](), **{other: True}), horizons_tl), [], "600.00"
    )


@pytest.mark.parametrize("aid", CHEQUES)
def test_state_share_only_for_apprentice(aid, horizons_tl):
    verdict = evaluate(CHEQUE_BUILDERS[aid](), horizons_tl)
    assert verdict.state_share == (Decimal("300.00") if aid == "apprentice" else Decimal("0"))


# --- Coopération décentralisée -----------------------------------------------------------------
@pytest.mark.parametrize(
    "level, weeks, residue, codes, amount",
    [
        *[
            pytest.param(lv, 12, 0, [], "600.00", id=f"{lv}-12-weeks-600")
            for lv in ("L3", "DUETE", "M1", "M2")
        ],
        *[
            pytest.param(lv, 11, 4, ["duration_too_short"], None, id=f"{lv}-11-weeks-too-short")
            for lv in ("L3", "DUETE", "M1", "M2")
        ],
        *[pytest.param(lv, 6, 0, [], "300.00", id=f"{lv}-6-weeks-300") for lv in ("BTS", "DUT")],
        *[pytest.param(lv, 11, 4, [], "300.00", id=f"{lv}-11-weeks-300") for lv in ("BTS", "DUT")],
        *[pytest.param(lv, 12, 0, [], "600.00", id=f"{lv}-12-weeks-600") for lv in ("BTS", "DUT")],
        *[
            pytest.param(lv, 5, 4, ["duration_too_short"], None, id=f"{lv}-5-weeks-too-short")
            for lv in ("BTS", "DUT")
        ],
        pytest.param(
            "HEALTH_SOCIAL", 12, 0, ["level_not_eligible"], None, id="HEALTH_SOCIAL-not-eligible"
        ),
        pytest.param("L2", 12, 0, ["level_not_eligible"], None, id="L2-not-eligible"),
    ],
)
def test_cooperation_levels_and_tiers(level, weeks, residue, codes, amount, horizons_tl):
    facts = cooperation(level, weeks)
    if residue:
        facts = with_mobility(facts, end_date=end_after(facts.mobility.start_date, weeks, residue))
    check(evaluate(facts, horizons_tl), codes, amount)


@pytest.mark.parametrize(
    "change, codes",
    [
        pytest.param(dict(kind="study"), ["cheque_requires_internship"], id="study"),
        pytest.param(
            dict(partner_region=False), ["destination_not_eligible"], id="not-partner-region"
        ),
        pytest.param(
            dict(kind="study", partner_region=False),
            ["cheque_requires_internship", "destination_not_eligible"],
            id="both",
        ),
    ],
)
def test_cooperation_conditions(change, codes, horizons_tl):
    verdict = evaluate(with_mobility(cooperation(), **change), horizons_tl)
    check(verdict, codes)
    assert {r.article for r in verdict.reasons} == {"Art. 3"}


# --- Eurocampus --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "change, codes",
    [
        pytest.param(dict(subdivision="ES-IB"), [], id="balearic-islands-ok"),
        pytest.param(dict(subdivision="ES-MD"), ["destination_not_eligible"], id="madrid"),
        pytest.param(dict(subdivision=None), ["destination_not_eligible"], id="no-subdivision"),
        pytest.param(
            dict(country="FR", subdivision="FR-OCC"),
            ["destination_not_abroad", "destination_not_eligible"],
            id="occitanie",
        ),
        pytest.param(dict(ects_credits=Decimal("0")), ["ects_required"], id="ects-0"),
        pytest.param(dict(ects_credits=None), ["ects_required"], id="ects-none"),
        pytest.param(dict(ects_credits=Decimal("0.5")), ["ects_required"], id="ects-half"),
        pytest.param(dict(ects_credits=Decimal("1")), [], id="ects-1-ok"),
        pytest.param(
            dict(host_independent=False), ["host_not_independent"], id="host-not-independent"
        ),
    ],
)
def test_eurocampus_study_conditions(change, codes, horizons_tl):
    check(evaluate(with_mobility(eurocampus(), **change), horizons_tl), codes, "600.00")


def test_eurocampus_not_with_erasmus(horizons_tl):
    check(
        evaluate(with_other_aid(eurocampus(), erasmus=True), horizons_tl),
        ["not_cumulable_with_erasmus"],
    )


def test_eurocampus_other_aid_allowed(horizons_tl):
    facts = with_other_aid(eurocampus(), other_collectivity_grant=True, crous_mobility_aid=True)
    check(evaluate(facts, horizons_tl), [], "600.00")


@pytest.mark.parametrize(
    "level, weeks, codes, amount",
    [
        pytest.param("M1", 12, [], "600.00", id="M1-12"),
        pytest.param("M2", 12, [], "600.00", id="M2-12"),
        pytest.param("M2", 20, [], "600.00", id="M2-20"),
        pytest.param("M1", 11, ["duration_too_short"], None, id="M1-11-too-short"),
        pytest.param("M2", 6, ["duration_too_short"], None, id="M2-6-too-short-for-study"),
        *[
            pytest.param(lv, 12, ["level_not_eligible"], None, id=f"{lv}-study-not-eligible")
            for lv in ("L3", "DUETE", "BTS", "DUT", "HEALTH_SOCIAL")
        ],
    ],
)
def test_eurocampus_study_levels(level, weeks, codes, amount, horizons_tl):
    check(evaluate(eurocampus(level, "study", weeks), horizons_tl), codes, amount)


@pytest.mark.parametrize(
    "level, weeks, codes, amount",
    [
        *[
            pytest.param(lv, 12, [], "600.00", id=f"{lv}-12-600")
            for lv in ("L3", "DUETE", "M1", "M2")
        ],
        *[
            pytest.param(lv, 11, ["duration_too_short"], None, id=f"{lv}-11-too-short")
            for lv in ("L3", "DUETE", "M1", "M2")
        ],
        *[
            pytest.param(lv, 6, [], "300.00", id=f"{lv}-6-300")
            for lv in ("BTS", "DUT", "HEALTH_SOCIAL")
        ],
        *[
            pytest.param(lv, 11, [], "300.00", id=f"{lv}-11-300")
            for lv in ("BTS", "DUT", "HEALTH_SOCIAL")
        ],
        *[
            pytest.param(lv, 12, [], "600.00", id=f"{lv}-12-600")
            for lv in ("BTS", "DUT", "HEALTH_SOCIAL")
        ],
        *[
            pytest.param(lv, 5, ["duration_too_short"], None, id=f"{lv}-5-too-short")
            for lv in ("BTS", "DUT", "HEALTH_SOCIAL")
        ],
    ],
)
def test_eurocampus_internship_levels_and_tiers(level, weeks, codes, amount, horizons_tl):
    # Study-only conditions (ECTS, independent host) are not read for an internship.
    facts = eurocampus(level, "internship", weeks, ects_credits=None, host_independent=False)
    check(evaluate(facts, horizons_tl), codes, amount)


# --- Pegasus ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "change, end, codes",
    [
        pytest.param({}, "2025-12-31", [], id="exactly-4-months"),
        pytest.param({}, "2025-12-30", ["duration_too_short"], id="4-months-minus-one-day"),
        pytest.param({}, "2026-06-30", [], id="10-months-still-600"),
        pytest.param(
            dict(pegasus_host=False), "2025-12-31", ["pegasus_conditions_not_met"], id="no-host"
        ),
        pytest.param(
            dict(pegasus_award=False), "2025-12-31", ["pegasus_conditions_not_met"], id="no-award"
        ),
        pytest.param(
            dict(pegasus_host=False, pegasus_award=False),
            "2025-12-31",
            ["pegasus_conditions_not_met"],
            id="neither",
        ),
        pytest.param(
            dict(pegasus_award=False),
            "2025-11-30",
            ["duration_too_short", "pegasus_conditions_not_met"],
            id="award-and-short",
        ),
        pytest.param(dict(kind="internship"), "2025-12-31", [], id="internship-ok"),
    ],
)
def test_pegasus(change, end, codes, horizons_tl):
    facts = pegasus(end=D(end), **change)
    check(evaluate(facts, horizons_tl), codes, "600.00")


@pytest.mark.parametrize("level", ["L3", "M1", "M2", "BTS", "DUT", "DUETE", "HEALTH_SOCIAL"])
def test_pegasus_every_eligible_level(level, horizons_tl):
    check(evaluate(pegasus(level), horizons_tl), [], "600.00")


# --- Humanitaire sanitaire et social -------------------------------------------------------------
@pytest.mark.parametrize(
    "level, weeks, change, codes, amount",
    [
        pytest.param("HEALTH_SOCIAL", 6, {}, [], "300.00", id="6-weeks-300"),
        pytest.param("HEALTH_SOCIAL", 11, {}, [], "300.00", id="11-weeks-300"),
        pytest.param("HEALTH_SOCIAL", 12, {}, [], "600.00", id="12-weeks-600"),
        pytest.param("HEALTH_SOCIAL", 5, {}, ["duration_too_short"], None, id="5-weeks-too-short"),
        *[
            pytest.param(lv, 12, {}, ["level_not_eligible"], None, id=f"{lv}-not-eligible")
            for lv in ("L3", "M1", "M2", "BTS", "DUT", "DUETE")
        ],
        pytest.param(
            "HEALTH_SOCIAL",
            12,
            dict(kind="study"),
            ["cheque_requires_internship"],
            None,
            id="study",
        ),
        pytest.param(
            "HEALTH_SOCIAL",
            12,
            dict(humanitarian=False),
            ["not_humanitarian"],
            None,
            id="not-humanitarian",
        ),
        pytest.param(
            "HEALTH_SOCIAL",
            12,
            dict(oda_country=False),
            ["destination_not_eligible"],
            None,
            id="not-oda",
        ),
    ],
)
def test_humanitarian(level, weeks, change, codes, amount, horizons_tl):
    check(evaluate(humanitarian(level, weeks, **change), horizons_tl), codes, amount)


# --- Apprentis -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "level, weeks, change, codes, amount",
    [
        *[
            pytest.param(lv, 6, {}, [], "300.00", id=f"{lv}-6-weeks-300")
            for lv in ("BTS", "DUT", "L3", "M1", "M2")
        ],
        *[
            pytest.param(lv, 12, {}, [], "600.00", id=f"{lv}-12-weeks-600")
            for lv in ("BTS", "DUT", "L3", "M1", "M2")
        ],
        *[
            pytest.param(lv, 12, {}, ["level_not_eligible"], None, id=f"{lv}-not-eligible")
            for lv in ("DUETE", "HEALTH_SOCIAL")
        ],
        pytest.param("BTS", 5, {}, ["duration_too_short"], None, id="5-weeks-too-short"),
        pytest.param(
            "BTS", 12, dict(kind="study"), ["cheque_requires_internship"], None, id="study"
        ),
        pytest.param(
            "BTS",
            6,
            dict(employer_contribution=Decimal("150.00")),
            [],
            "300.00",
            id="half-of-300-ok",
        ),
        pytest.param(
            "BTS",
            6,
            dict(employer_contribution=Decimal("150.01")),
            ["employer_contribution_too_high"],
            None,
            id="150.01-of-300",
        ),
        pytest.param(
            "BTS",
            12,
            dict(employer_contribution=Decimal("300.00")),
            [],
            "600.00",
            id="half-of-600-ok",
        ),
        pytest.param(
            "BTS",
            12,
            dict(employer_contribution=Decimal("300.01")),
            ["employer_contribution_too_high"],
            None,
            id="300.01-of-600",
        ),
        pytest.param(
            "BTS",
            11,
            dict(employer_contribution=Decimal("200.00")),
            ["employer_contribution_too_high"],
            None,
            id="public-case-200-of-300",
        ),
    ],
)
def test_apprentice(level, weeks, change, codes, amount, horizons_tl):
    check(evaluate(apprentice(level, weeks, **change), horizons_tl), codes, amount)


def test_not_apprentice(horizons_tl):
    check(evaluate(with_student(apprentice(), apprentice=False), horizons_tl), ["not_apprentice"])


@pytest.mark.parametrize(
    "weeks, amount, state", [(6, "300.00", "150.00"), (12, "600.00", "300.00")]
)
def test_apprentice_state_share_is_half(weeks, amount, state, horizons_tl):
    verdict = evaluate(apprentice("DUT", weeks), horizons_tl)
    check(verdict, [], amount)
    assert verdict.state_share == Decimal(state)
    assert verdict.state_share * 2 == verdict.amount
