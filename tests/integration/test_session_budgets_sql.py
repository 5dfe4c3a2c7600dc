"""The quota and envelope left in a window, counted by the database (decisions.services.sessions:
_budget, session_budgets), give what reading every file's situation in Python gave: the files
whose start date falls in the window, its first and last days included, and none whose date is
missing or unreadable; the entries recorded in open sessions only, less the one being recorded.

`python_budget` below is that earlier reading, kept as the oracle."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from applications.models import Application
from decisions import services as decision_services
from decisions.models import CommissionSession, Outcome, SessionEntry
from decisions.services import sessions
from schemes.engine.durations import academic_year_start
from tests import flows


def python_budget(*, scheme, on, excluding=None):
    """The window's (used, recorded), each file's situation read in Python (before the SQL)."""
    first, last, _label = sessions._window(scheme, on)

    def within(app) -> bool:
        start = sessions._start_of(app)
        return start is not None and first <= start <= last

    years = [academic_year_start(first) - 1, academic_year_start(first), academic_year_start(last)]
    granted = [a for a in Application.objects.filter(
        scheme=scheme, academic_year__in=years, current_decision__outcome=Outcome.GRANTED,
    ).select_related("current_decision") if within(a)]
    pending = SessionEntry.objects.filter(
        session__scheme=scheme, session__status=CommissionSession.Status.OPEN, outcome=Outcome.GRANTED, decided=False,
    ).select_related("application")
    if excluding is not None:
        pending = pending.exclude(pk=excluding.pk)
    pending = [e for e in pending if within(e.application)]
    if scheme.code == "horizons":
        return (sum((a.current_decision.amount for a in granted), Decimal("0")),
                sum((e.amount or Decimal("0") for e in pending), Decimal("0")))
    return Decimal(len(granted)), Decimal(len(pending))


def start_on(app, start: str | None) -> None:
    """Move a file's start date (or remove it), as an amended situation would."""
    data = dict(app.data)
    key = "mobility" if "mobility" in data else "internship"
    part = dict(data[key])
    if start is None:
        part.pop("start_date", None)
    else:
        part["start_date"] = start
    data[key] = part
    Application.objects.filter(pk=app.pk).update(data=data)


def test_horizons_envelope_sums_what_the_files_say(db):
    agent = flows.officer("horizons")
    # Academic year 2025-2026: 1 September 2025 to 31 August 2026.
    starts = ["2025-09-01", "2026-08-31", "2025-08-31", "2026-09-01", "2026-01-15", None, "2026-01-xx"]
    amounts = [Decimal("700.00"), Decimal("630.00"), Decimal("560.00"), Decimal("490.00"), Decimal("420.00"),
               Decimal("350.00"), Decimal("280.00")]
    for start, amount in zip(starts, amounts, strict=True):
        app = flows.decided_file("horizons", agent, amount=amount)
        start_on(app, start)
    scheme = app.scheme
    # Entries recorded in an open session (two in the window, one out), and one in a closed one.
    pending = [flows.ready_file("horizons", agent) for _ in range(3)]
    session = decision_services.session_create(scheme=scheme, title="Ouverte", meeting_date=date(2025, 7, 3), by=agent)
    decision_services.session_add_files(session=session, applications=pending, by=agent, today=date(2025, 7, 3))
    entries = list(session.entries.order_by("pk"))
    for entry in entries:
        decision_services.session_entry_record(entry=entry, outcome="granted", amount=Decimal("140.00"), by=agent,
                                               quota_derogation="Test")
    start_on(entries[2].application, "2024-12-01")

    on = date(2026, 1, 15)
    budget = sessions._budget(scheme=scheme, on=on)
    # In the window: 700 + 630 + 420 decided (first and last days included), 2 x 140 recorded.
    assert (budget.used, budget.recorded) == (Decimal("1750.00"), Decimal("280.00"))
    assert (budget.used, budget.recorded) == python_budget(scheme=scheme, on=on)
    less_one = sessions._budget(scheme=scheme, on=on, excluding=entries[0])
    assert (less_one.used, less_one.recorded) == python_budget(scheme=scheme, on=on, excluding=entries[0])
    assert less_one.recorded == Decimal("140.00")


def test_aude_quota_counts_the_files_of_the_session_window(db):
    agent = flows.officer("aude")
    # Internship session of November 2025: 1 November 2025 to 30 April 2026.
    for start in ["2025-11-01", "2026-04-30", "2025-10-31", "2026-05-01", "2026-01-05", None]:
        app = flows.decided_file("aude", agent)
        start_on(app, start)
    scheme = app.scheme
    waiting = [flows.ready_file("aude", agent) for _ in range(2)]
    session = decision_services.session_create(scheme=scheme, title="Ouverte", meeting_date=date(2025, 7, 3), by=agent)
    decision_services.session_add_files(session=session, applications=waiting, by=agent, today=date(2025, 7, 3))
    for entry in session.entries.all():
        decision_services.session_entry_record(entry=entry, outcome="granted", amount=entry.proposed_amount, by=agent)
    start_on(waiting[1], "2026-06-01")  # recorded, but in the May session

    for on in [date(2026, 1, 5), date(2026, 6, 1)]:
        budget = sessions._budget(scheme=scheme, on=on)
        assert (budget.used, budget.recorded) == python_budget(scheme=scheme, on=on)
    winter = sessions._budget(scheme=scheme, on=date(2026, 1, 5))
    assert (winter.start, winter.end, winter.used, winter.recorded) == (date(2025, 11, 1), date(2026, 4, 30), 3, 1)

    # The session page: one budget per window its files start in, in order.
    budgets = sessions.session_budgets(session=session)
    assert [(b.start, b.used, b.recorded) for b in budgets] == [(date(2025, 11, 1), 3, 1), (date(2026, 5, 1), 1, 1)]

