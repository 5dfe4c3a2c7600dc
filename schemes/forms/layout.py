"""The simulator page's layout (crispy-forms): one group per scheme, one fieldset per topic."""

from __future__ import annotations

from crispy_forms.layout import HTML, Div, Fieldset, Layout
from django.utils.translation import gettext_lazy as _


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
