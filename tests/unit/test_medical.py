"""Haute-Garonne (Aide Jeune Médecin) and Aude (2nd-cycle medical students)."""

from datetime import date
from decimal import Decimal

import pytest

from schemes.engine import evaluate
from schemes.engine.parameters import AU_ACT, HG_ACT
from tests.unit.builders import aude, haute_garonne

D = date.fromisoformat
M = Decimal


def check(verdict, codes, amount=None, article=None):
    assert verdict.reason_codes == sorted(codes)
    assert verdict.eligible is (not codes)
    assert verdict.aid is None and verdict.weeks is None and verdict.settlement is None
    assert set(verdict.as_contract()) == {"scheme", "eligible", "amount", "reasons", "explanation"}
    if codes:
        assert verdict.amount == M("0.00")
        assert verdict.explanation == ()
        assert {r.article for r in verdict.reasons} == {article}
    else:
        assert verdict.amount == M(amount)
        assert sum(line.amount for line in verdict.explanation) == verdict.amount


# --- Haute-Garonne -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "change, codes",
    [
        pytest.param({}, [], id="baseline"),
        pytest.param(dict(cycle=2), ["not_general_medicine_intern"], id="cycle-2"),
        pytest.param(dict(cycle=1), ["not_general_medicine_intern"], id="cycle-1"),
        pytest.param(
            dict(specialty="psychiatry"), ["not_general_medicine_intern"], id="other-specialty"
        ),
        pytest.param(
            dict(cycle=2, specialty="pediatrics"), ["not_general_medicine_intern"], id="both-once"
        ),
        pytest.param(
            dict(scholarship_holder=False), ["resource_condition_not_met"], id="neither-resource"
        ),
        pytest.param(
            dict(scholarship_holder=False, social_precarity=True), [], id="precarity-only-ok"
        ),
        pytest.param(dict(social_precarity=True), [], id="both-resource-ok"),
        pytest.param(
            dict(commune_insee="11069"), ["internship_outside_department"], id="aude-commune"
        ),
        pytest.param(
            dict(commune_insee="13055"), ["internship_outside_department"], id="marseille"
        ),
        pytest.param(dict(commune_insee="2A004"), ["internship_outside_department"], id="corsica"),
        pytest.param(
            dict(commune_insee="03100"), ["internship_outside_department"], id="31-not-prefix"
        ),
        pytest.param(dict(commune_insee="31555"), [], id="toulouse"),
        pytest.param(dict(zone="zac"), [], id="zac-ok"),
        pytest.param(dict(zone="none"), ["zone_not_underserved"], id="zone-none"),
        pytest.param(dict(zone=None), ["zone_unknown"], id="zone-unknown"),
        pytest.param(
            dict(end_date=D("2025-12-01")), ["duration_too_short"], id="one-month-minus-one-day"
        ),
        pytest.param(dict(end_date=D("2025-11-03")), ["duration_too_short"], id="same-day"),
        pytest.param(
            dict(
                cycle=2,
                scholarship_holder=False,
                commune_insee="11069",
                zone=None,
                end_date=D("2025-11-20"),
            ),
            [
                "not_general_medicine_intern",
                "resource_condition_not_met",
                "internship_outside_department",
                "zone_unknown",
                "duration_too_short",
            ],
            id="all-together",
        ),
    ],
)
def test_haute_garonne_rules(change, codes, hg_tl):
    check(evaluate(haute_garonne(**change), hg_tl), codes, "2400.00", HG_ACT)


