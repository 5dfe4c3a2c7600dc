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


def eur(value: Decimal) -> str:
    """French display of an amount, for explanation texts: 1 120,00 EUR."""
    whole, cents = f"{money(value):.2f}".split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return f"{THIN_SPACE.join(groups)},{cents} €"
