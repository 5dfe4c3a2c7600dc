"""Forms of the commission screens. They validate input only: every write goes through
decisions.services (session_create, session_add_files, session_entry_record, ...), whose
ServiceError the views place next to the field it names."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from applications.staff_forms import CONFIRM_LABEL

from .models import Outcome


class SessionCreateForm(forms.Form):
    scheme = forms.ModelChoiceField(label=_("Dispositif"), queryset=None, empty_label=None)
    title = forms.CharField(label=_("Intitulé"), max_length=200)
    meeting_date = forms.DateField(
        label=_("Date de la commission"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, schemes, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the schemes of the officer's authority can be chosen: another id is "not a choice".
        self.fields["scheme"].queryset = schemes


class EntryDecisionForm(forms.Form):
    """The commission's decision on one file. The amount and motivation rules (amount within the
    regulation's, rejection motivated, quota/envelope) are the service's: its errors land here."""

    outcome = forms.ChoiceField(
        label=_("Décision"), choices=Outcome.choices, widget=forms.RadioSelect(attrs={"class": "form-check-input"})
    )
    amount = forms.DecimalField(
        label=_("Montant attribué (€)"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "inputmode": "decimal"}),
    )
    motivation = forms.CharField(
        label=_("Motivation (obligatoire pour un rejet)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
    )
    amount_derogation = forms.CharField(
        label=_("Motif de la dérogation au montant du règlement"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
    )
    quota_derogation = forms.CharField(
        label=_("Motif de la dérogation au quota ou à l'enveloppe"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"}),
    )

    @property
    def asks_amount_derogation(self) -> bool:
        """Show the derogation's reason once the service asked for it (or one was given)."""
        return bool(self.errors.get("amount_derogation")) or bool(self.initial.get("amount_derogation"))

    @property
    def asks_quota_derogation(self) -> bool:
        return bool(self.errors.get("quota_derogation")) or bool(self.initial.get("quota_derogation"))


class AddFilesForm(forms.Form):
    applications = forms.ModelMultipleChoiceField(
        label=_("Dossiers prêts pour décision"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Cochez au moins un dossier.")},
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        # A file of another scheme or authority, or already on an agenda, is "not a valid choice".
        self.fields["applications"].queryset = candidates


class CloseSessionForm(forms.Form):
    confirm = forms.BooleanField(label=CONFIRM_LABEL, required=True)
