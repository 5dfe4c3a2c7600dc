"""Forms of the screens after the decision: the student's recours gracieux (Art. 13) and change
report (Art. 10), the officer's answers. They validate input only; every write goes through
decisions.services."""

from __future__ import annotations

import pycountry
from django import forms
from django.utils.translation import gettext_lazy as _

from applications.forms import clean_insee, country_choices
from applications.uploads import UploadRefused, upload_content_type

from .models import ChangeReport

CONFIRM_REQUIRED = _("Cochez cette case pour confirmer.")


def _confirm(label):
    return forms.BooleanField(label=label, error_messages={"required": CONFIRM_REQUIRED})


def _answer(label):
    return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": 5}))


# --- Student: recours gracieux ----------------------------------------------------------------
class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe); an empty input gives []."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


MAX_APPEAL_FILES = 5


class DecisionReceiptForm(forms.Form):
    """The day the student received the decision, read on the proof of delivery (Art. 13)."""

    received_on = forms.DateField(
        label=_("Décision reçue le"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Date portée sur l'accusé de réception : le délai de recours de deux mois court à partir de ce jour."),
        error_messages={"required": _("Indiquez la date de réception."), "invalid": _("Date invalide.")},
    )
    confirm = _confirm(_("Je confirme la date de réception portée sur l'accusé de réception."))

    def service_kwargs(self) -> dict:
        return {"received_on": self.cleaned_data["received_on"]}


class PaperAppealForm(forms.Form):
    """An appeal received by post, recorded by an officer on its day of receipt (Art. 13)."""

    received_on = forms.DateField(
        label=_("Reçu le"), widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Date de réception du courrier (cachet du service) : le délai de recours s'apprécie à cette date."),
        error_messages={"required": _("Indiquez la date de réception."), "invalid": _("Date invalide.")},
    )
    grounds = forms.CharField(
        label=_("Motifs du recours (résumé ou transcription)"), widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Résumez les motifs du recours.")},
    )
    confirm = _confirm(_("Je confirme enregistrer ce recours reçu par courrier."))

    def service_kwargs(self) -> dict:
        return {"received_on": self.cleaned_data["received_on"], "grounds": self.cleaned_data["grounds"]}


class AppealForm(forms.Form):
    grounds = forms.CharField(
        label=_("Motifs de votre recours"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Expliquez ce que vous contestez dans la décision et pourquoi."),
        error_messages={"required": _("Exposez les motifs de votre recours.")},
    )
    documents = MultipleFileField(
        label=_("Pièces à l'appui (facultatif) : PDF, JPEG ou PNG, 10 Mo au plus chacune"),
        required=False,
    )
    confirm = _confirm(_("Je confirme former un recours gracieux contre cette décision."))

    def clean_documents(self):
        """The same checks as the service (on the content, never the name), made before the appeal
        is filed so that a bad file is refused with nothing written; the service checks again."""
        files = self.cleaned_data["documents"]
        if len(files) > MAX_APPEAL_FILES:
            raise forms.ValidationError(_("Joignez au plus %(n)d fichiers.") % {"n": MAX_APPEAL_FILES})
        for upload in files:
            try:
                upload_content_type(upload)
            except UploadRefused as exc:
                raise forms.ValidationError(f"{upload.name} : {exc.message}") from None
        return files


# --- Student: change report (Art. 10) ---------------------------------------------------------
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ChangeReportForm(forms.Form):
    """What changed, in words, and the new values the engine needs, turned into the contract's
    patch by `changes()`: {"mobility": {...}} for Horizons, {"internship": {...}} otherwise."""

    kind = forms.ChoiceField(label=_("Nature de la modification"), choices=ChangeReport.Kind.choices,
                             widget=forms.RadioSelect)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}),
                                  error_messages={"required": _("Décrivez la modification.")})
    start_date = forms.DateField(label=_("Nouvelle date de début"), required=False, widget=DATE_WIDGET,
                                 help_text=_("Modification des dates : si elle change."))
    end_date = forms.DateField(label=_("Nouvelle date de fin"), required=False, widget=DATE_WIDGET,
                               help_text=_("Modification des dates, prolongation ou interruption."))
    country = forms.ChoiceField(label=_("Nouveau pays de destination"), required=False, choices=country_choices)
    subdivision = forms.CharField(label=_("Région du pays (code ISO 3166-2, facultatif)"), required=False,
                                  max_length=6, help_text=_("Par exemple ES-CT pour la Catalogne."))
    commune_insee = forms.CharField(label=_("Nouvelle commune du stage (code INSEE)"), required=False,
                                    max_length=5, help_text=_("5 caractères, par exemple 31555 pour Toulouse."))

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme = application.scheme.code
        self.fields["kind"].choices = ChangeReport.kind_choices(self.scheme)
        self.section_name = "mobility" if self.scheme == "horizons" else "internship"
        self.section = (application.data or {}).get(self.section_name) or {}
        # Only the destination fields the scheme's contract knows are shown.
        if self.scheme == "horizons":
            del self.fields["commune_insee"]
        else:
            del self.fields["country"], self.fields["subdivision"]

    def clean_subdivision(self):
        value = self.cleaned_data["subdivision"].strip().upper()
        if value and pycountry.subdivisions.get(code=value) is None:
            raise forms.ValidationError(_("Code de région inconnu (exemple : ES-CT)."))
        return value

    def clean_commune_insee(self):
        value = self.cleaned_data["commune_insee"]
        return clean_insee(value) if value.strip() else ""

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        required = {
            ChangeReport.Kind.DATES: ("end_date",),
            ChangeReport.Kind.EXTENSION: ("end_date",),
            ChangeReport.Kind.INTERRUPTION: ("end_date",),
            ChangeReport.Kind.DESTINATION: ("country",) if self.scheme == "horizons" else ("commune_insee",),
        }.get(kind, ())
        for name in required:
            if name in self.fields and not data.get(name) and name not in self.errors:
                self.add_error(name, _("Indiquez-la pour ce type de modification."))
        start = data.get("start_date") or _iso(self.section.get("start_date"))
        end = data.get("end_date")
        if kind in (ChangeReport.Kind.DATES, ChangeReport.Kind.EXTENSION, ChangeReport.Kind.INTERRUPTION) \
                and start and end and end < start:
            self.add_error("end_date", _("La date de fin précède la date de début."))
        sub, country = data.get("subdivision"), data.get("country")
        if kind == ChangeReport.Kind.DESTINATION and sub and country and not sub.startswith(country + "-"):
            self.add_error("subdivision", _("Cette région n'appartient pas au pays choisi."))
        return data

    def changes(self) -> dict:
        """The patch of the declared situation, in the simulation contract's nested form."""
        d, kind = self.cleaned_data, self.cleaned_data["kind"]
        patch: dict = {}
        if kind == ChangeReport.Kind.DATES:
            if d.get("start_date"):
                patch["start_date"] = d["start_date"].isoformat()
            patch["end_date"] = d["end_date"].isoformat()
        elif kind == ChangeReport.Kind.EXTENSION:
            patch["end_date"] = d["end_date"].isoformat()
        elif kind == ChangeReport.Kind.INTERRUPTION:
            # Horizons Art. 9: a mobility cut short is paid for the weeks actually done; the
            # contract reads them from actual_end_date. The internship schemes have no such
            # field: the end date itself moves.
            key = "actual_end_date" if self.scheme == "horizons" else "end_date"
            patch[key] = d["end_date"].isoformat()
        elif kind == ChangeReport.Kind.DESTINATION:
            if self.scheme == "horizons":
                patch["country"] = d["country"]
                patch["subdivision"] = d.get("subdivision") or None
            elif self.scheme == "aude":
                patch["supervisor_commune_insee"] = d["commune_insee"]
            else:
                patch["commune_insee"] = d["commune_insee"]
        # A cancellation needs no new data: accepting it sets the aid to zero.
        return {self.section_name: patch} if patch else {}

    def service_kwargs(self) -> dict:
        return {"kind": self.cleaned_data["kind"], "description": self.cleaned_data["description"],
                "changes": self.changes()}


