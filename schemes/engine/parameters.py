"""Dated parameters, as the engine sees them.

Every figure of the regulations (70 EUR a week, duration bands, the 36-week cap, chèque tiers,
200/400 EUR a month, the 6-month cap, quotas, the legal gratification threshold, the 60 %
advance...) is a *dated value* stored in the database (schemes.models.Parameter) and editable in
the admin. A value applies from its `valid_from` date until the next value of the same key.

This module is pure: `PARAMETER_SPECS` says, for each key, which article it comes from and how a
stored JSON value is checked and turned into Python; `ParameterTimeline` holds every version of
every key of one scheme and answers "what was in force on that day" without touching the
database, so a batch of 10,000 simulations loads the table once.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from .money import money


class ParameterError(ValueError):
    """A stored value does not have the shape its key requires."""


class ParameterMissing(LookupError):
    """No value of a required key is in force on the requested date."""

    def __init__(self, scheme: str, key: str, on: date):
        self.scheme, self.key, self.on = scheme, key, on
        super().__init__(f"{scheme}: no value of '{key}' in force on {on.isoformat()}")


# --- Parsers: stored JSON -> Python values ------------------------------------------------
def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise ParameterError("a number is expected")
    try:
        value = Decimal(str(raw))
    except InvalidOperation as exc:
        raise ParameterError("a number is expected") from exc
    if not value.is_finite() or value < 0:
        raise ParameterError("a positive number is expected")
    return value


def _amount(raw: Any) -> Decimal:
    return money(_decimal(raw))


def _rate(raw: Any) -> Decimal:
    value = _decimal(raw)
    if value > 1:
        raise ParameterError("a rate between 0 and 1 is expected (0.60 for 60 %)")
    return value


def _count(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise ParameterError("a whole number >= 0 is expected")
    return raw


def _codes(raw: Any) -> frozenset[str]:
    if not isinstance(raw, list) or not all(isinstance(x, str) and x for x in raw):
        raise ParameterError("a list of codes is expected")
    return frozenset(raw)


def _level_weeks(raw: Any) -> Mapping[str, int]:
    if not isinstance(raw, dict):
        raise ParameterError('an object {"LEVEL": weeks} is expected')
    return {str(level): _count(weeks) for level, weeks in raw.items()}


def _bands(raw: Any) -> Mapping[str, Mapping[str, tuple[int, int]]]:
    """{"study": {"L3": [12, 36], ...}, "internship": {...}}: weeks [minimum, maximum]."""
    if not isinstance(raw, dict) or not set(raw) <= {"study", "internship"}:
        raise ParameterError('an object {"study": {...}, "internship": {...}} is expected')
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for kind, levels in raw.items():
        if not isinstance(levels, dict):
            raise ParameterError(f"{kind}: an object {{LEVEL: [min, max]}} is expected")
        out[kind] = {}
        for level, band in levels.items():
            if not (isinstance(band, list) and len(band) == 2):
                raise ParameterError(f"{kind}.{level}: [minimum, maximum] weeks expected")
            low, high = _count(band[0]), _count(band[1])
            if low > high:
                raise ParameterError(f"{kind}.{level}: the minimum exceeds the maximum")
            out[kind][level] = (low, high)
    return out


def _tiers(raw: Any) -> tuple[tuple[int, Decimal], ...]:
    """[[6, "300.00"], [12, "600.00"]]: from N full weeks on, the chèque is worth the amount."""
    if not isinstance(raw, list) or not raw:
        raise ParameterError('a list [[weeks, "amount"], ...] is expected')
    tiers = []
    for item in raw:
        if not (isinstance(item, list) and len(item) == 2):
            raise ParameterError('each tier is [weeks, "amount"]')
        tiers.append((_count(item[0]), _amount(item[1])))
    tiers.sort()
    if any(a[1] > b[1] for a, b in zip(tiers, tiers[1:], strict=False)):
        raise ParameterError("a longer tier cannot be worth less than a shorter one")
    return tuple(tiers)


def _month_day(raw: Any) -> tuple[int, int]:
    """"06-30": a day of the year (month-day)."""
    try:
        month, day = (int(x) for x in str(raw).split("-"))
        date(2024, month, day)  # a leap year accepts every real month-day
    except (ValueError, TypeError) as exc:
        raise ParameterError('a month-day such as "06-30" is expected') from exc
    return month, day


def _cheque_minimums(raw: Any) -> Mapping[str, Mapping[str, int]]:
    if not isinstance(raw, dict):
        raise ParameterError('an object {"aid": {"LEVEL": weeks}} is expected')
    return {str(aid): _level_weeks(levels) for aid, levels in raw.items()}


@dataclass(frozen=True)
class ParameterSpec:
    scheme: str
    key: str
    label: str
    article: str
    parse: Callable[[Any], Any]


def _month_days(raw: Any) -> tuple[tuple[int, int], ...]:
    """["05-01", "11-01"]: days of the year, in order (the starts of the 6-month sessions)."""
    if not isinstance(raw, list) or not raw:
        raise ParameterError('a list of month-days such as ["05-01", "11-01"] is expected')
    days = tuple(_month_day(x) for x in raw)
    if list(days) != sorted(set(days)):
        raise ParameterError("the month-days must be distinct and in order")
    return days


def _spec(scheme, key, label, article, parse):
    return ParameterSpec(scheme, key, label, article, parse)


HZ, AU, HG = "horizons", "aude", "haute-garonne"
HG_ACT = "Délibération du 27 mai 2021"
AU_ACT = "Session du 22 décembre 2017"

PARAMETER_SPECS: dict[tuple[str, str], ParameterSpec] = {
    (s.scheme, s.key): s
    for s in [
        _spec(HZ, "eligible_levels", "Niveaux d'études éligibles", "Art. 1", _codes),
        _spec(HZ, "overseas_codes", "Codes pays de l'outre-mer français (hors DOM-TOM)", "Art. 1", _codes),
        _spec(HZ, "weekly_rate", "Bourse : montant par semaine complète (EUR)", "Art. 6", _amount),
        _spec(HZ, "grant_bands", "Bourse : durées minimale et maximale par niveau (semaines)", "Art. 2", _bands),
        _spec(HZ, "annual_weeks_cap", "Bourse : semaines au plus par année universitaire", "Art. 2", _count),
        _spec(HZ, "gratification_ceiling", "Gratification mensuelle minimale légale des stagiaires (EUR)", "Art. 2", _amount),
        _spec(HZ, "cheque_tiers", "Chèques : montant selon la durée (semaines complètes)", "Art. 3", _tiers),
        _spec(HZ, "cheque_minimum_weeks", "Chèques : durée minimale par chèque et par niveau (semaines)", "Art. 3", _cheque_minimums),
        _spec(HZ, "eurocampus_subdivisions", "Chèque Eurocampus : subdivisions éligibles (ISO 3166-2)", "Art. 3", _codes),
        _spec(HZ, "pegasus_amount", "Chèque Pegasus : montant (EUR)", "Art. 3", _amount),
        _spec(HZ, "pegasus_minimum_months", "Chèque Pegasus : durée minimale (mois)", "Art. 3", _count),
        _spec(HZ, "apprentice_employer_max_share", "Chèque Apprentis : part maximale prise en charge par l'employeur", "Art. 3", _rate),
        _spec(HZ, "apprentice_state_share", "Chèque Apprentis : part cofinancée par l'État", "Art. 3", _rate),
        _spec(HZ, "advance_rate", "Avance versée à la signature de l'arrêté", "Art. 9", _rate),
        _spec(HZ, "academic_year_start", "Début de l'année universitaire (mois-jour)", "Art. 5", _month_day),
        _spec(HZ, "submission_deadline", "Date limite de dépôt, fin de l'année universitaire (mois-jour)", "Art. 5", _month_day),
        _spec(HZ, "balance_deadline", "Solde : à demander avant ce jour de l'année universitaire suivante (mois-jour)", "Art. 9", _month_day),
        _spec(HZ, "annual_envelope", "Enveloppe budgétaire de l'année (EUR)", "Art. 7", _amount),
        _spec(AU, "required_cycle", "Cycle d'études requis", AU_ACT, _count),
        _spec(AU, "eligible_faculties", "Facultés d'inscription éligibles", AU_ACT, _codes),
        _spec(AU, "monthly_rent", "Aide au loyer par mois (EUR)", AU_ACT, _amount),
        _spec(AU, "monthly_travel", "Aide aux déplacements par mois (EUR)", AU_ACT, _amount),
        _spec(AU, "max_months", "Durée prise en charge au plus (mois)", AU_ACT, _count),
        _spec(AU, "session_quota", "Étudiants aidés par session de 6 mois", AU_ACT, _count),
        _spec(AU, "session_starts", "Débuts des sessions de stage de 6 mois (mois-jour)", AU_ACT, _month_days),
        _spec(AU, "annual_student_cap", "Aide au plus par étudiant et par an, tous dossiers (EUR)", AU_ACT, _amount),
        _spec(HG, "required_cycle", "Cycle d'études requis", HG_ACT, _count),
        _spec(HG, "monthly_travel", "Indemnité de déplacement par mois (EUR)", HG_ACT, _amount),
        _spec(HG, "monthly_housing", "Indemnité de logement par mois (EUR)", HG_ACT, _amount),
        _spec(HG, "max_months", "Durée prise en charge au plus par stage (mois)", HG_ACT, _count),
        _spec(HG, "annual_quota", "Bénéficiaires par année universitaire", HG_ACT, _count),
    ]
}


def value_kind(scheme: str, key: str) -> str:
    """How a person enters the key's value: "decimal" (amounts, rates, stored as a string),
    "integer", "month_day" ("06-30") or "json" (lists and tables), "" for an unknown key."""
    spec = PARAMETER_SPECS.get((scheme, key))
    if spec is None:
        return ""
    kinds = {_amount: "decimal", _rate: "decimal", _count: "integer", _month_day: "month_day"}
    return kinds.get(spec.parse, "json")


def parse_value(scheme: str, key: str, raw: Any) -> Any:
    """Check a stored JSON value against its key's spec and return the Python value."""
    try:
        spec = PARAMETER_SPECS[(scheme, key)]
    except KeyError as exc:
        raise ParameterError(f"unknown parameter '{key}' for scheme '{scheme}'") from exc
    return spec.parse(raw)


