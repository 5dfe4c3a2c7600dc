"""Benchmark: closing one commission session of N files (default 1,000).

    python bench/close_session.py [--files 1000] [--letters 50]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aid_portal_bench python bench/close_session.py

Creates N Horizons files ready for decision directly in the database (bulk inserts; the state is
set by a queryset update, the field being protected against assignment), a session with one
entry per file, all recorded "granted", then times:

1. `session_close_start` (act number and date, status "closing"): the officer's click;
2. `session_close_run` (a Decision with its calculation snapshot, the transition and its chained
   event per file, in batches of CLOSING_BATCH): the background task;
3. optionally the letters, a separate task per decision: `decisions.letters.decision_letters_issue`
   on the first `--letters` decisions, extrapolated to N (skipped if that module is absent).

Tasks are not run from `on_commit` here: the close task is called directly (to time it alone) and
the letter tasks are only counted. Without DATABASE_URL a throw-away SQLite file is created and
migrated (the developer's db.sqlite3 is never touched); with it, the database must be migrated
already and is left with the benchmark's rows (use a dedicated database).
Figures go to bench/results/close_session.json, one entry per database vendor.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "close_session.json"

HORIZONS_DATA = {
    "student": {
        "level": "M1",
        "establishment_in_region": True,
        "recognised_diploma": True,
        "scholarship_holder": True,
        "apprentice": False,
    },
    "mobility": {
        "kind": "study",
        "start_date": "2025-09-01",
        "end_date": "2025-12-19",
        "country": "DE",
        "in_curriculum": True,
    },
    "other_aid": {"erasmus": False, "other_collectivity_grant": False, "crous_mobility_aid": False},
}
AMOUNT = Decimal("1120.00")  # what the engine gives for HORIZONS_DATA (16 weeks at 70 EUR)


def _setup_django() -> str | None:
    """Select the database before Django reads the settings; return the temporary SQLite path."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aid_portal.settings")
    # Letters' PDFs go to a throw-away folder, never to the project's ./media.
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="close-bench-media-")
    tmp = None
    if not os.environ.get("DATABASE_URL"):
        tmp = tempfile.NamedTemporaryFile(prefix="close-bench-", suffix=".sqlite3", delete=False).name
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}"
    import django

    django.setup()
    if tmp:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    return tmp


