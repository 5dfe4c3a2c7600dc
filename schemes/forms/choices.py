"""The simulator's vocabulary: each field's path in the contract's payload, and the choices
shown to the student (schemes, aids, levels, countries...)."""

from __future__ import annotations

import gettext

import pycountry
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# Each form field, for the scheme it belongs to, and its path in the contract's payload.
FIELD_PATHS: dict[str, dict[str, str]] = {
    "horizons": {
        "submitted_on": "submitted_on",
        "aid": "aid",
        "h_level": "student.level",
        "h_establishment_in_region": "student.establishment_in_region",
        "h_recognised_diploma": "student.recognised_diploma",
        "h_scholarship_holder": "student.scholarship_holder",
        "h_apprentice": "student.apprentice",
        "h_kind": "mobility.kind",
        "h_start_date": "mobility.start_date",
        "h_end_date": "mobility.end_date",
        "h_actual_end_date": "mobility.actual_end_date",
        "h_country": "mobility.country",
        "h_subdivision": "mobility.subdivision",
        "h_in_curriculum": "mobility.in_curriculum",
        "h_monthly_gratification": "mobility.monthly_gratification",
        "h_partner_region": "mobility.partner_region",
        "h_oda_country": "mobility.oda_country",
        "h_ects_credits": "mobility.ects_credits",
        "h_host_independent": "mobility.host_independent",
        "h_pegasus_host": "mobility.pegasus_host",
        "h_pegasus_award": "mobility.pegasus_award",
        "h_humanitarian": "mobility.humanitarian",
        "h_employer_contribution": "mobility.employer_contribution",
        "h_erasmus": "other_aid.erasmus",
        "h_other_collectivity_grant": "other_aid.other_collectivity_grant",
        "h_crous_mobility_aid": "other_aid.crous_mobility_aid",
    },
    "haute-garonne": {
        "submitted_on": "submitted_on",
        "hg_cycle": "student.cycle",
        "hg_specialty": "student.specialty",
        "hg_scholarship_holder": "student.scholarship_holder",
        "hg_social_precarity": "student.social_precarity",
        "hg_start_date": "internship.start_date",
        "hg_end_date": "internship.end_date",
        "hg_commune_insee": "internship.commune_insee",
        "hg_zone": "internship.zone",
        "hg_indemnities": "indemnities",
    },
    "aude": {
        "submitted_on": "submitted_on",
        "au_cycle": "student.cycle",
        "au_faculty": "student.faculty",
        "au_passed_first_year_exam": "student.passed_first_year_exam",
        "au_start_date": "internship.start_date",
        "au_end_date": "internship.end_date",
        "au_specialty": "internship.specialty",
        "au_supervisor_commune_insee": "internship.supervisor_commune_insee",
        "au_zone": "internship.zone",
    },
}
# Prior Horizons awards are a list in the payload; these fields build it (see _prior_awards).
PRIOR_AWARD_FIELDS = (
    "h_prior_grant_kind",
    "h_prior_grant_weeks",
    "h_prior_cheque",
    "h_prior_cheque_kind",
)

SCHEME_CHOICES = [
    ("horizons", _("Midi-Pyrénées Horizons : mobilité à l'étranger (études ou stage)")),
    ("haute-garonne", _("Haute-Garonne : Aide Jeune Médecin (internes en médecine générale)")),
    ("aude", _("Aude : aide aux étudiants en médecine de 2e cycle (stage de médecine générale)")),
]
AID_CHOICES = [
    ("grant", _("Bourse d'études et de stage")),
    ("cooperation", _("Chèque Coopération")),
    ("eurocampus", _("Chèque Eurocampus")),
    ("pegasus", _("Chèque Pegasus")),
    ("humanitarian", _("Chèque Humanitaire")),
    ("apprentice", _("Chèque Apprentis")),
]
LEVEL_LABELS = {
    "L1": _("Licence 1re année (L1)"),
    "L2": _("Licence 2e année (L2)"),
    "L3": _("Licence 3e année (L3)"),
    "M1": _("Master 1re année (M1)"),
    "M2": _("Master 2e année (M2)"),
    "BTS": _("BTS"),
    "DUT": _("DUT / BUT"),
    "DUETE": _("DUETE"),
    "HEALTH_SOCIAL": _("Formation sanitaire et sociale"),
    "DOCTORATE": _("Doctorat"),
    "OTHER": _("Autre"),
}
KIND_CHOICES = [("study", _("Séjour d'études")), ("internship", _("Stage"))]
UNKNOWN_YES_NO = [("", _("Je ne sais pas")), ("true", _("Oui")), ("false", _("Non"))]
ZONE_CHOICES = [
    ("", _("Je ne sais pas")),
    ("zip", _("ZIP")),
    ("zac", _("ZAC")),
    ("none", _("Ni ZIP ni ZAC")),
]
ZONE_HELP = _(
    "Zonage de l'ARS Occitanie : zone d'intervention prioritaire (ZIP) ou d'action "
    "complémentaire (ZAC). "
    "Si vous ne savez pas, le portail consulte le zonage en vigueur au début du stage."
)
CYCLE_CHOICES = [
    ("", "—"),
    ("1", _("1er cycle")),
    ("2", _("2e cycle")),
    ("3", _("3e cycle (internat)")),
]
SPECIALTY_CHOICES = [("general_medicine", _("Médecine générale")), ("other", _("Autre spécialité"))]
FACULTY_CHOICES = [
    ("toulouse", _("Toulouse")),
    ("montpellier", _("Montpellier")),
    ("other", _("Autre faculté")),
]
INDEMNITY_CHOICES = [
    ("travel", _("Indemnité de déplacement")),
    ("housing", _("Indemnité d'hébergement")),
]
PRIOR_GRANT_CHOICES = [
    ("", _("Aucune")),
    ("study", _("Bourse pour un séjour d'études")),
    ("internship", _("Bourse pour un stage")),
]
PRIOR_CHEQUE_CHOICES = [("", _("Aucun"))] + [
    (code, label) for code, label in AID_CHOICES if code != "grant"
]


def country_choices() -> list[tuple[str, str]]:
    """Every ISO 3166-1 country, named and sorted in the page's language (pycountry)."""
    language = (get_language() or "fr").split("-")[0]
    names = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )
    countries = sorted(
        ((c.alpha_2, names.gettext(c.name)) for c in pycountry.countries),
        key=lambda item: item[1].casefold().translate(str.maketrans("ÉÈÎÔÅ", "EEIOA")),
    )
    return [("", "—")] + countries
