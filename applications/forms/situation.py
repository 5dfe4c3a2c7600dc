"""Step 2, the declared situation: one form per scheme, reading and writing the simulation
contract's nested JSON (schemes/inputs.py), so what the student types is what the engine reads."""

from __future__ import annotations

import pycountry
from django import forms
from django.utils.translation import gettext_lazy as _

from .fields import (
    AID_CHOICES,
    CYCLE_CHOICES,
    FACULTY_CHOICES,
    LEVEL_CHOICES,
    SPECIALTY_CHOICES,
    _bool_initial,
    _date,
    _insee_field,
    _InternshipDatesMixin,
    _iso,
    _money,
    _yes_no,
    clean_insee,
    country_choices,
)


# --- Step 2: situation, one form per scheme -----------------------------------------------------
class DraftHorizonsSituationForm(forms.Form):
    aid = forms.ChoiceField(label=_("Aide demandée"), choices=AID_CHOICES)
    level = forms.ChoiceField(label=_("Niveau d'études pendant la mobilité"), choices=LEVEL_CHOICES)
    establishment_in_region = _yes_no(_("Votre établissement est-il situé dans la région ?"))
    recognised_diploma = _yes_no(_("Préparez-vous un diplôme LMD ou reconnu par le ministère ?"))
    scholarship_holder = _yes_no(_("Êtes-vous boursier sur critères sociaux ?"))
    apprentice = forms.BooleanField(label=_("Je suis apprenti"), required=False)
    kind = forms.ChoiceField(
        label=_("Type de mobilité"),
        widget=forms.RadioSelect,
        choices=[("study", _("Études")), ("internship", _("Stage"))],
    )
    start_date = _date(_("Date de début de la mobilité"))
    end_date = _date(_("Date de fin de la mobilité"))
    country = forms.ChoiceField(label=_("Pays de destination"), choices=country_choices)
    subdivision = forms.CharField(
        label=_("Région du pays (code ISO 3166-2, facultatif)"),
        required=False,
        max_length=6,
        help_text=_("Par exemple ES-CT pour la Catalogne."),
    )
    in_curriculum = _yes_no(
        _("La mobilité compte-t-elle pour votre diplôme (un seul accueil, une seule période) ?")
    )
    monthly_gratification = forms.DecimalField(
        label=_("Gratification mensuelle du stage (€)"),
        required=False,
        min_value=0,
        max_digits=9,
        decimal_places=2,
    )
    ects_credits = forms.DecimalField(
        label=_("Crédits ECTS obtenus (facultatif)"),
        required=False,
        min_value=0,
        max_value=1000,
        decimal_places=1,
    )
    host_independent = forms.BooleanField(
        label=_("L'établissement d'accueil est indépendant de mon établissement"), required=False
    )
    pegasus_host = forms.BooleanField(
        label=_("L'accueil est membre du réseau Pegasus"), required=False
    )
    pegasus_award = forms.BooleanField(label=_("J'ai obtenu le Pegasus Award"), required=False)
    humanitarian = forms.BooleanField(label=_("Stage à caractère humanitaire"), required=False)
    employer_contribution = forms.DecimalField(
        label=_("Participation de l'employeur (€, apprentis)"),
        required=False,
        min_value=0,
        max_digits=9,
        decimal_places=2,
    )
    erasmus = forms.BooleanField(label=_("Je reçois une aide Erasmus+"), required=False)
    other_collectivity_grant = forms.BooleanField(
        label=_("Je reçois une aide d'une autre collectivité"), required=False
    )
    crous_mobility_aid = forms.BooleanField(
        label=_("Je reçois l'aide à la mobilité du CROUS"), required=False
    )

    STUDENT = (
        "level",
        "establishment_in_region",
        "recognised_diploma",
        "scholarship_holder",
        "apprentice",
    )
    MOBILITY = (
        "kind",
        "start_date",
        "end_date",
        "country",
        "subdivision",
        "in_curriculum",
        "monthly_gratification",
        "ects_credits",
        "host_independent",
        "pegasus_host",
        "pegasus_award",
        "humanitarian",
        "employer_contribution",
    )
    OTHER_AID = ("erasmus", "other_collectivity_grant", "crous_mobility_aid")
    # The contract's keys this step reads and writes, by section (see carried_answers).
    SECTIONS = {"student": STUDENT, "mobility": MOBILITY, "other_aid": OTHER_AID}

    @classmethod
    def initial_for(cls, application) -> dict:
        data = application.data or {}
        initial = {"aid": application.aid}
        for section, names in (
            ("student", cls.STUDENT),
            ("mobility", cls.MOBILITY),
            ("other_aid", cls.OTHER_AID),
        ):
            values = data.get(section) or {}
            for name in names:
                value = values.get(name)
                initial[name] = _bool_initial(value) if isinstance(value, bool) else value
        if initial.get("establishment_in_region") is None and application.establishment is not None:
            initial["establishment_in_region"] = _bool_initial(application.establishment.in_region)
        return initial

    def clean_subdivision(self):
        value = self.cleaned_data["subdivision"].strip().upper()
        if value and pycountry.subdivisions.get(code=value) is None:
            raise forms.ValidationError(_("Code de région inconnu (exemple : ES-CT)."))
        return value

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("La date de fin précède la date de début."))
        sub, country = data.get("subdivision"), data.get("country")
        if sub and country and not sub.startswith(country + "-"):
            self.add_error("subdivision", _("Cette région n'appartient pas au pays choisi."))
        return data

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        mobility = {name: d[name] for name in self.MOBILITY}
        mobility.update(
            start_date=_iso(d["start_date"]),
            end_date=_iso(d["end_date"]),
            subdivision=d["subdivision"] or None,
            monthly_gratification=_money(d["monthly_gratification"]),
            employer_contribution=_money(d["employer_contribution"]),
            ects_credits=str(d["ects_credits"]) if d["ects_credits"] is not None else None,
        )
        return {
            "aid": d["aid"],
            "data": {
                "student": {name: d[name] for name in self.STUDENT},
                "mobility": mobility,
                "other_aid": {name: d[name] for name in self.OTHER_AID},
            },
        }




