"""The student's simulator form: one form, one fieldset group per scheme.

The form only turns what the student typed into the contract's JSON payload (`payload()`) and
puts the engine's field errors back next to the matching field (`add_engine_errors()`). Which
fields are required, and every rule, stay in schemes/inputs.py and the engine: the page, the CLI
and the API share one validation path. Fields of the schemes not chosen are ignored, so the page
works without JavaScript (JavaScript only hides the fieldsets that do not apply).
"""

from __future__ import annotations

import gettext
from datetime import date
from decimal import Decimal
from typing import Any

import pycountry
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout
from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .facts import HORIZONS_LEVELS

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


def _date_field(label, help_text="") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        help_text=help_text,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _money_field(label, help_text="") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        help_text=help_text,
        min_value=0,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def _insee_field(label, help_text) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=5,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 6}),
    )


def _yes_no_unknown(label) -> forms.TypedChoiceField:
    # Left unknown, the key is left out of the payload and the portal uses its own tables.
    return forms.TypedChoiceField(
        label=label,
        choices=UNKNOWN_YES_NO,
        required=False,
        coerce=lambda v: v == "true",
        empty_value=None,
        help_text=_("Si vous ne savez pas, le portail consulte ses propres listes."),
    )


def _cycle_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("Cycle des études médicales"),
        choices=CYCLE_CHOICES,
        required=False,
        coerce=int,
        empty_value=None,
    )


def _flag(label, help_text="", initial=False) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False, help_text=help_text, initial=initial)


