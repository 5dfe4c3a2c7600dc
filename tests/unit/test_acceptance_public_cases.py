"""Every public acceptance case, computed directly through the engine (no CLI, no HTTP).

The facts are built here from the case's JSON, the way a selector would, with the reference
tables replaced by the booleans the case gives (partner_region, oda_country; absent = False).
"""

import json
from datetime import date
from decimal import Decimal

import pytest

from schemes.engine import evaluate
from schemes.facts import (
    AudeFacts,
    HauteGaronneFacts,
    HorizonsFacts,
    HorizonsStudent,
    Mobility,
    OtherAid,
    PriorAward,
)
from tests.unit.builders import ACCEPTANCE_JSON

# Haute-Garonne and Aude read no rule from the submission date: any fixed day will do.
FIXED_TODAY = date(2025, 10, 1)


def _cases():
    if not ACCEPTANCE_JSON.exists():
        return [
            pytest.param(
                None, marks=pytest.mark.skip(reason=f"{ACCEPTANCE_JSON} is absent"), id="absent"
            )
        ]
    cases = json.loads(ACCEPTANCE_JSON.read_text(encoding="utf-8"))
    return [pytest.param(case, id=case["name"].replace(" ", "-")) for case in cases]


def _date(value):
    return date.fromisoformat(value) if value is not None else None


def _money(value, default="0"):
    return Decimal(str(value)) if value is not None else Decimal(default)


def build_facts(data: dict):
    scheme = data["scheme"]
    submitted = _date(data.get("submitted_on")) or FIXED_TODAY
    if scheme == "horizons":
        s, m, o = data["student"], data["mobility"], data.get("other_aid", {})
        return HorizonsFacts(
            aid=data["aid"],
            submitted_on=submitted,
            student=HorizonsStudent(
                level=s["level"],
                establishment_in_region=s["establishment_in_region"],
                recognised_diploma=s["recognised_diploma"],
                scholarship_holder=s["scholarship_holder"],
                apprentice=s.get("apprentice", False),
            ),
            mobility=Mobility(
                kind=m["kind"],
                start_date=_date(m["start_date"]),
                end_date=_date(m["end_date"]),
                actual_end_date=_date(m.get("actual_end_date")),
                country=m["country"],
                subdivision=m.get("subdivision"),
                in_curriculum=m["in_curriculum"],
                monthly_gratification=_money(m.get("monthly_gratification")),
                partner_region=bool(m.get("partner_region", False)),
                oda_country=bool(m.get("oda_country", False)),
                ects_credits=_money(m["ects_credits"])
                if m.get("ects_credits") is not None
                else None,
                host_independent=m.get("host_independent", False),
                pegasus_host=m.get("pegasus_host", False),
                pegasus_award=m.get("pegasus_award", False),
                humanitarian=m.get("humanitarian", False),
                employer_contribution=_money(m.get("employer_contribution")),
            ),
            other_aid=OtherAid(**o),
            prior_awards=tuple(
                PriorAward(aid=a["aid"], kind=a["kind"], weeks=a.get("weeks", 0))
                for a in data.get("prior_awards", [])
            ),
        )
    if scheme == "haute-garonne":
        s, i = data["student"], data["internship"]
        return HauteGaronneFacts(
            submitted_on=submitted,
            cycle=s["cycle"],
            specialty=s["specialty"],
            scholarship_holder=s["scholarship_holder"],
            social_precarity=s["social_precarity"],
            start_date=_date(i["start_date"]),
            end_date=_date(i["end_date"]),
            commune_insee=i["commune_insee"],
            zone=i.get("zone"),
            indemnities=tuple(data.get("indemnities", ("travel", "housing"))),
        )
    if scheme == "aude":
        s, i = data["student"], data["internship"]
        return AudeFacts(
            submitted_on=submitted,
            cycle=s["cycle"],
            faculty=s["faculty"],
            passed_first_year_exam=s.get("passed_first_year_exam", True),
            start_date=_date(i["start_date"]),
            end_date=_date(i["end_date"]),
            specialty=i["specialty"],
            supervisor_commune_insee=i["supervisor_commune_insee"],
            zone=i.get("zone"),
        )
    raise AssertionError(f"unknown scheme {scheme}")


@pytest.mark.parametrize("case", _cases())
def test_public_case(case, horizons_tl, hg_tl, aude_tl):
    timelines = {"horizons": horizons_tl, "haute-garonne": hg_tl, "aude": aude_tl}
    data, expected = case["input"], case["expected"]
    verdict = evaluate(build_facts(data), timelines[data["scheme"]])
    result = verdict.as_contract()

    assert result["scheme"] == data["scheme"]
    assert result["eligible"] is expected["eligible"]
    assert result["amount"] == expected["amount"]
    assert sorted(r["code"] for r in result["reasons"]) == sorted(expected["reason_codes"])
    if "weeks" in expected:
        assert result["weeks"] == expected["weeks"]
    if "settlement" in expected:
        assert result["settlement"] == expected["settlement"]
    if data["scheme"] == "horizons":
        assert result["aid"] == data["aid"]
