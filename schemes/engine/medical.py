"""The two departmental aids to medical students: Haute-Garonne and Aude.

Both pay flat monthly indemnities per whole calendar month of internship, capped at 6 months, for
internships in communes that the ARS Occitanie classes as under-served (ZIP or ZAC) on the
internship's start date. The texts have no numbered articles; lines cite the deliberation.
"""

from __future__ import annotations

from decimal import Decimal

from ..facts import AudeFacts, HauteGaronneFacts, Zone
from .durations import whole_months
from .money import ZERO, eur, money
from .parameters import AU_ACT, HG_ACT, ParameterSnapshot
from .results import Line, Reasons, Verdict

GENERAL_MEDICINE = "general_medicine"
UNDERSERVED_ZONES = ("zip", "zac")
# The department each scheme serves, by the first two characters of a commune's INSEE code.
HAUTE_GARONNE_INSEE_PREFIX = "31"
AUDE_INSEE_PREFIX = "11"


def _zone_rules(zone: Zone | None, article: str, reasons: Reasons) -> None:
    """The zone category is the one in force on the start date ("appréciée à la date de
    l'installation"); the selector has resolved it, None meaning the commune is not in the table."""
    if zone is None:
        reasons.fail("zone_unknown", article)
    else:
        reasons.check(zone in UNDERSERVED_ZONES, "zone_not_underserved", article)


def _duration_rule(months: int, article: str, reasons: Reasons) -> None:
    reasons.check(
        months >= 1, "duration_too_short", article,
        "Le stage doit durer au moins un mois entier (du jour de début au jour précédant la même "
        "date le mois suivant).",
    )


def _monthly_line(article: str, label: str, months: int, rate: Decimal, total_months: int) -> Line:
    text = f"{label} : {months} mois entier(s) × {eur(rate)}"
    if total_months > months:
        text += f" ({total_months} mois de stage, au plus {months} pris en charge)"
    return Line(article, text, money(rate * months))


def evaluate_haute_garonne(facts: HauteGaronneFacts, p: ParameterSnapshot) -> Verdict:
    reasons = Reasons()
    reasons.check(
        facts.cycle == p["required_cycle"] and facts.specialty == GENERAL_MEDICINE,
        "not_general_medicine_intern", HG_ACT,
    )
    reasons.check(facts.scholarship_holder or facts.social_precarity, "resource_condition_not_met", HG_ACT)
    reasons.check(
        facts.commune_insee.startswith(HAUTE_GARONNE_INSEE_PREFIX), "internship_outside_department", HG_ACT,
        "Le stage doit se dérouler dans une commune de la Haute-Garonne.",
    )
    _zone_rules(facts.zone, HG_ACT, reasons)
    months = whole_months(facts.start_date, facts.end_date)
    _duration_rule(months, HG_ACT, reasons)
    if reasons:
        return Verdict("haute-garonne", False, ZERO, reasons.frozen(), (), parameters=p.used())

    # "Le montant des indemnités de déplacement et de logement est fixé pour chacune à 200 euros
    # par mois [...] Cette aide ne peut excéder 6 mois par stage."
    paid = min(months, p["max_months"])
    rates = {
        "travel": ("Indemnité de déplacement", p["monthly_travel"]),
        "housing": ("Indemnité de logement", p["monthly_housing"]),
    }
    lines = tuple(
        _monthly_line(HG_ACT, rates[kind][0], paid, rates[kind][1], months)
        for kind in ("travel", "housing")
        if kind in facts.indemnities
    )
    amount = sum((line.amount for line in lines), ZERO)
    return Verdict("haute-garonne", True, amount, (), lines, parameters=p.used())


def evaluate_aude(facts: AudeFacts, p: ParameterSnapshot) -> Verdict:
    reasons = Reasons()
    reasons.check(facts.cycle == p["required_cycle"], "not_second_cycle_student", AU_ACT)
    reasons.check(facts.passed_first_year_exam, "first_year_exam_not_passed", AU_ACT)
    reasons.check(facts.faculty in p["eligible_faculties"], "faculty_not_eligible", AU_ACT)
    reasons.check(facts.specialty == GENERAL_MEDICINE, "not_general_medicine_internship", AU_ACT)
    reasons.check(
        facts.supervisor_commune_insee.startswith(AUDE_INSEE_PREFIX), "internship_outside_department", AU_ACT,
        "Le médecin généraliste maître de stage doit être installé dans une commune de l'Aude.",
    )
    _zone_rules(facts.zone, AU_ACT, reasons)
    months = whole_months(facts.start_date, facts.end_date)
    _duration_rule(months, AU_ACT, reasons)
    if reasons:
        return Verdict("aude", False, ZERO, reasons.frozen(), (), parameters=p.used())

    # 200 EUR a month towards rent, 400 EUR a month for travel, 6 months at most (3,600 EUR a
    # year); paid in one payment during the last month of the internship (payments app).
    paid = min(months, p["max_months"])
    lines = (
        _monthly_line(AU_ACT, "Aide au loyer", paid, p["monthly_rent"], months),
        _monthly_line(AU_ACT, "Aide aux déplacements", paid, p["monthly_travel"], months),
    )
    amount = sum((line.amount for line in lines), ZERO)
    return Verdict("aude", True, amount, (), lines, parameters=p.used())
