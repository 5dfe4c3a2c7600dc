"""Admin of the schemes' data: dated parameters and the reference tables the rules read.

A figure of the regulations changes by adding a row with a later `valid_from`, never by
editing the old one: the engine reads the value in force on each case's date, so a new row
changes the answers from its date on and not before. The change form therefore locks the
scheme, key and date of an existing row; its value stays editable for genuine corrections.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .engine.parameters import PARAMETER_SPECS, value_kind
from .importers import check_country, check_subdivision
from .models import (
    Authority,
    OdaCountry,
    Parameter,
    PartnerRegion,
    PegasusInstitution,
    ReferenceVersion,
    Scheme,
    ZoningEntry,
)

NEW_ROW_HELP = _(
    "Une nouvelle valeur est une NOUVELLE ligne, avec une date « en vigueur à partir du » "
    "postérieure : elle s'applique aux dossiers et simulations à partir de cette date, et les "
    "périodes antérieures gardent l'ancienne valeur. Modifier la valeur d'une ligne existante "
    "réécrit l'histoire : ne le faire que pour corriger une erreur de saisie."
)
VALUE_HELP = {
    "decimal": _("Montant ou taux, point ou virgule décimale : 70.00, 0.60."),
    "integer": _("Nombre entier : 36."),
    "month_day": _("Mois-jour : 06-30 pour le 30 juin."),
    "json": _('Liste ou tableau au format JSON : ["ES-CT", "ES-IB"].'),
    "": _(
        "Montants et taux : 70.00 ou 0.60 ; nombres entiers : 36 ; mois-jour : 06-30 ; listes "
        'et tableaux au format JSON : ["ES-CT", "ES-IB"]. La forme attendue dépend du '
        "paramètre ; elle est vérifiée à l'enregistrement."
    ),
}


class ValidityFilter(admin.SimpleListFilter):
    """Rows in force today, expired, or to come (dated reference rows)."""

    title = _("validité")
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return [
            ("current", _("en vigueur aujourd'hui")),
            ("past", _("échues")),
            ("future", _("à venir")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "current":
            return queryset.valid_on(today)
        if self.value() == "past":
            return queryset.filter(valid_to__lt=today)
        if self.value() == "future":
            return queryset.filter(valid_from__gt=today)
        return queryset


def _key_choices() -> list:
    """Known keys grouped by scheme, labelled "scheme: key — label"; a key is valid only with
    its own scheme, which the model's clean() checks."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for (scheme, key), spec in sorted(PARAMETER_SPECS.items()):
        groups.setdefault(scheme, []).append((key, f"{scheme}: {key} — {spec.label}"))
    return [("", "---------"), *groups.items()]


def typed_value(kind: str, text: str):
    """The stored JSON value of what was typed: amounts and rates as a decimal string (what
    the engine reads exactly), counts as a number, lists and tables parsed from JSON. An amount
    typed the old way, in JSON quotes, is still understood."""
    text = text.strip()
    if kind == "decimal":
        try:
            return str(Decimal(text.strip('"').replace("\u202f", "").replace(" ", "").replace(",", ".")))
        except ArithmeticError:
            raise ValueError(text) from None
    if kind == "integer":
        return int(text)
    if kind == "month_day":
        return text.strip('"')
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(text) from None


class ParameterForm(forms.ModelForm):
    key = forms.ChoiceField(label=_("paramètre"), choices=_key_choices)

    # Typed by the parameter: a number for an amount, a rate or a count, text for a month-day,
    # JSON only for lists and tables; turned into the stored JSON value in clean().
    value = forms.CharField(label=_("valeur"))

    class Meta:
        model = Parameter
        fields = ["scheme", "key", "valid_from", "value", "source"]
        help_texts = {"valid_from": NEW_ROW_HELP}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind = self._kind(self.instance.scheme.code if self.instance.scheme_id else None, self.instance.key)
        if not self.instance.pk:
            # The add form opened with ?scheme=<pk>&key=<key> knows the parameter already.
            scheme = Scheme.objects.filter(pk=self.initial.get("scheme") or None).first()
            kind = self._kind(scheme.code if scheme else None, self.initial.get("key"))
        field = self.fields["value"]
        field.help_text = VALUE_HELP[kind]
        if kind == "decimal":
            field.widget = forms.NumberInput(attrs={"step": "0.01", "min": "0"})
        elif kind == "integer":
            field.widget = forms.NumberInput(attrs={"step": "1", "min": "0"})
        elif kind == "month_day":
            field.widget = forms.TextInput(attrs={"placeholder": "06-30", "size": 6})
        elif kind == "json":
            field.widget = forms.Textarea(attrs={"rows": 3})
        if self.instance.pk:
            value = self.instance.value
            self.initial["value"] = value if isinstance(value, (str, int)) else json.dumps(value, ensure_ascii=False)

    @staticmethod
    def _kind(scheme_code, key) -> str:
        return value_kind(scheme_code, key) if scheme_code and key else ""

    def clean(self):
        data = super().clean()
        scheme = data.get("scheme") or (self.instance.scheme if self.instance.scheme_id else None)
        key = data.get("key") or self.instance.key
        text = data.get("value")
        if text is None or scheme is None or not key:
            return data
        try:
            data["value"] = typed_value(value_kind(scheme.code, key), text)
        except ValueError:
            self.add_error("value", _("Cette valeur n'a pas la forme attendue pour ce paramètre."))
        return data

    def _update_errors(self, errors: ValidationError) -> None:
        # Model.clean() names the field at fault; on the change form `key` and `scheme` are
        # read-only, hence not form fields, and Django would raise instead of showing the
        # message (a 500). Such errors are shown at the top of the form instead.
        if hasattr(errors, "error_dict"):
            moved: dict[str, list] = {}
            for name, messages in errors.error_dict.items():
                target = (
                    name if name in self.fields or name == NON_FIELD_ERRORS else NON_FIELD_ERRORS
                )
                moved.setdefault(target, []).extend(messages)
            errors = ValidationError(moved)
        super()._update_errors(errors)


