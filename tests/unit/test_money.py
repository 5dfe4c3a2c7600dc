"""Money: Decimal, one rounding (half up to the cent), output with two decimals."""

from decimal import Decimal

import pytest

from schemes.engine.money import eur, fmt, money


@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param(Decimal("0.005"), Decimal("0.01"), id="half-cent-up"),
        pytest.param(Decimal("0.004"), Decimal("0.00"), id="below-half-down"),
        pytest.param(Decimal("0.0049999"), Decimal("0.00"), id="just-below-half"),
        pytest.param(Decimal("2.675"), Decimal("2.68"), id="2.675-up-no-float-error"),
        pytest.param(Decimal("1.125"), Decimal("1.13"), id="half-up-not-banker"),
        pytest.param(Decimal("1120") * Decimal("0.60"), Decimal("672.00"), id="60pct-of-1120"),
        pytest.param(Decimal("910.13") * Decimal("0.60"), Decimal("546.08"), id="60pct-of-910.13"),
        pytest.param("554.4", Decimal("554.40"), id="string-input"),
        pytest.param(70, Decimal("70.00"), id="int-input"),
        pytest.param(Decimal("0"), Decimal("0.00"), id="zero"),
    ],
)
def test_money_rounds_half_up_to_the_cent(value, expected):
    result = money(value)
    assert result == expected
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    "value, expected",
    [
        pytest.param(Decimal("1120"), "1120.00", id="integer"),
        pytest.param(Decimal("672.0"), "672.00", id="one-decimal"),
        pytest.param(Decimal("0"), "0.00", id="zero"),
        pytest.param(Decimal("0.005"), "0.01", id="rounded"),
        pytest.param(Decimal("2520.00"), "2520.00", id="already-two"),
        pytest.param(Decimal("5"), "5.00", id="small"),
    ],
)
def test_fmt_gives_two_decimals(value, expected):
    assert fmt(value) == expected


def test_eur_french_display():
    assert eur(Decimal("1120")) == "1\u202f120,00 €"
    assert eur(Decimal("70")) == "70,00 €"
    assert eur(Decimal("500000")) == "500\u202f000,00 €"
