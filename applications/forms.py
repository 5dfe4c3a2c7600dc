"""Student forms of the application journey.

Forms only validate and shape input: each exposes `service_kwargs()` (what the view hands to one
service) and never saves. The situation forms read and write the simulation contract's nested
JSON (schemes/inputs.py), so what the student types is exactly what the engine reads.
"""

from __future__ import annotations

import gettext as _gettext
import re
from datetime import date
from decimal import Decimal

import pycountry
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from accounts.models import Establishment
from schemes.facts import HORIZONS_LEVELS
from schemes.forms import BoundedDateField
from schemes.models import Scheme

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


def _country_choices() -> list[tuple[str, str]]:
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


# --- Creation ---------------------------------------------------------------------------------
class DraftCreateForm(forms.Form):
    scheme = forms.ModelChoiceField(
        label=_("Dispositif"),
        queryset=Scheme.objects.all(),
        empty_label=None,
        widget=forms.RadioSelect,
    )
    aid = forms.ChoiceField(
        label=_("Aide demandée (Horizons)"),
        choices=[("", "---------"), *AID_CHOICES],
        required=False,
    )
    establishment = forms.ModelChoiceField(
        label=_("Établissement d'inscription (Horizons)"),
        queryset=Establishment.objects.all(),
        required=False,
    )

    def clean(self):
        data = super().clean()
        scheme = data.get("scheme")
        if scheme is not None and scheme.code == Scheme.Code.HORIZONS and not data.get("aid"):
            self.add_error("aid", _("Choisissez l'aide demandée."))
        if (
            scheme is not None
            and scheme.requires_establishment_opinion
            and not data.get("establishment")
        ):
            self.add_error("establishment", _("Choisissez votre établissement d'inscription."))
        if scheme is not None and scheme.code != Scheme.Code.HORIZONS:
            data["aid"] = ""
        return data

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {"scheme": d["scheme"], "aid": d["aid"], "establishment": d["establishment"]}


# --- Step 1: identity -------------------------------------------------------------------------
class StudentIdentityForm(forms.Form):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    birth_date = BoundedDateField(
        label=_("Date de naissance"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    phone = forms.CharField(
        label=_("Téléphone"),
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    address = forms.CharField(label=_("Adresse postale"), widget=forms.Textarea(attrs={"rows": 3}))

    @classmethod
    def initial_for(cls, application) -> dict:
        return {name: getattr(application, name) for name in cls.base_fields}

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        if value >= timezone.localdate():
            raise forms.ValidationError(_("La date de naissance doit être dans le passé."))
        return value

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


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
    country = forms.ChoiceField(label=_("Pays de destination"), choices=_country_choices)
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


def _insee_field(label):
    return forms.CharField(
        label=label,
        max_length=5,
        min_length=5,
        help_text=_("5 caractères, par exemple 31555 pour Toulouse."),
    )


def _clean_insee(value: str) -> str:
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
        return _clean_insee(self.cleaned_data["supervisor_commune_insee"])

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
        return _clean_insee(self.cleaned_data["commune_insee"])

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


# --- Step 3: bank details -----------------------------------------------------------------------
class StudentBankForm(forms.Form):
    iban = forms.CharField(
        label=_("IBAN"),
        max_length=42,
        help_text=_(
            "Tel qu'il figure sur votre RIB, par exemple FR76 3000 6000 0112 3456 7890 189."
        ),
    )
    account_holder = forms.CharField(label=_("Titulaire du compte"), max_length=150)

    @classmethod
    def initial_for(cls, application) -> dict:
        return {"iban": application.iban, "account_holder": application.account_holder}

    def clean_iban(self):
        try:
            # schwifty checks the country's length and format and the checksum (ISO 13616).
            return IBAN(self.cleaned_data["iban"]).compact
        except SchwiftyException:
            raise forms.ValidationError(
                _("Cet IBAN n'est pas valide : vérifiez chaque caractère sur votre RIB.")
            ) from None

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


# --- Documents, messages, submission, withdrawal -------------------------------------------------
class DocumentUploadForm(forms.Form):
    """One document kind (the view knows which, from the form's prefix): a file or an explanation."""

    file = forms.FileField(
        label=_("Fichier (PDF, JPEG ou PNG, 10 Mo au plus)"),
        required=False,
        widget=forms.FileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )
    explanation = forms.CharField(
        label=_("Ou expliquez pourquoi vous ne pouvez pas fournir cette pièce"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {"upload": d["file"] or None, "explanation": d["explanation"]}


class StudentSubmitForm(forms.Form):
    certify = forms.BooleanField(
        label=_("Je certifie l'exactitude des informations fournies et des pièces jointes."),
        error_messages={"required": _("Cochez cette case pour déposer votre demande.")},
    )


class StudentMessageForm(forms.Form):
    body = forms.CharField(label=_("Votre message"), widget=forms.Textarea(attrs={"rows": 4}))
    attachment = forms.FileField(
        label=_("Pièce jointe (facultatif : PDF, JPEG ou PNG)"), required=False
    )

    def service_kwargs(self) -> dict:
        return {
            "body": self.cleaned_data["body"],
            "attachment": self.cleaned_data["attachment"] or None,
        }


class StudentWithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif (facultatif)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