def _iso(value):
    from datetime import date

    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


# --- Officer: answers -------------------------------------------------------------------------
class AppealDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Suite donnée au recours"),
        widget=forms.RadioSelect,
        choices=[
            ("uphold", _("Maintenir la décision")),
            ("reopen", _("Réformer : rouvrir l'instruction (nouvelle décision en séance)")),
        ],
    )
    answer = _answer(_("Réponse motivée à l'étudiant"))
    confirm = _confirm(_("Je confirme cette réponse (elle est notifiée à l'étudiant et irréversible)."))

    def service_kwargs(self) -> dict:
        return {"uphold": self.cleaned_data["outcome"] == "uphold", "answer": self.cleaned_data["answer"]}


class ChangeDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Suite donnée au signalement"),
        widget=forms.RadioSelect,
        choices=[
            ("accept", _("Prendre en compte : décision modificative au montant recalculé")),
            ("refuse", _("Refuser le signalement")),
        ],
    )
    answer = _answer(_("Réponse motivée à l'étudiant"))
    confirm = _confirm(_("Je confirme cette réponse (elle est notifiée à l'étudiant et irréversible)."))

    def service_kwargs(self) -> dict:
        return {"accept": self.cleaned_data["outcome"] == "accept", "answer": self.cleaned_data["answer"]}
