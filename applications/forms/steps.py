"""The draft's first and last steps: creating it, the student's identity, the bank details."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from accounts.models import Establishment
from schemes.forms import BoundedDateField
from schemes.models import Scheme

from .fields import AID_CHOICES


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
