"""Filters of the letters (templates/letters/): the letter context is pure JSON, so dates arrive
as ISO strings and amounts as "1120.00"; they are written the French way here, with no locale
machinery, so that a letter renders byte for byte the same on any server, in any year."""

from __future__ import annotations

from datetime import date

from django import template

from schemes.engine import money

register = template.Library()

MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)


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
    return money.euros(value)