class SimulatorForm(forms.Form):
    # Every field is optional here: what a scheme requires is the engine's call (inputs.py), and
    # its "champ obligatoire" errors come back next to the field.
    scheme = forms.ChoiceField(
        label=_("Dispositif"), choices=SCHEME_CHOICES, widget=forms.RadioSelect
    )
    submitted_on = _date_field(
        _("Date de la demande"),
        _("Laissez vide pour aujourd'hui. Format AAAA-MM-JJ ou JJ/MM/AAAA."),
    )

    # --- Horizons -----------------------------------------------------------------------------
    aid = forms.ChoiceField(
        label=_("Aide demandée"),
        choices=AID_CHOICES,
        required=False,
        help_text=_(
            "La bourse est réservée aux étudiants boursiers ; les chèques aux non-boursiers : "
            "Coopération (stage dans une région partenaire), Eurocampus (Catalogne, Baléares), "
            "Pegasus, Humanitaire "
            "(formations sanitaires et sociales), Apprentis."
        ),
    )
    h_level = forms.ChoiceField(
        label=_("Niveau d'études pendant la mobilité"),
        required=False,
        choices=[("", "—")] + [(code, LEVEL_LABELS[code]) for code in HORIZONS_LEVELS],
    )
    h_establishment_in_region = _flag(
        _("Je suis inscrit(e) dans un établissement d'enseignement supérieur de la région")
    )
    h_recognised_diploma = _flag(
        _("Je prépare un diplôme LMD ou visé par le ministère de l'Enseignement supérieur")
    )
    h_scholarship_holder = _flag(_("Je suis boursier(ère) sur critères sociaux"))
    h_apprentice = _flag(_("J'ai un contrat d'apprentissage"))
    h_kind = forms.ChoiceField(
        label=_("Type de mobilité"), choices=KIND_CHOICES, required=False, widget=forms.RadioSelect
    )
    h_start_date = _date_field(_("Date de début de la mobilité"))
    h_end_date = _date_field(_("Date de fin prévue"))
    h_actual_end_date = _date_field(
        _("Date de fin effective (facultatif)"),
        _(
            "Si la mobilité est terminée ou écourtée : le simulateur calcule alors le solde "
            "ou le reversement."
        ),
    )
    h_country = forms.ChoiceField(
        label=_("Pays de destination"), required=False, choices=country_choices
    )
    h_subdivision = forms.CharField(
        label=_("Région du pays (facultatif)"),
        required=False,
        max_length=6,
        help_text=_(
            "Code ISO 3166-2, par exemple ES-CT pour la Catalogne ou ES-IB pour les Baléares."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 7}),
    )
    h_in_curriculum = _flag(
        _("La mobilité compte pour mon diplôme (un seul organisme d'accueil, une période continue)")
    )
    h_monthly_gratification = _money_field(
        _("Gratification mensuelle du stage, en euros"),
        _("0 si le stage n'est pas gratifié. Exemple : 554,40"),
    )
    h_partner_region = _yes_no_unknown(
        _(
            "La destination est-elle une région partenaire de la Région "
            "(coopération décentralisée) ?"
        )
    )
    h_oda_country = _yes_no_unknown(
        _("Le pays est-il bénéficiaire de l'aide publique au développement (APD) ?")
    )
    h_ects_credits = forms.DecimalField(
        label=_("Crédits ECTS validés pendant le séjour"),
        required=False,
        min_value=0,
        max_value=1000,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 5}),
    )
    h_host_independent = _flag(
        _("L'établissement d'accueil est indépendant de mon établissement (hors de son groupe)")
    )
    h_pegasus_host = _flag(_("L'établissement d'accueil est membre du réseau Pegasus"))
    h_pegasus_award = _flag(_("La mobilité prépare le Pegasus Award"))
    h_humanitarian = _flag(_("Le stage a un but humanitaire"))
    h_employer_contribution = _money_field(
        _("Prise en charge des frais de mobilité par l'employeur, en euros"), _("0 si aucune.")
    )
    h_erasmus = _flag(_("Je reçois une bourse Erasmus pour cette mobilité"))
    h_other_collectivity_grant = _flag(_("Je reçois une bourse d'une autre collectivité"))
    h_crous_mobility_aid = _flag(_("Je reçois l'aide à la mobilité internationale du CROUS"))
    h_prior_grant_kind = forms.ChoiceField(
        label=_("Bourse Horizons déjà obtenue cette année universitaire"),
        choices=PRIOR_GRANT_CHOICES,
        required=False,
    )
    h_prior_grant_weeks = forms.IntegerField(
        label=_("Nombre de semaines de cette bourse"),
        required=False,
        min_value=0,
        max_value=200,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    h_prior_cheque = forms.ChoiceField(
        label=_("Chèque Horizons déjà obtenu cette année universitaire"),
        choices=PRIOR_CHEQUE_CHOICES,
        required=False,
    )
    h_prior_cheque_kind = forms.ChoiceField(
        label=_("Type de mobilité de ce chèque"),
        choices=KIND_CHOICES,
        required=False,
        initial="internship",
    )

    # --- Haute-Garonne ------------------------------------------------------------------------
    hg_cycle = _cycle_field()
    hg_specialty = forms.ChoiceField(
        label=_("Spécialité"), choices=SPECIALTY_CHOICES, required=False
    )
    hg_scholarship_holder = _flag(_("Je suis boursier(ère)"))
    hg_social_precarity = _flag(_("Je suis en situation de précarité sociale"))
    hg_start_date = _date_field(_("Date de début du stage"))
    hg_end_date = _date_field(_("Date de fin du stage"))
    hg_commune_insee = _insee_field(
        _("Code INSEE de la commune du stage"),
        _("5 caractères, par exemple 31555 pour Toulouse (ce n'est pas le code postal)."),
    )
    hg_zone = forms.ChoiceField(
        label=_("Zonage de la commune"), choices=ZONE_CHOICES, required=False, help_text=ZONE_HELP
    )
    hg_indemnities = forms.MultipleChoiceField(
        label=_("Indemnités demandées"),
        choices=INDEMNITY_CHOICES,
        required=False,
        initial=["travel", "housing"],
        widget=forms.CheckboxSelectMultiple,
    )

    # --- Aude ---------------------------------------------------------------------------------
    au_cycle = _cycle_field()
    au_faculty = forms.ChoiceField(
        label=_("Faculté d'inscription"), choices=FACULTY_CHOICES, required=False
    )
    au_passed_first_year_exam = _flag(_("J'ai réussi le concours de première année"), initial=True)
    au_start_date = _date_field(_("Date de début du stage"))
    au_end_date = _date_field(_("Date de fin du stage"))
    au_specialty = forms.ChoiceField(
        label=_("Discipline du stage"), choices=SPECIALTY_CHOICES, required=False
    )
    au_supervisor_commune_insee = _insee_field(
        _("Code INSEE de la commune du maître de stage"),
        _(
            "Commune où le médecin généraliste est installé ; 5 caractères, par exemple 11069 "
            "pour Carcassonne."
        ),
    )
    au_zone = forms.ChoiceField(
        label=_("Zonage de la commune"), choices=ZONE_CHOICES, required=False, help_text=ZONE_HELP
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = _layout()

    # --- Form <-> contract ------------------------------------------------------------------------
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        scheme = cleaned.get("scheme")
        if scheme:
            # Fields of the other schemes are ignored, whatever they hold.
            relevant = set(FIELD_PATHS[scheme]) | {"scheme"}
            if scheme == "horizons":
                relevant |= set(PRIOR_AWARD_FIELDS)
            for name in list(self._errors):
                if name not in relevant and name in self.fields:
                    del self._errors[name]
        return cleaned

    def payload(self) -> dict[str, Any]:
        """The contract's JSON object for the chosen scheme (call after is_valid())."""
        scheme = self.cleaned_data["scheme"]
        data: dict[str, Any] = {"scheme": scheme}
        # The sections (student, mobility...) always exist, so that the engine names each
        # missing field rather than a whole missing section.
        for path in FIELD_PATHS[scheme].values():
            if "." in path:
                data.setdefault(path.split(".")[0], {})
        for name, path in FIELD_PATHS[scheme].items():
            value = _json_value(self.cleaned_data.get(name), self.fields[name])
            if value is None:
                continue
            *parents, leaf = path.split(".")
            node = data
            for key in parents:
                node = node.setdefault(key, {})
            node[leaf] = value
        if scheme == "horizons":
            data["prior_awards"] = self._prior_awards()
        return data

    def _prior_awards(self) -> list[dict[str, Any]]:
        awards: list[dict[str, Any]] = []
        grant_kind, weeks = (
            self.cleaned_data.get("h_prior_grant_kind"),
            self.cleaned_data.get("h_prior_grant_weeks"),
        )
        if grant_kind:
            awards.append({"aid": "grant", "kind": grant_kind, "weeks": weeks})
        if self.cleaned_data.get("h_prior_cheque"):
            kind = self.cleaned_data.get("h_prior_cheque_kind") or "internship"
            awards.append({"aid": self.cleaned_data["h_prior_cheque"], "kind": kind})
        return awards

    def add_engine_errors(self, errors: list[tuple[str, str]]) -> None:
        """Show each (field.path, message) of InvalidInput next to its field, else at the top."""
        scheme = self.cleaned_data.get("scheme") or self.data.get("scheme")
        by_path = {path: name for name, path in FIELD_PATHS.get(scheme, {}).items()}
        for path, message in errors:
            name = by_path.get(path) or _prior_award_field(path) or _parent_field(path, by_path)
            field = name if name in self.fields else None
            if field and field in self.errors and message in self.errors[field]:
                continue
            self.add_error(field, message)


def _parent_field(path: str, by_path: dict[str, str]) -> str | None:
    # "student" missing as a whole, or "indemnities[0]": attach to the nearest field we show.
    for candidate, name in by_path.items():
        if path.startswith(candidate + "[") or candidate.startswith(path + "."):
            return name
    return None


def _prior_award_field(path: str) -> str | None:
    if not path.startswith("prior_awards"):
        return None
    return "h_prior_grant_weeks" if path.endswith(".weeks") else "h_prior_grant_kind"


def _json_value(value: Any, field: forms.Field) -> Any:
    """A cleaned value as the contract's JSON wants it; None means 'leave the key out'."""
    if value in (None, "", []):
        # An unchecked list of indemnities is sent empty, so that the engine says it is required.
        return [] if isinstance(field, forms.MultipleChoiceField) else None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)  # money stays exact: the contract accepts amounts as strings
    return value


def _layout() -> Layout:
    """One group per scheme, one fieldset per topic; data-* attributes let simulator.js hide
    what does not apply (the aid's own fieldsets, the internship-only ones)."""

    def fieldset(legend, *fields, aids: str = "", kinds: str = "") -> Fieldset:
        attrs = {}
        if aids:
            attrs["data_aids"] = aids
        if kinds:
            attrs["data_kinds"] = kinds
        return Fieldset(legend, *fields, css_class="sim-fieldset", **attrs)

    def group(scheme: str, heading: str, *fieldsets) -> Div:
        title = HTML(
            '{% load i18n %}<h2 class="h4 scheme-heading">{% translate "' + heading + '" %}</h2>'
        )
        return Div(title, *fieldsets, css_class="scheme-group", data_scheme=scheme)

    def dates(start: str, end: str) -> Div:
        return Div(
            Div(start, css_class="col-sm-6"), Div(end, css_class="col-sm-6"), css_class="row"
        )

    return Layout(
        Fieldset(_("Votre demande"), "scheme", "submitted_on", css_class="sim-fieldset"),
        group(
            "horizons",
            "Midi-Pyrénées Horizons",
            fieldset(_("Aide Horizons"), "aid"),
            fieldset(
                _("Vos études"),
                "h_level",
                "h_establishment_in_region",
                "h_recognised_diploma",
                "h_scholarship_holder",
                "h_apprentice",
            ),
            fieldset(
                _("Votre mobilité"),
                "h_kind",
                dates("h_start_date", "h_end_date"),
                "h_actual_end_date",
                "h_country",
                "h_subdivision",
                "h_in_curriculum",
            ),
            fieldset(_("Stage"), "h_monthly_gratification", aids="grant", kinds="internship"),
            fieldset(_("Chèque Coopération"), "h_partner_region", aids="cooperation"),
            fieldset(
                _("Chèque Eurocampus"), "h_ects_credits", "h_host_independent", aids="eurocampus"
            ),
            fieldset(_("Chèque Pegasus"), "h_pegasus_host", "h_pegasus_award", aids="pegasus"),
            fieldset(
                _("Chèque Humanitaire"), "h_humanitarian", "h_oda_country", aids="humanitarian"
            ),
            fieldset(_("Chèque Apprentis"), "h_employer_contribution", aids="apprentice"),
            fieldset(
                _("Autres aides pour cette mobilité"),
                "h_erasmus",
                "h_other_collectivity_grant",
                "h_crous_mobility_aid",
            ),
            fieldset(
                _("Aides Horizons déjà obtenues cette année universitaire"),
                HTML(
                    '{% load i18n %}<p class="form-text">'
                    "{% translate \"L'année universitaire va du 1er "
                    'septembre au 31 août, selon la date de début de la mobilité." %}</p>'
                ),
                "h_prior_grant_kind",
                "h_prior_grant_weeks",
                "h_prior_cheque",
                "h_prior_cheque_kind",
            ),
        ),
        group(
            "haute-garonne",
            "Haute-Garonne : Aide Jeune Médecin",
            fieldset(
                _("Vos études de médecine"),
                "hg_cycle",
                "hg_specialty",
                "hg_scholarship_holder",
                "hg_social_precarity",
            ),
            fieldset(
                _("Votre stage en Haute-Garonne"),
                dates("hg_start_date", "hg_end_date"),
                "hg_commune_insee",
                "hg_zone",
                "hg_indemnities",
            ),
        ),
        group(
            "aude",
            "Aude : aide aux étudiants en médecine",
            fieldset(
                _("Vos études de médecine"), "au_cycle", "au_faculty", "au_passed_first_year_exam"
            ),
            fieldset(
                _("Votre stage dans l'Aude"),
                dates("au_start_date", "au_end_date"),
                "au_specialty",
                "au_supervisor_commune_insee",
                "au_zone",
            ),
        ),
    )
