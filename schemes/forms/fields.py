"""Field factories of the simulator form, one per kind of input."""

from __future__ import annotations

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ..inputs import DATE_MAX, DATE_MIN
from .choices import CYCLE_CHOICES, UNKNOWN_YES_NO


class BoundedDateField(forms.DateField):
    """A date between DATE_MIN and DATE_MAX (schemes.inputs), the range the engine accepts: a
    typo such as 9999-12-31 is refused next to its field instead of overflowing date arithmetic
    further on. Used by the simulator and by the student's application form."""

    def validate(self, value):
        super().validate(value)
        if value is not None and not DATE_MIN <= value <= DATE_MAX:
            raise forms.ValidationError(
                _("Saisissez une date entre le %(min)s et le %(max)s."),
                code="date_out_of_range",
                params={"min": date_format(DATE_MIN, "SHORT_DATE_FORMAT"),
                        "max": date_format(DATE_MAX, "SHORT_DATE_FORMAT")},
            )


def date_field(label, help_text="") -> forms.DateField:
    return BoundedDateField(
        label=label,
        required=False,
        help_text=help_text,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def money_field(label, help_text="") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        help_text=help_text,
        min_value=0,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def insee_field(label, help_text) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=5,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 6}),
    )


def yes_no_unknown(label) -> forms.TypedChoiceField:
    # Left unknown, the key is left out of the payload and the portal uses its own tables.
    return forms.TypedChoiceField(
        label=label,
        choices=UNKNOWN_YES_NO,
        required=False,
        coerce=lambda v: v == "true",
        empty_value=None,
        help_text=_("Si vous ne savez pas, le portail consulte ses propres listes."),
    )


def cycle_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("Cycle des études médicales"),
        choices=CYCLE_CHOICES,
        required=False,
        coerce=int,
        empty_value=None,
    )


def flag(label, help_text="", initial=False) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False, help_text=help_text, initial=initial)
