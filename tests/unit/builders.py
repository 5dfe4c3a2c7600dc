"""Pure builders for unit tests: parameter timelines from the JSON fixture, and a valid,
eligible baseline case for every scheme and aid, to be varied one field at a time with
`dataclasses.replace` (or the `horizons(...)` keyword shortcuts below).

No database, no clock: every date is explicit.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from schemes.engine import ParameterTimeline, evaluate
from schemes.facts import (
    AudeFacts,
    HauteGaronneFacts,
    HorizonsFacts,
    HorizonsStudent,
    Mobility,
    OtherAid,
    PriorAward,
)

ROOT = Path(__file__).resolve().parents[2]
PARAMETERS_JSON = ROOT / "schemes" / "fixtures" / "parameters.json"
ACCEPTANCE_JSON = Path("/work/shared/acceptance/public-cases.json")


@lru_cache(maxsize=1)
def parameter_rows() -> tuple[dict, ...]:
    return tuple(json.loads(PARAMETERS_JSON.read_text(encoding="utf-8"))["parameters"])


def timeline(scheme: str, overrides: list[tuple[str, str, object]] = ()) -> ParameterTimeline:
    """The scheme's published timeline, plus extra dated rows (key, "YYYY-MM-DD", value)."""
    rows = [
        (row["key"], date.fromisoformat(row["valid_from"]), row["value"])
        for row in parameter_rows()
        if row["scheme"] == scheme
    ]
    rows += [(key, date.fromisoformat(valid_from), value) for key, valid_from, value in overrides]
    return ParameterTimeline.from_raw(scheme, rows)


# --- Dates -------------------------------------------------------------------------------
MONDAY = date(2025, 9, 1)  # a Monday, first day of academic year 2025-2026
SUBMITTED = date(2025, 6, 1)


def end_after(start: date, weeks: int, residue: int = 0) -> date:
    """End date giving exactly `weeks` full weeks plus `residue` (0-4) working days.

    From a Monday, `weeks` full weeks end on the Friday of the last week; each residue day adds
    the next working day (Monday to Thursday of the following week).
    """
    assert start.weekday() == 0, "end_after() counts from a Monday"
    assert 0 <= residue <= 4
    end = start + timedelta(days=weeks * 7 - 3)
    if residue:
        end = end + timedelta(days=2 + residue)
    return end


def end_after_any_day(start: date, weeks: int) -> date:
    """From any day: `weeks` spans of 7 days hold exactly 5 working days each."""
    return start + timedelta(days=weeks * 7 - 1)


# --- Horizons --------------------------------------------------------------------------------
def student(level: str = "M1", **kw) -> HorizonsStudent:
    base = dict(
        level=level,
        establishment_in_region=True,
        recognised_diploma=True,
        scholarship_holder=False,
        apprentice=False,
    )
    base.update(kw)
    return HorizonsStudent(**base)


def mobility(
    kind: str = "study", weeks: int = 16, residue: int = 0, start: date = MONDAY, **kw
) -> Mobility:
    base = dict(
        kind=kind,
        start_date=start,
        end_date=end_after(start, weeks, residue),
        country="DE",
        in_curriculum=True,
    )
    base.update(kw)
    return Mobility(**base)


def grant(
    level: str = "M1", kind: str = "study", weeks: int = 16, residue: int = 0, **kw
) -> HorizonsFacts:
    """An eligible grant: scholarship holder, M1 study in Germany, 16 full weeks (1 120.00)."""
    return HorizonsFacts(
        aid="grant",
        submitted_on=kw.pop("submitted_on", SUBMITTED),
        student=student(level, scholarship_holder=True),
        mobility=mobility(kind, weeks, residue),
        **kw,
    )


def cooperation(
    level: str = "L3", weeks: int = 12, kind: str = "internship", **mkw
) -> HorizonsFacts:
    """An eligible Coopération chèque: L3 internship in a partner region, 12 weeks (600.00)."""
    return HorizonsFacts(
        aid="cooperation",
        submitted_on=SUBMITTED,
        student=student(level),
        mobility=mobility(kind, weeks, **{"partner_region": True, **mkw}),
    )


def eurocampus(level: str = "M2", kind: str = "study", weeks: int = 12, **mkw) -> HorizonsFacts:
    """An eligible Eurocampus chèque: M2 study in Catalonia, 30 ECTS, independent host (600.00)."""
    base = dict(
        country="ES", subdivision="ES-CT", ects_credits=Decimal("30"), host_independent=True
    )
    base.update(mkw)
    return HorizonsFacts(
        aid="eurocampus",
        submitted_on=SUBMITTED,
        student=student(level),
        mobility=mobility(kind, weeks, **base),
    )