@dataclass(frozen=True)
class ParameterValue:
    """One dated value: what a decision snapshot records of each parameter it used."""

    key: str
    value: Any
    valid_from: date
    article: str
    # The stored JSON, so that a decision's snapshot can rebuild exactly this value later.
    raw: Any = field(default=None, compare=False)


class ParameterSnapshot:
    """The values of one scheme in force on one day; records which ones the engine reads."""

    def __init__(self, scheme: str, on: date, values: Mapping[str, ParameterValue]):
        self.scheme, self.on = scheme, on
        self._values = values
        self._used: dict[str, ParameterValue] = {}

    def __getitem__(self, key: str) -> Any:
        try:
            item = self._values[key]
        except KeyError:
            raise ParameterMissing(self.scheme, key, self.on) from None
        self._used[key] = item
        return item.value

    def used(self) -> tuple[ParameterValue, ...]:
        return tuple(sorted(self._used.values(), key=lambda v: v.key))

    def in_force(self) -> tuple[ParameterValue, ...]:
        """Every value in force on the day, read or not (what a decision's snapshot keeps, so a
        later computation on the same file, such as its settlement, uses the same figures)."""
        return tuple(sorted(self._values.values(), key=lambda v: v.key))


class ParameterTimeline:
    """Every version of every parameter of one scheme; immutable once built."""

    def __init__(self, scheme: str, values: Iterable[ParameterValue]):
        self.scheme = scheme
        by_key: dict[str, list[ParameterValue]] = {}
        for item in values:
            by_key.setdefault(item.key, []).append(item)
        self._keys = {k: sorted(v, key=lambda x: x.valid_from) for k, v in by_key.items()}
        self._starts = {k: [x.valid_from for x in v] for k, v in self._keys.items()}

    def at(self, on: date) -> ParameterSnapshot:
        current: dict[str, ParameterValue] = {}
        for key, versions in self._keys.items():
            index = bisect.bisect_right(self._starts[key], on) - 1
            if index >= 0:
                current[key] = versions[index]
        return ParameterSnapshot(self.scheme, on, current)

    def first_date(self) -> date | None:
        """The earliest day on which every key has a value (None when a key has none)."""
        if not self._keys:
            return None
        return max(starts[0] for starts in self._starts.values())

    @classmethod
    def from_raw(cls, scheme: str, rows: Iterable[tuple[str, date, Any]]) -> ParameterTimeline:
        """Build from (key, valid_from, stored JSON) rows, parsing each value by its spec."""
        return cls(
            scheme,
            (
                ParameterValue(
                    key, parse_value(scheme, key, raw), valid_from, PARAMETER_SPECS[(scheme, key)].article, raw
                )
                for key, valid_from, raw in rows
            ),
        )
