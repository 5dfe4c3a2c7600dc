"""Choices, labels and field helpers shared by the student forms."""

from __future__ import annotations

import gettext as _gettext
import re
from datetime import date
from decimal import Decimal

import pycountry
from django import forms
from django.utils.translation import gettext_lazy as _

from schemes.facts import HORIZONS_LEVELS
from schemes.forms import BoundedDateField

AID_CHOICES = [
    ("grant", _("Bourse d'études et de stage")),
    ("cooperation", _("Chèque coopération")),
    ("eurocampus", _("Chèque Eurocampus")),
    ("pegasus", _("Chèque Pegasus")),
    ("humanitarian", _("Chèque humanitaire")),
    ("apprentice", _("Chèque apprentis")),
]
LEVEL_LABELS = {
    "HEALTH_SOCIAL": _("Formation sanitaire et sociale"),
    "DOCTORATE": _("Doctorat"),
    "OTHER": _("Autre"),
}
LEVEL_CHOICES = [(level, LEVEL_LABELS.get(level, level)) for level in HORIZONS_LEVELS]
CYCLE_CHOICES = [(1, _("1er cycle")), (2, _("2e cycle")), (3, _("3e cycle (internat)"))]
SPECIALTY_CHOICES = [("general_medicine", _("Médecine générale")), ("other", _("Autre spécialité"))]
FACULTY_CHOICES = [
    ("toulouse", _("Toulouse")),
    ("montpellier", _("Montpellier")),
    ("other", _("Autre faculté")),
]
YES_NO = [("true", _("Oui")), ("false", _("Non"))]
_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")

# Labels of the contract's fields, to say which ones the live estimate still misses.
FIELD_LABELS = {
    "aid": _("aide demandée"),
    "student": _("votre situation d'étudiant"),
    "student.level": _("niveau d'études"),
    "student.establishment_in_region": _("établissement dans la région"),
    "student.recognised_diploma": _("diplôme reconnu"),
    "student.scholarship_holder": _("boursier sur critères sociaux"),
    "student.cycle": _("cycle d'études"),
    "student.faculty": _("faculté"),
    "student.specialty": _("spécialité"),
    "mobility": _("votre mobilité"),
    "mobility.kind": _("type de mobilité"),
    "mobility.start_date": _("date de début de la mobilité"),
    "mobility.end_date": _("date de fin de la mobilité"),
    "mobility.country": _("pays"),
    "mobility.subdivision": _("région du pays"),
    "mobility.in_curriculum": _("mobilité intégrée au cursus"),
    "internship": _("votre stage"),
    "internship.start_date": _("date de début du stage"),
    "internship.end_date": _("date de fin du stage"),
    "internship.commune_insee": _("commune du stage (code INSEE)"),
    "internship.supervisor_commune_insee": _("commune du maître de stage (code INSEE)"),
    "internship.specialty": _("spécialité du stage"),
}


def field_label(path: str) -> str:
    return str(FIELD_LABELS.get(path, path))


def country_choices() -> list[tuple[str, str]]:
    try:
        names = _gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"]).gettext
    except OSError:
        names = str
    choices = [(c.alpha_2, names(c.name)) for c in pycountry.countries]
    return [("", "---------"), *sorted(choices, key=lambda c: c[1])]


def _yes_no(label, required=True, help_text=""):
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda v: v == "true",
        widget=forms.RadioSelect,
        required=required,
        help_text=help_text,
    )


def _date(label):
    return BoundedDateField(
        label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


def _bool_initial(value):
    return {True: "true", False: "false"}.get(value)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _money(value: Decimal | None) -> str:
    return str(value if value is not None else Decimal("0"))




def _insee_field(label):
    return forms.CharField(
        label=label,
        max_length=5,
        min_length=5,
        help_text=_("5 caractères, par exemple 31555 pour Toulouse."),
    )


def clean_insee(value: str) -> str:
    value = value.strip().upper()
    if not _INSEE.match(value):
        raise forms.ValidationError(
            _("Code INSEE de commune attendu : 5 caractères (exemple : 31555).")
        )
    return value


class _InternshipDatesMixin:
    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("La date de fin précède la date de début."))
        return data
