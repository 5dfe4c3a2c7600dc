"""Payment schedules, per scheme (pure: dates and Decimal in, instalments out).

- Horizons (Art. 9): 60 % at the signature of the arrêté; the balance on the beneficiary's request
  with proofs, before 31 December of the academic year following the mobility's.
- Aude: one payment during the last month of the internship, once the agreement is signed.
- Haute-Garonne: monthly instalments over the internship, once the commitment is accepted.
The balance is always total minus what came before, so the instalments add up to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from schemes.engine.durations import academic_year_start, whole_months
from schemes.engine.money import money


@dataclass(frozen=True)
class Instalment:
    label: str
    amount: Decimal
    due_on: date  # the earliest day it may be paid
    condition: str  # what must be true before it is paid
    article: str
    latest_on: date | None = None  # after this day it lapses (Horizons balance)
    pay_by: date | None = None  # the texts' last day to pay it; paid later, it is late (Aude)


def horizons_schedule(*, amount: Decimal, advance_rate: Decimal, act_date: date, mobility_start: date,
                      balance_deadline: tuple[int, int] = (12, 31)) -> list[Instalment]:
    """`balance_deadline` (month, day): the balance is asked before that day of the academic
    year following the mobility's (Art. 9: 31 December)."""
    month, day = balance_deadline
    advance = money(amount * advance_rate)
    following = academic_year_start(mobility_start) + 1
    # The academic year following the mobility's runs 1 September `following` to 31 August after.
    year = following if (month, day) >= (9, 1) else following + 1
    balance_deadline = date(year, month, day)
    return [
        Instalment("Avance (60 %)", advance, act_date, "signature de l'arrêté attributif", "Art. 9"),
        Instalment(
            "Solde", amount - advance, act_date,
            "sur demande, avec l'attestation de séjour ou de stage aux dates effectives et la notification "
            "définitive de bourse", "Art. 9", latest_on=balance_deadline,
        ),
    ]


def aude_schedule(*, amount: Decimal, start: date, end: date) -> list[Instalment]:
    # The last month is the one ending on `end`: an internship ending 30 November is paid from
    # 1 November (the day after the end, one month back).
    last_month_starts = max(start, end + timedelta(days=1) - relativedelta(months=1))
    return [
        Instalment(
            "Versement unique", amount, last_month_starts,
            "convention signée ; versement au cours du dernier mois de stage", "Session du 22 décembre 2017",
            # "L'aide est versée au cours du dernier mois de stage": a later payment is late, never
            # moved after the internship's end.
            pay_by=end,
        )
    ]


def haute_garonne_schedule(*, amount: Decimal, start: date, end: date, max_months: int) -> list[Instalment]:
    months = max(1, min(whole_months(start, end), max_months))
    monthly = money(amount / months)
    out, paid = [], Decimal("0.00")
    for k in range(1, months + 1):
        share = monthly if k < months else amount - paid  # the last one takes the rounding rest
        paid += share
        out.append(
            Instalment(
                f"Mensualité {k}/{months}", share, start + relativedelta(months=k) - timedelta(days=1),
                "engagement accepté", "Délibération du 27 mai 2021",
            )
        )
    return out