class ParameterInline(admin.TabularInline):
    """Read-only history of a scheme's values; changes go through the parameter admin."""

    model = Parameter
    fields = ["key", "valid_from", "value", "source"]
    readonly_fields = fields
    ordering = ["key", "valid_from"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "service", "email"]
    search_fields = ["name", "code"]
    # What the acknowledgement of receipt sent at submission gives (art. R112-11-1 CRPA).
    fields = ["code", "name", "service", "postal_address", "email", "phone"]


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "authority", "requires_establishment_opinion"]
    search_fields = ["code", "name", "authority"]
    ordering = ["code"]
    inlines = [ParameterInline]

    def get_readonly_fields(self, request, obj=None):
        # The code is what the rules, the API and every stored application refer to.
        return ["code"] if obj else []


@admin.register(Parameter)
class ParameterAdmin(admin.ModelAdmin):
    form = ParameterForm
    list_display = ["scheme", "key", "valid_from", "short_value", "source", "article"]
    list_filter = ["scheme", "key"]
    list_select_related = ["scheme"]
    search_fields = ["key", "source"]
    date_hierarchy = "valid_from"
    ordering = ["scheme__code", "key", "valid_from"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # History is protected: another date or key is another row, added as such.
        return ["scheme", "key", "valid_from", "article", "created_at"]

    def get_fields(self, request, obj=None):
        fields = ["scheme", "key", "valid_from", "value", "source"]
        return [*fields, "article", "created_at"] if obj else fields

    @admin.display(description=_("valeur"))
    def short_value(self, obj: Parameter) -> str:
        value = obj.value
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 80 else text[:77] + "..."

    @admin.display(description=_("article"))
    def article(self, obj: Parameter) -> str:
        return obj.article


class _CountryCheckedForm(forms.ModelForm):
    """Country (and subdivision) codes checked as the CSV import checks them."""

    def clean_country(self):
        try:
            return check_country(self.cleaned_data["country"])
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class PartnerRegionForm(_CountryCheckedForm):
    class Meta:
        model = PartnerRegion
        fields = ["name", "country", "subdivision", "valid_from", "valid_to"]
        help_texts = {"subdivision": _("Vide : tout le pays est partenaire.")}

    def clean(self):
        cleaned = super().clean()
        subdivision = cleaned.get("subdivision")
        if subdivision:
            try:
                cleaned["subdivision"] = check_subdivision(subdivision, cleaned.get("country"))
            except ValueError as exc:
                self.add_error("subdivision", str(exc))
        return cleaned


class OdaCountryForm(_CountryCheckedForm):
    class Meta:
        model = OdaCountry
        fields = ["country", "name", "valid_from", "valid_to"]


class PegasusInstitutionForm(_CountryCheckedForm):
    class Meta:
        model = PegasusInstitution
        fields = ["name", "country", "city", "active"]


@admin.register(ZoningEntry)
class ZoningEntryAdmin(admin.ModelAdmin):
    list_display = ["commune_insee", "commune_name", "category", "valid_from", "valid_to"]
    list_filter = ["category", ValidityFilter]
    # "^": an INSEE code is matched from its start, so "31" lists Haute-Garonne only.
    search_fields = ["^commune_insee", "commune_name"]
    date_hierarchy = "valid_from"
    ordering = ["commune_insee", "-valid_from"]


@admin.register(PartnerRegion)
class PartnerRegionAdmin(admin.ModelAdmin):
    form = PartnerRegionForm
    list_display = ["name", "country", "subdivision", "valid_from", "valid_to"]
    list_filter = ["country", ValidityFilter]
    search_fields = ["name", "country", "subdivision"]
    date_hierarchy = "valid_from"
    ordering = ["country", "subdivision", "valid_from"]


@admin.register(OdaCountry)
class OdaCountryAdmin(admin.ModelAdmin):
    form = OdaCountryForm
    list_display = ["country", "name", "valid_from", "valid_to"]
    list_filter = [ValidityFilter, "valid_from"]
    search_fields = ["country", "name"]
    date_hierarchy = "valid_from"
    ordering = ["country", "-valid_from"]


@admin.register(PegasusInstitution)
class PegasusInstitutionAdmin(admin.ModelAdmin):
    form = PegasusInstitutionForm
    list_display = ["name", "country", "city", "active"]
    list_filter = ["active", "country"]
    search_fields = ["name", "city", "country"]
    ordering = ["country", "name"]


@admin.register(ReferenceVersion)
class ReferenceVersionAdmin(admin.ModelAdmin):
    """Read only: when the cached parameters and reference tables last changed. Every save of
    the tables above bumps it; nobody edits it by hand."""

    list_display = ["token", "changed_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