class DraftAudeSituationForm(_InternshipDatesMixin, forms.Form):
    cycle = forms.TypedChoiceField(label=_("Cycle d'études"), choices=CYCLE_CHOICES, coerce=int)
    faculty = forms.ChoiceField(label=_("Faculté d'inscription"), choices=FACULTY_CHOICES)
    passed_first_year_exam = _yes_no(_("Avez-vous réussi le concours de première année ?"))
    start_date = _date(_("Date de début du stage"))
    end_date = _date(_("Date de fin du stage"))
    specialty = forms.ChoiceField(label=_("Spécialité du stage"), choices=SPECIALTY_CHOICES)
    supervisor_commune_insee = _insee_field(
        _("Commune d'installation du maître de stage (code INSEE)")
    )
    SECTIONS = {
        "student": ("cycle", "faculty", "passed_first_year_exam"),
        "internship": ("start_date", "end_date", "specialty", "supervisor_commune_insee"),
    }

    @classmethod
    def initial_for(cls, application) -> dict:
        data = application.data or {}
        student, internship = data.get("student") or {}, data.get("internship") or {}
        return {
            "cycle": student.get("cycle"),
            "faculty": student.get("faculty"),
            "passed_first_year_exam": _bool_initial(student.get("passed_first_year_exam")),
            **{
                k: internship.get(k)
                for k in ("start_date", "end_date", "specialty", "supervisor_commune_insee")
            },
        }

    def clean_supervisor_commune_insee(self):
        return clean_insee(self.cleaned_data["supervisor_commune_insee"])

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "data": {
                "student": {
                    "cycle": d["cycle"],
                    "faculty": d["faculty"],
                    "passed_first_year_exam": d["passed_first_year_exam"],
                },
                "internship": {
                    "start_date": _iso(d["start_date"]),
                    "end_date": _iso(d["end_date"]),
                    "specialty": d["specialty"],
                    "supervisor_commune_insee": d["supervisor_commune_insee"],
                },
            }
        }


class DraftHauteGaronneSituationForm(_InternshipDatesMixin, forms.Form):
    cycle = forms.TypedChoiceField(label=_("Cycle d'études"), choices=CYCLE_CHOICES, coerce=int)
    specialty = forms.ChoiceField(label=_("Spécialité"), choices=SPECIALTY_CHOICES)
    scholarship_holder = forms.BooleanField(label=_("Je suis boursier"), required=False)
    social_precarity = forms.BooleanField(
        label=_("Je suis en situation de précarité sociale"), required=False
    )
    start_date = _date(_("Date de début du stage"))
    end_date = _date(_("Date de fin du stage"))
    commune_insee = _insee_field(_("Commune du stage (code INSEE)"))
    indemnities = forms.MultipleChoiceField(
        label=_("Indemnités demandées"),
        widget=forms.CheckboxSelectMultiple,
        choices=[("travel", _("Déplacement")), ("housing", _("Hébergement"))],
    )
    SECTIONS = {
        "student": ("cycle", "specialty", "scholarship_holder", "social_precarity"),
        "internship": ("start_date", "end_date", "commune_insee"),
        "indemnities": None,  # a list, taken whole
    }

    @classmethod
    def initial_for(cls, application) -> dict:
        data = application.data or {}
        student, internship = data.get("student") or {}, data.get("internship") or {}
        return {
            **{
                k: student.get(k)
                for k in ("cycle", "specialty", "scholarship_holder", "social_precarity")
            },
            **{k: internship.get(k) for k in ("start_date", "end_date", "commune_insee")},
            "indemnities": data.get("indemnities", ["travel", "housing"]),
        }

    def clean_commune_insee(self):
        return clean_insee(self.cleaned_data["commune_insee"])

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "data": {
                "student": {
                    k: d[k]
                    for k in ("cycle", "specialty", "scholarship_holder", "social_precarity")
                },
                "internship": {
                    "start_date": _iso(d["start_date"]),
                    "end_date": _iso(d["end_date"]),
                    "commune_insee": d["commune_insee"],
                },
                "indemnities": d["indemnities"],
            }
        }




SITUATION_FORMS = {
    "horizons": DraftHorizonsSituationForm,
    "aude": DraftAudeSituationForm,
    "haute-garonne": DraftHauteGaronneSituationForm,
}


def carried_answers(code: str, payload: dict) -> dict:
    """The part of a simulator's answers (the contract's JSON object) that the situation step of
    `code` declares, as the draft's data. Only the keys the step shows are kept: the simulator also
    asks what the portal finds out itself (the ARS zone of a commune, the date of the request)."""
    data = {}
    for section, keys in SITUATION_FORMS[code].SECTIONS.items():
        value = payload.get(section)
        if keys is None:
            if value is not None:
                data[section] = value
        elif isinstance(value, dict):
            kept = {key: value[key] for key in keys if value.get(key) is not None}
            if kept:
                data[section] = kept
    return data
