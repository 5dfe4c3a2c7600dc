"""Midi-Pyrénées Horizons: international mobility (règlement applicable from 2015-2016).

Reading of the text fixed by ../shared/contract/simulation.md. Every failing rule is reported
(never just the first); an ineligible answer is worth 0.00. Parameters are read from the
snapshot in force on the mobility's start date.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ..facts import HorizonsFacts
from .durations import (
    WORKING_DAYS_PER_WEEK,
    academic_year_start,
    full_weeks,
    whole_months,
    working_days,
)
from .money import ZERO, eur, money
from .parameters import ParameterSnapshot
from .results import Line, Reasons, Settlement, Verdict

CHEQUE_LABELS = {
    "cooperation": "Chèque Coopération décentralisée",
    "eurocampus": "Chèque Eurocampus",
    "pegasus": "Chèque Pegasus",
    "humanitarian": "Chèque Humanitaire sanitaire et social",
    "apprentice": "Chèque Apprentis",
}
KIND_LABELS = {"study": "séjour d'études", "internship": "stage"}
METROPOLITAN_FRANCE = "FR"


def submission_deadline(start: date, p: ParameterSnapshot) -> date:
    """Art. 5: 30 June closing the academic year (1 Sept - 31 Aug) in which the mobility starts."""
    ay_month, ay_day = p["academic_year_start"]
    month, day = p["submission_deadline"]
    first_year = academic_year_start(start, month=ay_month, day=ay_day)
    year = first_year if (month, day) >= (ay_month, ay_day) else first_year + 1
    return date(year, month, day)


def tier_amount(weeks: int, p: ParameterSnapshot) -> Decimal:
    """Art. 3: 6 to 11 full weeks 300 EUR, 12 and more 600 EUR (tiers are a dated parameter)."""
    amount = ZERO
    for minimum, value in p["cheque_tiers"]:
        if weeks >= minimum:
            amount = value
    return amount


def evaluate(facts: HorizonsFacts, p: ParameterSnapshot) -> Verdict:
    reasons = Reasons()
    _general_conditions(facts, p, reasons)
    weeks = full_weeks(facts.mobility.start_date, facts.mobility.end_date)
    if facts.aid == "grant":
        return _grant(facts, p, reasons, weeks)
    return _cheque(facts, p, reasons, weeks)


def _general_conditions(facts: HorizonsFacts, p: ParameterSnapshot, reasons: Reasons) -> None:
    """Art. 1 and 5: conditions shared by the grant and every chèque."""
    s, m = facts.student, facts.mobility
    reasons.check(s.establishment_in_region, "establishment_not_in_region", "Art. 1")
    reasons.check(s.recognised_diploma, "diploma_not_recognised", "Art. 1")
    reasons.check(s.level in p["eligible_levels"], "level_not_eligible", "Art. 1")
    abroad = m.country != METROPOLITAN_FRANCE and m.country not in p["overseas_codes"]
    reasons.check(abroad, "destination_not_abroad", "Art. 1")
    reasons.check(m.in_curriculum, "mobility_not_in_curriculum", "Art. 1")
    # Art. 5: the application, even incomplete, must be sent *before* the mobility starts, so
    # an application made on the start day itself is late.
    reasons.check(facts.submitted_on < m.start_date, "submitted_after_mobility_start", "Art. 5")
    deadline = submission_deadline(m.start_date, p)
    reasons.check(
        facts.submitted_on <= deadline,
        "submission_deadline_passed",
        "Art. 5",
        f"La date limite de dépôt des demandes pour cette année universitaire était le "
        f"{deadline:%d/%m/%Y}.",
    )


# --- Bourse d'études et de stage (Art. 2, 4, 6) -------------------------------------------
def _grant(facts: HorizonsFacts, p: ParameterSnapshot, reasons: Reasons, weeks: int) -> Verdict:
    s, m = facts.student, facts.mobility
    reasons.check(s.scholarship_holder, "not_scholarship_holder", "Art. 1")

    band = p["grant_bands"].get(m.kind, {}).get(s.level)
    if band is None:
        # A generally eligible level may still have no band for this kind (BTS and DUT have no
        # study band): Art. 2 lists the durations that can be funded.
        reasons.fail("level_not_eligible", "Art. 2")
    else:
        minimum, maximum = band
        reasons.check(
            weeks >= minimum,
            "duration_too_short",
            "Art. 2",
            f"La mobilité compte {weeks} semaine(s) complète(s) ; il en faut au moins {minimum} "
            f"pour un {KIND_LABELS[m.kind]} de niveau {s.level}.",
        )

    cap = p["annual_weeks_cap"]
    prior_grants = [a for a in facts.prior_awards if a.aid == "grant"]
    remaining = cap - sum(a.weeks for a in prior_grants)
    reasons.check(
        remaining > 0,
        "annual_weeks_cap_reached",
        "Art. 2",
        f"Le plafond de {cap} semaines aidées par année universitaire est déjà atteint.",
    )
    if m.kind == "internship":
        ceiling = p["gratification_ceiling"]
        reasons.check(
            m.monthly_gratification <= ceiling,
            "internship_gratification_too_high",
            "Art. 2",
            f"La gratification mensuelle du stage ({eur(m.monthly_gratification)}) dépasse le minimum "
            f"légal en vigueur au début du stage ({eur(ceiling)}).",
        )
        reasons.check(
            not any(a.kind == "internship" for a in prior_grants),
            "one_internship_grant_per_year",
            "Art. 4",
        )
    reasons.check(not facts.other_aid.erasmus, "not_cumulable_with_erasmus", "Art. 4")
    reasons.check(
        not facts.other_aid.other_collectivity_grant, "not_cumulable_with_other_collectivity", "Art. 4"
    )
    reasons.check(
        not any(a.aid != "grant" for a in facts.prior_awards), "not_cumulable_with_cheque", "Art. 4"
    )
    # The CROUS mobility aid is cumulable with the grant (Art. 4): no rule reads it.

    if reasons or band is None:
        return _ineligible(facts, p, reasons, weeks=0)

    rate = p["weekly_rate"]
    funded = min(weeks, band[1], remaining)
    amount = money(rate * funded)
    text = f"{funded} semaine(s) complète(s) × {eur(rate)}"
    notes = []
    if funded < weeks:
        if funded == remaining and remaining < min(weeks, band[1]):
            notes.append(f"{weeks} semaines effectuées, plafond annuel de {cap} semaines")
        else:
            notes.append(f"{weeks} semaines effectuées, au plus {band[1]} pour ce niveau")
    residue = _residue_days(m.start_date, m.end_date)
    if residue:
        notes.append(f"{residue} jour(s) ouvré(s) restant(s) non pris en compte")
    if notes:
        text += " (" + " ; ".join(notes) + ")"
    lines = (Line("Art. 6", text, amount),)

    settlement = None
    if m.actual_end_date is not None:
        actual = full_weeks(m.start_date, m.actual_end_date)
        # Art. 9.1: below the minimum duration the aid is lost; otherwise prorated on the actual
        # full weeks, never more than notified.
        final = ZERO if actual < band[0] else money(rate * min(actual, funded))
        settlement = _settle(amount, final, p, actual_weeks=actual)
    return Verdict(
        scheme="horizons", aid="grant", eligible=True, amount=amount, weeks=funded,
        reasons=(), explanation=lines, settlement=settlement, parameters=p.used(),
    )


def _residue_days(start: date, end: date) -> int:
    return working_days(start, end) % WORKING_DAYS_PER_WEEK


# --- Aides forfaitaires: chèques (Art. 1, 3, 4) -------------------------------------------
def _cheque(facts: HorizonsFacts, p: ParameterSnapshot, reasons: Reasons, weeks: int) -> Verdict:
    s, m, aid = facts.student, facts.mobility, facts.aid
    reasons.check(not s.scholarship_holder, "cheque_requires_non_scholarship_holder", "Art. 1")
    reasons.check(not any(a.aid != "grant" for a in facts.prior_awards), "one_cheque_per_year", "Art. 4")
    reasons.check(not any(a.aid == "grant" for a in facts.prior_awards), "not_cumulable_with_grant", "Art. 4")

    minimums = p["cheque_minimum_weeks"]
    minimum: int | None = None  # in full weeks; None when the level has no access to the chèque
    if aid == "cooperation":
        reasons.check(m.kind == "internship", "cheque_requires_internship", "Art. 3")
        reasons.check(
            m.partner_region, "destination_not_eligible", "Art. 3",
            "Le stage doit se dérouler dans une région partenaire de la Région au titre de la "
            "coopération décentralisée.",
        )
        minimum = minimums.get("cooperation", {}).get(s.level)
    elif aid == "eurocampus":
        reasons.check(
            m.subdivision in p["eurocampus_subdivisions"], "destination_not_eligible", "Art. 3",
            "Le chèque Eurocampus est réservé aux mobilités en Catalogne ou aux îles Baléares.",
        )
        reasons.check(not facts.other_aid.erasmus, "not_cumulable_with_erasmus", "Art. 4")
        if m.kind == "study":
            minimum = minimums.get("eurocampus_study", {}).get(s.level)
            reasons.check(m.ects_credits is not None and m.ects_credits >= 1, "ects_required", "Art. 3")
            reasons.check(m.host_independent, "host_not_independent", "Art. 3")
        else:
            minimum = minimums.get("eurocampus_internship", {}).get(s.level)
    elif aid == "humanitarian":
        minimum = minimums.get("humanitarian", {}).get(s.level)
        reasons.check(m.kind == "internship", "cheque_requires_internship", "Art. 3")
        reasons.check(m.humanitarian, "not_humanitarian", "Art. 3")
        reasons.check(
            m.oda_country, "destination_not_eligible", "Art. 3",
            "Le stage doit se dérouler dans un pays bénéficiaire de l'aide publique au développement (APD).",
        )
    elif aid == "apprentice":
        reasons.check(s.apprentice, "not_apprentice", "Art. 3")
        minimum = minimums.get("apprentice", {}).get(s.level)
        reasons.check(m.kind == "internship", "cheque_requires_internship", "Art. 3")
    elif aid == "pegasus":
        return _pegasus(facts, p, reasons)

    if minimum is None:
        reasons.fail("level_not_eligible", "Art. 3")
    else:
        reasons.check(
            weeks >= minimum, "duration_too_short", "Art. 3",
            f"La mobilité compte {weeks} semaine(s) complète(s) ; il en faut au moins {minimum} "
            f"pour ce chèque à votre niveau.",
        )
    amount = tier_amount(weeks, p)
    if aid == "apprentice" and amount > 0:
        limit = money(amount * p["apprentice_employer_max_share"])
        reasons.check(
            m.employer_contribution <= limit, "employer_contribution_too_high", "Art. 3",
            f"L'employeur prend en charge {eur(m.employer_contribution)} de frais de mobilité, plus "
            f"que la moitié du chèque ({eur(limit)}).",
        )
    if reasons or minimum is None:
        return _ineligible(facts, p, reasons)

    label = CHEQUE_LABELS[aid]
    text = f"{label}, {weeks} semaine(s) complète(s) : forfait {_tier_label(weeks, p)}"
    state_share = ZERO
    if aid == "apprentice":
        # Art. 3: the Apprentis chèque is co-funded half by the State, half by the Region.
        state_share = money(amount * p["apprentice_state_share"])
        text += f" (cofinancé : État {eur(state_share)}, Région {eur(amount - state_share)})"
    settlement = None
    if m.actual_end_date is not None:
        actual = full_weeks(m.start_date, m.actual_end_date)
        final = ZERO if actual < minimum else min(tier_amount(actual, p), amount)
        settlement = _settle(amount, final, p, actual_weeks=actual)
    return Verdict(
        scheme="horizons", aid=aid, eligible=True, amount=amount, reasons=(),
        explanation=(Line("Art. 3", text, amount),), settlement=settlement,
        parameters=p.used(), state_share=state_share,
    )


def _tier_label(weeks: int, p: ParameterSnapshot) -> str:
    tiers = p["cheque_tiers"]
    for index, (minimum, _) in enumerate(tiers):
        upper = tiers[index + 1][0] - 1 if index + 1 < len(tiers) else None
        if weeks >= minimum and (upper is None or weeks <= upper):
            return f"de {minimum} à {upper} semaines" if upper is not None else f"{minimum} semaines et plus"
    return "sous le minimum"


def _pegasus(facts: HorizonsFacts, p: ParameterSnapshot, reasons: Reasons) -> Verdict:
    """Art. 3: 600 EUR for a mobility of at least 4 months in a Pegasus member, with the Award."""
    m = facts.mobility
    reasons.check(m.pegasus_host and m.pegasus_award, "pegasus_conditions_not_met", "Art. 3")
    months = whole_months(m.start_date, m.end_date)
    minimum = p["pegasus_minimum_months"]
    reasons.check(
        months >= minimum, "duration_too_short", "Art. 3",
        f"La mobilité compte {months} mois entier(s) ; il en faut au moins {minimum} pour le chèque Pegasus.",
    )
    if reasons:
        return _ineligible(facts, p, reasons)
    amount = p["pegasus_amount"]
    settlement = None
    if m.actual_end_date is not None:
        actual = whole_months(m.start_date, m.actual_end_date)
        final = amount if actual >= minimum else ZERO
        settlement = _settle(amount, final, p, actual_months=actual)
    text = f"{CHEQUE_LABELS['pegasus']}, {months} mois entier(s) : forfait"
    return Verdict(
        scheme="horizons", aid="pegasus", eligible=True, amount=amount, reasons=(),
        explanation=(Line("Art. 3", text, amount),), settlement=settlement, parameters=p.used(),
    )


# --- Shared ---------------------------------------------------------------------------------
def _settle(notified: Decimal, final: Decimal, p: ParameterSnapshot, **actual: int) -> Settlement:
    """Art. 9: 60 % advance at the arrêté; the balance, or the repayment, follows from the final
    amount, which never exceeds the notified one (Art. 6: never increased for a longer stay)."""
    advance = money(notified * p["advance_rate"])
    final = min(final, notified)
    return Settlement(
        final_amount=final,
        advance=advance,
        balance=max(final - advance, ZERO),
        repayment=max(advance - final, ZERO),
        **actual,
    )


def _ineligible(facts: HorizonsFacts, p: ParameterSnapshot, reasons: Reasons, weeks: int | None = None) -> Verdict:
    return Verdict(
        scheme="horizons", aid=facts.aid, eligible=False, amount=ZERO, weeks=weeks,
        reasons=reasons.frozen(), explanation=(), parameters=p.used(),
    )
