"""Durations as the contract counts them ("Durations"): full weeks of 5 working days, whole
calendar months to the day after the end, academic year from 1 September."""

from datetime import date, timedelta

import pytest

from schemes.engine.durations import academic_year_start, full_weeks, whole_months, working_days

D = date.fromisoformat


@pytest.mark.parametrize(
    "start, end, days, weeks",
    [
        pytest.param("2025-09-01", "2025-09-05", 5, 1, id="mon-fri-exactly-5-days-1-week"),
        pytest.param("2025-09-01", "2025-09-04", 4, 0, id="mon-thu-residue-4-earns-nothing"),
        pytest.param("2025-09-01", "2025-09-01", 1, 0, id="same-day-monday"),
        pytest.param("2025-09-06", "2025-09-06", 0, 0, id="same-day-saturday"),
        pytest.param("2025-09-06", "2025-09-07", 0, 0, id="weekend-only"),
        pytest.param("2025-09-03", "2025-09-09", 5, 1, id="wed-to-tue-across-weekend"),
        pytest.param("2025-09-03", "2025-09-08", 4, 0, id="wed-to-mon-across-weekend-4-days"),
        pytest.param("2025-09-06", "2025-09-12", 5, 1, id="start-saturday"),
        pytest.param("2025-09-07", "2025-09-12", 5, 1, id="start-sunday"),
        pytest.param("2025-09-06", "2025-09-11", 4, 0, id="start-saturday-4-days"),
        pytest.param("2025-09-01", "2025-09-07", 5, 1, id="mon-to-sun"),
        pytest.param("2025-09-01", "2025-09-12", 10, 2, id="two-weeks"),
        pytest.param("2025-09-01", "2025-09-11", 9, 1, id="one-week-plus-4-residue"),
        pytest.param("2025-09-01", "2025-12-19", 80, 16, id="contract-example-16-weeks"),
        pytest.param("2025-09-01", "2025-11-28", 65, 13, id="contract-example-13-weeks"),
        pytest.param("2026-01-05", "2026-04-08", 68, 13, id="13-weeks-plus-3-days"),
        pytest.param("2025-12-22", "2026-01-02", 10, 2, id="holidays-not-removed"),
        pytest.param("2025-09-05", "2025-09-01", 0, 0, id="end-before-start"),
    ],
)
def test_working_days_and_full_weeks(start, end, days, weeks):
    assert working_days(D(start), D(end)) == days
    assert full_weeks(D(start), D(end)) == weeks


@pytest.mark.parametrize("weekday_offset", range(7), ids=lambda i: f"start-weekday-{i}")
@pytest.mark.parametrize("spans", [1, 6, 12, 36])
def test_every_seven_days_hold_five_working_days(weekday_offset, spans):
    start = date(2025, 9, 1) + timedelta(days=weekday_offset)
    end = start + timedelta(days=7 * spans - 1)
    assert working_days(start, end) == 5 * spans
    assert full_weeks(start, end) == spans


@pytest.mark.parametrize(
    "start, end, months",
    [
        pytest.param("2025-11-03", "2026-05-02", 6, id="contract-6-months"),
        pytest.param("2025-11-03", "2026-05-01", 5, id="contract-one-day-short-5-months"),
        pytest.param("2025-11-03", "2025-12-02", 1, id="exactly-one-month"),
        pytest.param("2025-11-03", "2025-12-01", 0, id="one-month-minus-one-day"),
        pytest.param("2025-11-03", "2025-11-03", 0, id="end-equals-start"),
        pytest.param("2025-11-03", "2025-11-02", 0, id="end-before-start"),
        pytest.param("2025-01-01", "2025-01-31", 1, id="calendar-january"),
        pytest.param("2025-01-01", "2025-12-31", 12, id="calendar-year"),
        pytest.param("2025-01-31", "2025-02-27", 1, id="jan31-to-feb28-clipped"),
        pytest.param("2025-01-31", "2025-02-26", 0, id="jan31-one-day-short"),
        pytest.param("2025-01-31", "2025-02-28", 1, id="jan31-to-end-feb"),
        pytest.param("2024-01-31", "2024-02-28", 1, id="leap-jan31-to-feb29"),
        pytest.param("2024-01-31", "2024-02-27", 0, id="leap-jan31-feb28-not-whole"),
        pytest.param("2024-02-29", "2024-03-28", 1, id="leap-day-start"),
        pytest.param("2024-02-29", "2025-02-27", 12, id="leap-day-plus-one-year-clipped"),
        pytest.param("2025-09-01", "2025-12-31", 4, id="pegasus-4-months"),
        pytest.param("2025-09-01", "2025-12-30", 3, id="pegasus-4-months-minus-one-day"),
        pytest.param("2026-01-05", "2026-04-04", 3, id="aude-3-months"),
        pytest.param("2025-11-03", "2026-06-02", 7, id="seven-months"),
    ],
)
def test_whole_months(start, end, months):
    assert whole_months(D(start), D(end)) == months


@pytest.mark.parametrize(
    "on, first_year",
    [
        pytest.param("2025-08-31", 2024, id="31-august-closes-previous-year"),
        pytest.param("2025-09-01", 2025, id="1-september-opens-year"),
        pytest.param("2026-01-01", 2025, id="january"),
        pytest.param("2026-06-30", 2025, id="30-june"),
        pytest.param("2026-07-01", 2025, id="july-still-same-year"),
        pytest.param("2025-12-31", 2025, id="31-december"),
    ],
)
def test_academic_year_start(on, first_year):
    assert academic_year_start(D(on)) == first_year
