"""Filters of the letters (templates/letters/): the letter context is pure JSON, so dates arrive
as ISO strings and amounts as "1120.00"; they are written the French way here, with no locale
machinery, so that a letter renders byte for byte the same on any server, in any year."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()

MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)
THIN_NBSP = "\u202f"  # French thousands separator, never broken across lines
NBSP = "\u00a0"


@register.filter
def fr_date(value: str | None) -> str:
    """"2025-07-03" -> "3 juillet 2025" (the 1st is "1er")."""
    if not value:
        return ""
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    first = "1er" if day.day == 1 else str(day.day)
    return f"{first} {MONTHS[day.month - 1]} {day.year}"


@register.filter
def fr_date_short(value: str | None) -> str:
    """"2025-07-03" -> "03/07/2025"."""
    if not value:
        return ""
    try:
        return date.fromisoformat(str(value)).strftime("%d/%m/%Y")
    except ValueError:
        return str(value)


@register.filter
def euros(value: str | None) -> str:
    """"1120.00" -> "1 120,00 €" (thin no-break space between thousands, no break before €)."""
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return str(value)
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):.2f}".split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{sign}{THIN_NBSP.join(groups)},{cents}{NBSP}€"