def pegasus(
    level: str = "M1", end: date = date(2025, 12, 31), kind: str = "study", **mkw
) -> HorizonsFacts:
    """An eligible Pegasus chèque: 2025-09-01..2025-12-31 is exactly 4 whole months (600.00)."""
    base = dict(pegasus_host=True, pegasus_award=True)
    base.update(mkw)
    m = replace(mobility(kind, 1, **base), end_date=end)
    return HorizonsFacts(aid="pegasus", submitted_on=SUBMITTED, student=student(level), mobility=m)


def humanitarian(
    level: str = "HEALTH_SOCIAL", weeks: int = 12, kind: str = "internship", **mkw
) -> HorizonsFacts:
    """An eligible Humanitaire chèque: HEALTH_SOCIAL internship in Senegal (ODA), 12 weeks:
    600.00."""
    base = dict(country="SN", humanitarian=True, oda_country=True)
    base.update(mkw)
    return HorizonsFacts(
        aid="humanitarian",
        submitted_on=SUBMITTED,
        student=student(level),
        mobility=mobility(kind, weeks, **base),
    )


def apprentice(
    level: str = "BTS", weeks: int = 12, kind: str = "internship", **mkw
) -> HorizonsFacts:
    """An eligible Apprentis chèque: BTS apprentice, 12-week internship, no employer share:
    600.00."""
    return HorizonsFacts(
        aid="apprentice",
        submitted_on=SUBMITTED,
        student=student(level, apprentice=True),
        mobility=mobility(kind, weeks, **mkw),
    )


CHEQUE_BUILDERS = {
    "cooperation": cooperation,
    "eurocampus": eurocampus,
    "pegasus": pegasus,
    "humanitarian": humanitarian,
    "apprentice": apprentice,
}


def with_student(facts: HorizonsFacts, **kw) -> HorizonsFacts:
    return replace(facts, student=replace(facts.student, **kw))


def with_mobility(facts: HorizonsFacts, **kw) -> HorizonsFacts:
    return replace(facts, mobility=replace(facts.mobility, **kw))


def with_other_aid(facts: HorizonsFacts, **kw) -> HorizonsFacts:
    return replace(facts, other_aid=replace(facts.other_aid, **kw))


def prior(aid: str = "grant", kind: str = "study", weeks: int = 0) -> PriorAward:
    return PriorAward(aid=aid, kind=kind, weeks=weeks)


# --- Haute-Garonne and Aude ------------------------------------------------------------------
def haute_garonne(**kw) -> HauteGaronneFacts:
    """Eligible: 3rd-cycle general-medicine intern, scholarship holder, 6 months in a ZIP of
    Haute-Garonne (2025-11-03..2026-05-02), both indemnities: 2 400.00."""
    base = dict(
        submitted_on=date(2025, 10, 1),
        cycle=3,
        specialty="general_medicine",
        scholarship_holder=True,
        social_precarity=False,
        start_date=date(2025, 11, 3),
        end_date=date(2026, 5, 2),
        commune_insee="31069",
        zone="zip",
    )
    base.update(kw)
    return HauteGaronneFacts(**base)


def aude(**kw) -> AudeFacts:
    """Eligible: 2nd-cycle Montpellier student, general-medicine internship with a GP of the
    Aude in a ZAC, 3 whole months (2026-01-05..2026-04-04): 1 800.00."""
    base = dict(
        submitted_on=date(2025, 12, 1),
        cycle=2,
        faculty="montpellier",
        passed_first_year_exam=True,
        start_date=date(2026, 1, 5),
        end_date=date(2026, 4, 4),
        specialty="general_medicine",
        supervisor_commune_insee="11069",
        zone="zac",
    )
    base.update(kw)
    return AudeFacts(**base)


__all__ = [
    "ACCEPTANCE_JSON",
    "CHEQUE_BUILDERS",
    "MONDAY",
    "OtherAid",
    "SUBMITTED",
    "apprentice",
    "aude",
    "cooperation",
    "end_after",
    "end_after_any_day",
    "eurocampus",
    "evaluate",
    "grant",
    "haute_garonne",
    "humanitarian",
    "mobility",
    "parameter_rows",
    "pegasus",
    "prior",
    "student",
    "timeline",
    "with_mobility",
    "with_other_aid",
    "with_student",
]
