"""Durations as the contract counts them (docs: ../shared/contract/simulation.md, "Durations")."""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

WORKING_DAYS_PER_WEEK = 5  # Art. 2 and 6: "une semaine, soit 5 jours ouvrés consécutifs"


def working_days(start: date, end: date) -> int:
    """Monday-to-Friday days from start to end, both included (public holidays are not removed:
    the mobility is abroad). O(1): whole 7-day spans count 5 each, the remainder day by day."""
    if end < start:
        return 0
    spans, remainder = divmod((end - start).days + 1, 7)
    first = start.weekday()
    return spans * 5 + sum(1 for i in range(remainder) if (first + i) % 7 < 5)


def full_weeks(start: date, end: date) -> int:
    """Full weeks of 5 working days; a residue of fewer than 5 earns nothing (Art. 6)."""
    return working_days(start, end) // WORKING_DAYS_PER_WEEK


def whole_months(start: date, end: date) -> int:
    """Whole calendar months from start to the day after end (2025-11-03..2026-05-02 is 6).

    A month is whole when start + n months (relativedelta, clipped to the month's last day)
    is on or before the day after end; days beyond the last whole month earn nothing.
    """
    if end < start:
        return 0
    delta = relativedelta(end + timedelta(days=1), start)
    return delta.years * 12 + delta.months


def academic_year_start(on: date, *, month: int = 9, day: int = 1) -> int:
    """The first calendar year of the academic year containing `on` (1 Sept - 31 Aug)."""
    return on.year if (on.month, on.day) >= (month, day) else on.year - 1


def session_window(on: date, starts: tuple[tuple[int, int], ...]) -> tuple[date, date]:
    """The 6-month session (first and last day) containing `on`, the sessions starting on the
    month-days `starts` of each year (Aude: the internship sessions of May and November)."""
    candidates = sorted(date(year, m, d) for year in (on.year - 1, on.year, on.year + 1) for m, d in starts)
    index = max(i for i, day in enumerate(candidates) if day <= on)
    return candidates[index], candidates[index + 1] - timedelta(days=1)
