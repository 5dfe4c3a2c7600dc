"""Forms of the payment screens. They validate input only: every write goes through
payments.services (which also re-checks what matters: payable now, in the officer's authority,
execution date not past)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from applications.staff_forms import CONFIRM_LABEL
from schemes.models import Scheme

from .models import Instalment


class PayableFilterForm(forms.Form):
    """GET filters of the payable list. An invalid value is dropped (with a message), never an
    error page: `filters` keeps only the valid ones."""

    scheme = forms.ModelChoiceField(
        label=_("Dispositif"), required=False, queryset=Scheme.objects.none(), empty_label=_("Tous")
    )
    kind = forms.ChoiceField(
        label=_("Type d'échéance"), required=False, choices=[("", _("Tous"))] + list(Instalment.Kind.choices)
    )
    due_before = forms.DateField(
        label=_("Payable au plus tard le"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, schemes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = schemes

    @property
    def filters(self) -> dict:
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}

    def error_text(self) -> str:
        return "; ".join(str(self.fields[name].label) for name in self.errors if name in self.fields)


class IdListField(forms.Field):
    """The ticked instalments, as a list of primary keys. Which of them are really payable, and
    in the officer's authority, is the service's call (it refuses a selection with none)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Cochez au moins une échéance à payer."),
        "invalid": _("La sélection des échéances est invalide."),
    }

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, (list, tuple)):
            value = [value]
        try:
            ids = sorted({int(v) for v in value})
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if any(i <= 0 or i > 2**31 - 1 for i in ids):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return ids


class RunCreateForm(forms.Form):
    instalments = IdListField(label=_("Échéances"))
    execution_date = forms.DateField(
        label=_("Date d'exécution demandée"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label=CONFIRM_LABEL, required=True)