def build(n: int, run: str):
    """N ready-for-decision files and a session with all of them recorded granted."""
    from django.utils import timezone

    from accounts.models import Establishment, OfficerMembership, User
    from applications.models import Application
    from applications.states import State
    from decisions.models import CommissionSession, SessionEntry
    from schemes.models import Scheme

    scheme = Scheme.objects.get(code="horizons")
    school, _ = Establishment.objects.get_or_create(uai="0000BNCH", defaults={"name": "Université du banc d'essai"})
    officer = User.objects.create(username=f"bench-agent-{run}", email=f"bench-agent-{run}@example.org")
    OfficerMembership.objects.create(user=officer, authority=scheme.authority)
    students = User.objects.bulk_create(
        [User(username=f"bench-{run}-{i}", email=f"bench-{run}-{i}@example.org", password="!") for i in range(n)],
        batch_size=500,
    )
    if students[0].pk is None:  # backends that do not return ids from bulk inserts
        students = list(User.objects.filter(username__startswith=f"bench-{run}-").order_by("pk"))
    now = timezone.now()
    Application.objects.bulk_create(
        [
            Application(
                reference=f"BN{run}-{i:06d}",
                scheme=scheme,
                student=s,
                aid="grant",
                establishment=school,
                data=HORIZONS_DATA,
                first_name="Léa",
                last_name=f"Banc{i:04d}",
                academic_year=2025,
                estimate_eligible=True,
                estimate_amount=AMOUNT,
                submitted_at=now,
            )
            for i, s in enumerate(students)
        ],
        batch_size=500,
    )
    files = Application.objects.filter(reference__startswith=f"BN{run}-")
    files.update(state=State.READY_FOR_DECISION)  # FSMField(protected=True): no assignment
    session = CommissionSession.objects.create(
        scheme=scheme, title=f"Banc d'essai {run}", meeting_date=timezone.localdate(), created_by=officer
    )
    SessionEntry.objects.bulk_create(
        [
            SessionEntry(
                session=session,
                application_id=pk,
                proposed_amount=AMOUNT,
                outcome="granted",
                amount=AMOUNT,
                recorded_by=officer,
                recorded_at=now,
            )
            for pk in files.values_list("pk", flat=True)
        ],
        batch_size=500,
    )
    return session, officer, files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--letters", type=int, default=50, help="decisions whose letters are timed (0: none)")
    args = parser.parse_args()
    tmp = _setup_django()

    from django.db import connection
    from django.utils import timezone

    import applications.services.outbox
    from applications.models import OutboxMessage
    from applications.states import State
    from decisions import services as decision_services
    from decisions.models import Decision
    from decisions.services.closing import CLOSING_BATCH

    # The close task is run by hand to be timed alone; letter tasks are counted, not run: the
    # outbox rows are written as the portal writes them, and nothing publishes them.
    applications.services.outbox._publish_after_commit = lambda rows: None

    run = datetime.now(UTC).strftime("%H%M%S")[-4:]
    t0 = time.perf_counter()
    session, officer, files = build(args.files, run)
    setup_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    decision_services.session_close_start(session=session, by=officer, today=timezone.localdate())
    start_s = time.perf_counter() - t0
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(None)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        t0 = time.perf_counter()
        decided = decision_services.session_close_run(session_id=session.pk)
        run_s = time.perf_counter() - t0
    session.refresh_from_db()
    decisions = Decision.objects.filter(session=session)
    assert decided == args.files and decisions.count() == args.files, (decided, decisions.count())
    assert session.status == "closed" and session.progress_done == args.files
    assert files.filter(state=State.GRANTED).count() == args.files
    close_rows = OutboxMessage.objects.filter(key=f"close-session:{session.pk}").count()
    letter_rows = OutboxMessage.objects.filter(
        key__in=[f"decision-letters:{pk}" for pk in decisions.values_list("pk", flat=True)]).count()
    assert close_rows == 1 and letter_rows == args.files, (close_rows, letter_rows)

    letters: dict = {"timed": 0, "note": ""}
    if args.letters:
        try:
            from decisions.letters import decision_letters_issue
        except ImportError:
            letters["note"] = "decisions.letters.decision_letters_issue is not available: letters not timed"
        else:
            ids = list(decisions.order_by("pk").values_list("pk", flat=True)[: args.letters])
            t0 = time.perf_counter()
            for pk in ids:
                decision_letters_issue(decision_id=pk)
            seconds = time.perf_counter() - t0
            letters = {
                "timed": len(ids),
                "seconds": round(seconds, 3),
                "per_decision_ms": round(1000 * seconds / len(ids), 1),
                "extrapolated_seconds": round(seconds / len(ids) * args.files, 1),
                "note": "",
            }

    result = {
        "date": datetime.now(UTC).date().isoformat(),
        "database": connection.vendor,
        "files": args.files,
        "batch": CLOSING_BATCH,
        "setup_seconds": round(setup_s, 2),
        "close_start_ms": round(1000 * start_s, 1),
        "close_run_seconds": round(run_s, 2),
        "files_per_second": round(args.files / run_s, 1),
        "per_file_ms": round(1000 * run_s / args.files, 2),
        "queries": len(queries),
        "queries_per_file": round(len(queries) / args.files, 1),
        "letters": letters,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    previous[connection.vendor] = result
    RESULTS.write_text(json.dumps(previous, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print("| date | database | files | close_start | close_run | files/s | queries/file |")
    print(
        f"| {result['date']} | {result['database']} | {args.files:,} | {result['close_start_ms']} ms | "
        f"{result['close_run_seconds']} s | {result['files_per_second']} | {result['queries_per_file']} |"
    )
    connection.close()
    if tmp:
        Path(tmp).unlink(missing_ok=True)
    shutil.rmtree(os.environ["MEDIA_ROOT"], ignore_errors=True)


if __name__ == "__main__":
    main()
