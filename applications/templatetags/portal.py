"""Template helpers of the portal's pages: who the user is (for the navigation), aid labels and
the declared situation in words.

Presentation only: nothing here decides what a user may do. The pages' permissions stay in the
apps' rules.py; the navigation only hides links that would answer 403.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms, template
from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import translate_url
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from schemes.engine import money
from schemes.forms import AID_CHOICES, FIELD_PATHS, KIND_CHOICES, LEVEL_LABELS, SimulatorForm

register = template.Library()


# --- Navigation -------------------------------------------------------------------------------
@dataclass(frozen=True)
class NavRoles:
    authenticated: bool = False
    establishment: bool = False
    officer: bool = False
    admin: bool = False

    @property
    def student(self) -> bool:
        # Staff accounts are never used to apply: their links would only clutter the menu.
        return self.authenticated and not (self.establishment or self.officer or self.admin)


ANONYMOUS = NavRoles()


def nav_roles(user) -> NavRoles:
    """The user's roles for the menu: one query at most, kept on the user object.

    The permission checks' own cache (accounts.rules.roles_of) is reused when a view has
    already filled it, so a staff page costs no query at all for its menu."""
    # A page rendered without a request (an error page) has no user: it gets the anonymous menu.
    if not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, "_nav_roles_cache", None)
    if cached is not None:
        return cached
    checked = getattr(user, "_roles_cache", None)
    if checked is not None:
        establishment = bool(checked.establishment_ids)
        officer = checked.officer_authority_id is not None
    else:
        from accounts.models import EstablishmentMembership, OfficerMembership, User

        row = (
            User.objects.filter(pk=user.pk)
            .annotate(
                is_establishment=Exists(EstablishmentMembership.objects.filter(user=OuterRef("pk"))),
                is_officer=Exists(OfficerMembership.objects.filter(user=OuterRef("pk"))),
            )
            .values("is_establishment", "is_officer")
            .first()
        ) or {"is_establishment": False, "is_officer": False}
        establishment, officer = row["is_establishment"], row["is_officer"]
    roles = NavRoles(
        authenticated=True, establishment=establishment, officer=officer, admin=user.is_staff
    )
    user._nav_roles_cache = roles
    return roles


@register.simple_tag
def portal_roles(user) -> NavRoles:
    """`{% portal_roles request.user as roles %}` then `roles.student`, `roles.officer`..."""
    return nav_roles(user)


@register.simple_tag(takes_context=True)
def nav_section(context) -> str:
    """The menu entry of the current page: simulator, student, establishment, officer or ''."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if match.namespace == "schemes" and match.url_name == "simulator":
        return "simulator"
    name = match.url_name or ""
    if match.namespace == "payments":
        if name.startswith("student_") or name == "balance_request":
            return "student"
        if name in ("orders", "order_detail", "breach"):
            return "recovery"
        if name.startswith("authority_dashboard") or name == "follow_up_record":
            return "dashboard"
        return "payments"
    if match.namespace != "applications":
        return ""
    if name.startswith("establishment_"):
        return "establishment"
    if name.startswith("session_"):
        return "commission"
    if name in ("aftercare_queue", "appeal_review", "change_review"):
        return "aftercare"
    if name.startswith("officer_"):
        return "officer"
    return "student"


@register.simple_tag(takes_context=True)
def switcher_next(context) -> str:
    """The current page's URL in the default language, for the language switcher's `next`.

    Django's set_language view runs in the default language (its URL has no prefix), so it
    cannot resolve "/en/..." to translate it: the English page would be sent back unchanged
    and French could never be chosen again. Giving it the unprefixed URL works both ways."""
    request = context.get("request")
    if request is None:
        return "/"
    return translate_url(request.get_full_path(), settings.LANGUAGE_CODE)


# --- Aids -------------------------------------------------------------------------------------
AID_LABELS = dict(AID_CHOICES)


@register.filter
def aid_label(code) -> str:
    """`grant` -> "Bourse d'études et de stage"; an unknown code is shown as it is."""
    if not code:
        return ""
    return str(AID_LABELS.get(code, code))


# --- Declared situation -----------------------------------------------------------------------
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class SituationRow:
    label: str
    value: str
    # True when no form field describes the key: the template shows the raw path in monospace.
    raw: bool = False

    # Unpacks as (label, value), as the rows of the review page do.
    def __iter__(self):
        return iter((self.label, self.value))


def _yes_no(value: bool) -> str:
    return _("Oui") if value else _("Non")


def _date(value: str) -> str:
    try:
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    except ValueError:
        return value


def _money(value) -> str:
    return money.euros(value)


@register.filter
def euros(value) -> str:
    """`{{ amount|euros }}` -> "1 540,00 €": every amount a page shows goes through here."""
    return money.euros(value)


def _choice_labels(field: forms.Field) -> dict[str, str]:
    choices = getattr(field, "choices", None) or []
    return {str(code): str(label) for code, label in choices if code not in ("", None)}


def _humanise(value: Any, field: forms.Field | None) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _yes_no(value)
    if field is not None and hasattr(field, "choices"):
        labels = _choice_labels(field)
        if isinstance(value, list):
            return ", ".join(labels.get(str(v), str(v)) for v in value)
        return labels.get(str(value), str(LEVEL_LABELS.get(value, value)))
    if isinstance(field, forms.DateField) or (isinstance(value, str) and ISO_DATE.match(value)):
        return _date(str(value))
    # Money fields are the only ones with cents (schemes.forms.fields.money_field).
    if isinstance(field, forms.DecimalField) and field.decimal_places == 2:
        return _money(value)
    if isinstance(field, (forms.DecimalField, forms.IntegerField)):
        try:
            return number_format(Decimal(str(value)), use_l10n=True)
        except InvalidOperation:
            return str(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _prior_award(award: dict) -> str:
    kinds = dict(KIND_CHOICES)
    text = aid_label(award.get("aid")) or "—"
    details = []
    if award.get("kind"):
        details.append(str(kinds.get(award["kind"], award["kind"])))
    if award.get("weeks") is not None:
        weeks = award["weeks"]
        details.append(ngettext("%(n)s semaine", "%(n)s semaines", weeks) % {"n": weeks})
    return f"{text} ({', '.join(details)})" if details else text


def situation_rows(data: dict, scheme_code: str) -> list[SituationRow]:
    """application.data as (label, value) rows, in the order it was stored.

    Labels are the simulator form's own (schemes.forms.FIELD_PATHS maps each field to its path
    in the payload), so the officer reads the question the student answered. A key no field
    describes falls back to its path."""
    fields = SimulatorForm.base_fields
    by_path = {path: fields[name] for name, path in FIELD_PATHS.get(scheme_code, {}).items()}
    by_path["scheme"] = fields["scheme"]
    rows: list[SituationRow] = []

    def walk(node: dict, prefix: str) -> None:
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            field = by_path.get(path)
            if isinstance(value, dict) and field is None:
                walk(value, path)
            elif path == "prior_awards" and isinstance(value, list):
                label = _("Aides Horizons déjà obtenues cette année universitaire")
                shown = "; ".join(_prior_award(a) for a in value if isinstance(a, dict)) or _(
                    "Aucune"
                )
                rows.append(SituationRow(label, shown))
            elif field is not None:
                rows.append(SituationRow(str(field.label), _humanise(value, field)))
            else:
                rows.append(SituationRow(path, _humanise(value, None), raw=True))

    walk(data or {}, "")
    return rows


@register.simple_tag
def declared_situation(application) -> list[SituationRow]:
    """`{% declared_situation application as rows %}`: the file's situation in words."""
    return situation_rows(application.data, application.scheme.code)
