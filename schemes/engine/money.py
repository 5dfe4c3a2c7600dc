"""Money: Decimal only, rounded half up to the cent in one place."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
THIN_SPACE = "\u202f"  # French thousands separator


def money(value: Decimal | int | str) -> Decimal:
    """Round to the cent, half up (0.005 -> 0.01), as public accounting does."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(value: Decimal) -> str:
    """The contract's output form: a string with two decimals, in euros ("1120.00")."""
    return f"{money(value):.2f}"


NBSP = "\u00a0"  # between the amount and its currency sign: never split across lines


def _grouped(value: Decimal) -> str:
    """Decimal -> "-1\u202f120,00": thousands by a narrow no-break space, a decimal comma."""
    amount = money(value)
    whole, cents = f"{abs(amount):.2f}".split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{'-' if amount < 0 else ''}{THIN_SPACE.join(groups)},{cents}"


def euros(value: Decimal | int | str | None) -> str:
    """The one way the portal writes an amount for people (pages, letters, e-mails, exports
    meant to be read): 1540 -> "1\u202f540,00\u00a0€". Pure and locale-free, so that a letter
    renders byte for byte the same on any server; None or "" give "", a non-number itself."""
    if value is None or value == "":
        return ""
    try:
        return f"{_grouped(Decimal(str(value)))}{NBSP}€"
    except (ArithmeticError, ValueError):
        return str(value)


def eur(value: Decimal) -> str:
    """French display of an amount, for the engine's explanation texts: 1 120,00 €."""
    return f"{_grouped(value)} €"
