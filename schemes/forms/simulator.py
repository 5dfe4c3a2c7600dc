"""The student's simulator form: one form, one fieldset group per scheme.

The form only turns what the student typed into the contract's JSON payload (`payload()`) and
puts the engine's field errors back next to the matching field (`add_engine_errors()`). Which
fields are required, and every rule, stay in schemes/inputs.py and the engine: the page, the CLI
and the API share one validation path. Fields of the schemes not chosen are ignored, so the page
works without JavaScript (JavaScript only hides the fieldsets that do not apply).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from ..facts import HORIZONS_LEVELS
from .choices import (
    AID_CHOICES,
    FACULTY_CHOICES,
    FIELD_PATHS,
    INDEMNITY_CHOICES,
    KIND_CHOICES,
    LEVEL_LABELS,
    PRIOR_AWARD_FIELDS,
    PRIOR_CHEQUE_CHOICES,
    PRIOR_GRANT_CHOICES,
    SCHEME_CHOICES,
    SPECIALTY_CHOICES,
    ZONE_CHOICES,
    ZONE_HELP,
    country_choices,
)
from .fields import cycle_field, date_field, flag, insee_field, money_field, yes_no_unknown
from .layout import _layout


class SimulatorForm(forms.Form):
    # Every field is optional here: what a scheme requires is the engine's call (inputs.py), and
    # its "champ obligatoire" errors come back next to the field.
    scheme = forms.ChoiceField(
        label=_("Dispositif"), choices=SCHEME_CHOICES, widget=forms.RadioSelect
    )
    submitted_on = date_field(
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
    h_establishment_in_region = flag(
        _("Je suis inscrit(e) dans un établissement d'enseignement supérieur de la région")
    )
    h_recognised_diploma = flag(
        _("Je prépare un diplôme LMD ou visé par le ministère de l'Enseignement supérieur")
    )
    h_scholarship_holder = flag(_("Je suis boursier(ère) sur critères sociaux"))
    h_apprentice = flag(_("J'ai un contrat d'apprentissage"))
    h_kind = forms.ChoiceField(
        label=_("Type de mobilité"), choices=KIND_CHOICES, required=False, widget=forms.RadioSelect
    )
    h_start_date = date_field(_("Date de début de la mobilité"))
    h_end_date = date_field(_("Date de fin prévue"))
    h_actual_end_date = date_field(
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
    h_in_curriculum = flag(
        _("La mobilité compte pour mon diplôme (un seul organisme d'accueil, une période continue)")
    )
    h_monthly_gratification = money_field(
        _("Gratification mensuelle du stage, en euros"),
        _("0 si le stage n'est pas gratifié. Exemple : 554,40"),
    )
    h_partner_region = yes_no_unknown(
        _(
            "La destination est-elle une région partenaire de la Région "
            "(coopération décentralisée) ?"
        )
    )
    h_oda_country = yes_no_unknown(
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
    h_host_independent = flag(
        _("L'établissement d'accueil est indépendant de mon établissement (hors de son groupe)")
    )
    h_pegasus_host = flag(_("L'établissement d'accueil est membre du réseau Pegasus"))
    h_pegasus_award = flag(_("La mobilité prépare le Pegasus Award"))
    h_humanitarian = flag(_("Le stage a un but humanitaire"))
    h_employer_contribution = money_field(
        _("Prise en charge des frais de mobilité par l'employeur, en euros"), _("0 si aucune.")
    )
    h_erasmus = flag(_("Je reçois une bourse Erasmus pour cette mobilité"))
    h_other_collectivity_grant = flag(_("Je reçois une bourse d'une autre collectivité"))
    h_crous_mobility_aid = flag(_("Je reçois l'aide à la mobilité internationale du CROUS"))
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
    hg_cycle = cycle_field()
    hg_specialty = forms.ChoiceField(
        label=_("Spécialité"), choices=SPECIALTY_CHOICES, required=False
    )
    hg_scholarship_holder = flag(_("Je suis boursier(ère)"))
    hg_social_precarity = flag(_("Je suis en situation de précarité sociale"))
    hg_start_date = date_field(_("Date de début du stage"))
    hg_end_date = date_field(_("Date de fin du stage"))
    hg_commune_insee = insee_field(
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
    au_cycle = cycle_field()
    au_faculty = forms.ChoiceField(
        label=_("Faculté d'inscription"), choices=FACULTY_CHOICES, required=False
    )
    au_passed_first_year_exam = flag(_("J'ai réussi le concours de première année"), initial=True)
    au_start_date = date_field(_("Date de début du stage"))
    au_end_date = date_field(_("Date de fin du stage"))
    au_specialty = forms.ChoiceField(
        label=_("Discipline du stage"), choices=SPECIALTY_CHOICES, required=False
    )
    au_supervisor_commune_insee = insee_field(
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