@pytest.mark.parametrize(
    "end, indemnities, amount, months_paid",
    [
        pytest.param("2025-12-02", ("travel", "housing"), "400.00", 1, id="1-month-both"),
        pytest.param("2026-01-02", ("travel", "housing"), "800.00", 2, id="2-months-both"),
        pytest.param("2026-05-02", ("travel", "housing"), "2400.00", 6, id="6-months-both"),
        pytest.param("2026-05-01", ("travel", "housing"), "2000.00", 5, id="6-months-minus-a-day"),
        pytest.param("2026-06-02", ("travel", "housing"), "2400.00", 6, id="7-months-capped"),
        pytest.param("2026-11-02", ("travel", "housing"), "2400.00", 6, id="12-months-capped"),
        pytest.param("2025-12-02", ("travel",), "200.00", 1, id="travel-only-1-month"),
        pytest.param("2026-05-02", ("travel",), "1200.00", 6, id="travel-only-6-months"),
        pytest.param("2026-06-02", ("housing",), "1200.00", 6, id="housing-only-7-capped"),
        pytest.param("2026-02-15", ("housing",), "600.00", 3, id="housing-only-3-months-and-days"),
    ],
)
def test_haute_garonne_amounts(end, indemnities, amount, months_paid, hg_tl):
    verdict = evaluate(haute_garonne(end_date=D(end), indemnities=indemnities), hg_tl)
    check(verdict, [], amount)
    assert len(verdict.explanation) == len(indemnities)
    for line in verdict.explanation:
        assert line.article == HG_ACT
        assert line.amount == M("200.00") * months_paid


# --- Aude ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "change, codes",
    [
        pytest.param({}, [], id="baseline-montpellier"),
        pytest.param(dict(faculty="toulouse"), [], id="toulouse-ok"),
        pytest.param(dict(faculty="bordeaux"), ["faculty_not_eligible"], id="bordeaux"),
        pytest.param(dict(faculty="paris"), ["faculty_not_eligible"], id="paris"),
        pytest.param(dict(cycle=1), ["not_second_cycle_student"], id="cycle-1"),
        pytest.param(dict(cycle=3), ["not_second_cycle_student"], id="cycle-3"),
        pytest.param(dict(passed_first_year_exam=False), ["first_year_exam_not_passed"], id="exam"),
        pytest.param(
            dict(specialty="pediatrics"), ["not_general_medicine_internship"], id="specialty"
        ),
        pytest.param(
            dict(supervisor_commune_insee="31069"),
            ["internship_outside_department"],
            id="hg-commune",
        ),
        pytest.param(
            dict(supervisor_commune_insee="01100"),
            ["internship_outside_department"],
            id="11-not-prefix",
        ),
        pytest.param(dict(supervisor_commune_insee="11262"), [], id="narbonne"),
        pytest.param(dict(zone="zip"), [], id="zip-ok"),
        pytest.param(dict(zone="none"), ["zone_not_underserved"], id="zone-none"),
        pytest.param(dict(zone=None), ["zone_unknown"], id="zone-unknown"),
        pytest.param(
            dict(end_date=D("2026-02-03")), ["duration_too_short"], id="one-month-minus-one-day"
        ),
        pytest.param(
            dict(
                cycle=3,
                passed_first_year_exam=False,
                faculty="lyon",
                specialty="surgery",
                supervisor_commune_insee="34172",
                zone="none",
                end_date=D("2026-01-05"),
            ),
            [
                "not_second_cycle_student",
                "first_year_exam_not_passed",
                "faculty_not_eligible",
                "not_general_medicine_internship",
                "internship_outside_department",
                "zone_not_underserved",
                "duration_too_short",
            ],
            id="all-together",
        ),
    ],
)
def test_aude_rules(change, codes, aude_tl):
    check(evaluate(aude(**change), aude_tl), codes, "1800.00", AU_ACT)


@pytest.mark.parametrize(
    "end, amount, months_paid",
    [
        pytest.param("2026-02-04", "600.00", 1, id="exactly-1-month"),
        pytest.param("2026-04-04", "1800.00", 3, id="3-months"),
        pytest.param("2026-07-04", "3600.00", 6, id="6-months"),
        pytest.param("2026-09-04", "3600.00", 6, id="8-months-capped"),
        pytest.param("2026-07-03", "3000.00", 5, id="6-months-minus-a-day"),
    ],
)
def test_aude_amounts(end, amount, months_paid, aude_tl):
    verdict = evaluate(aude(end_date=D(end)), aude_tl)
    check(verdict, [], amount)
    assert [(line.article, line.amount) for line in verdict.explanation] == [
        (AU_ACT, M("200.00") * months_paid),
        (AU_ACT, M("400.00") * months_paid),
    ]
