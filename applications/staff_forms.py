"""Forms of the staff screens (establishment and officers). They validate input only: every write
goes through applications.services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Establishment
from schemes.forms import AID_CHOICES
from schemes.models import Scheme

from .documents import KINDS
from .states import State

CONFIRM_LABEL = _("Je confirme cette action (elle est irréversible)")


class QueueFilterForm(forms.Form):
    """The officer queue's GET filters. An invalid value is dropped (with a message), never an
    error page: `cleaned_data` keeps only the valid ones."""

    q = forms.CharField(label=_("Nom ou référence"), required=False, max_length=100)
    state = forms.ChoiceField(
        label=_("État"),
        required=False,
        choices=[("", _("Tous"))] + [(s.value, s.label) for s in State if s != State.DRAFT],
    )
    year = forms.TypedChoiceField(
        label=_("Année universitaire"), required=False, coerce=int, empty_value=None
    )
    scheme = forms.ModelChoiceField(
        label=_("Dispositif"), required=False, queryset=Scheme.objects.none(), empty_label=_("Tous")
    )
    establishment = forms.ModelChoiceField(
        label=_("Établissement"),
        required=False,
        queryset=Establishment.objects.all(),
        empty_label=_("Tous"),
    )
    aid = forms.ChoiceField(
        label=_("Aide"), required=False, choices=[("", _("Toutes"))] + list(AID_CHOICES)
    )
    due_soon = forms.BooleanField(label=_("Échéance proche (14 jours)"), required=False)
    overdue = forms.BooleanField(label=_("Pièces attendues, délai dépassé"), required=False)

    def __init__(self, *args, years: list[int], schemes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("Toutes"))] + [(y, f"{y}-{y + 1}") for y in years]
        self.fields["scheme"].queryset = schemes

    @property
    def filters(self) -> dict:
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}

    def error_text(self) -> str:
        return "; ".join(
            f"{self.fields[name].label}" for name in self.errors if name in self.fields
        )


class OpinionForm(forms.Form):
    favourable = forms.TypedChoiceField(
        label=_("Avis de l'établissement"),
        widget=forms.RadioSelect,
        choices=[("1", _("Favorable")), ("0", _("Défavorable"))],
        coerce=lambda v: v == "1",
    )
    comment = forms.CharField(
        label=_("Commentaire"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )
    confirm = forms.BooleanField(
        label=_("Je valide l'avis (il ne pourra plus être modifié)"), required=True
    )


class DocumentRequestForm(forms.Form):
    items = forms.MultipleChoiceField(
        label=_("Pièces demandées"),
        choices=list(KINDS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    message = forms.CharField(
        label=_("Message à l'étudiant"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    confirm = forms.BooleanField(label=CONFIRM_LABEL, required=True)

    def __init__(self, *args, kinds: tuple[str, ...] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the pieces the scheme's text requires of this file may hold it up (L114-5 CRPA).
        if kinds is not None:
            self.fields["items"].choices = [(k, KINDS[k]) for k in kinds]


class ExtendForm(forms.Form):
    until = forms.DateField(
        label=_("Nouvelle date limite"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=_("Motif de la prolongation"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )


class MarkReadyForm(forms.Form):
    confirm = forms.BooleanField(label=CONFIRM_LABEL, required=True)


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du classement sans suite"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )
    confirm = forms.BooleanField(label=CONFIRM_LABEL, required=True)


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10000
    )
    attachment = forms.FileField(label=_("Pièce jointe (PDF, JPEG ou PNG)"), required=False)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note interne"), widget=forms.Textarea(attrs={"rows": 2}), max_length=10000
    )
