"""Benchmark: memory of the exports at 10,000 and 100,000 rows, through their views.

    python bench/exports.py [--rows 10000 100000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aid_portal_exports python bench/exports.py

An export must run in constant memory, however many files the queue holds. For each row count
(ascending), the database is filled up to that many granted files of one authority (bulk
inserts), with a payment run of as many transfers; then each export is downloaded through its
view, by the officer, in a fresh process (DJANGO_DEBUG=false), its body read chunk by chunk and
thrown away as a browser would write it to disk:

- the officer queue as CSV (StreamingHttpResponse) and as XLSX (FileResponse of a temporary
  file written by openpyxl's write-only workbook);
- the payment run's listing as CSV (StreamingHttpResponse).

Per export: the process's resident memory just before the download (after a first, empty
download has loaded every module), its peak (VmHWM) and the difference, which is
what the download itself needed; the wall time and the size. Constant memory means the growth
at 100,000 rows is about the one at 10,000 (the rows are read 2,000 at a time).

Without DATABASE_URL a throw-away SQLite file is created and migrated; with it, the database
must be dedicated (it keeps the benchmark's rows). Results: bench/results/exports.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "exports.json"
OFFICER = "bench-exports-agent@example.org"
RUN_REFERENCE = "BENCH-EXPORTS-{rows}"
AMOUNT = Decimal("1120.00")
BATCH = 2000
EXPORTS = ("queue_csv", "queue_xlsx", "run_csv")


def _setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aid_portal.settings")
    import django

    django.setup()


# --- Filling the database ------------------------------------------------------------------
def fill(rows: int) -> None:
    """Bring the database up to `rows` granted Horizons files of the Région, each decided, and
    a payment run of `rows` transfers (advances for the first run, balances for the others, so
    that no file has two advances)."""
    from django.utils import timezone

    from accounts.models import Establishment, OfficerMembership, User
    from applications.models import Application
    from applications.states import State
    from payments.models import Instalment, PaymentRun
    from schemes.models import Scheme

    Decision = Instalment._meta.get_field("decision").related_model  # wherever the decision stage lives
    scheme = Scheme.objects.get(code="horizons")
    school, _ = Establishment.objects.get_or_create(uai="0000XPRT", defaults={"name": "Université de l'export"})
    officer, created = User.objects.get_or_create(username=OFFICER, defaults={"email": OFFICER})
    if created:
        OfficerMembership.objects.create(user=officer, authority=scheme.authority)
    files = Application.objects.filter(reference__startswith="XP-")
    have, now = files.count(), timezone.now()
    for start in range(have, rows, BATCH):
        numbers = range(start, min(start + BATCH, rows))
        students = User.objects.bulk_create(
            [User(username=f"xp-{i}", email=f"xp-{i}@example.org", password="!") for i in numbers]
        )
        if students[0].pk is None:  # backends that return no ids from bulk inserts
            students = list(User.objects.filter(username__in=[f"xp-{i}" for i in numbers]).order_by("pk"))
        apps = Application.objects.bulk_create(
            [
                Application(
                    reference=f"XP-{i:06d}", scheme=scheme, student=s, aid="grant", establishment=school, data={},
                    first_name="Léa", last_name=f"Export{i:06d}", academic_year=2025, estimate_eligible=True,
                    estimate_amount=AMOUNT, submitted_at=now, account_holder=f"Léa Export{i:06d}",
                    iban="FR7630006000011234567890189",
                )
                for i, s in zip(numbers, students, strict=True)
            ]
        )
        if apps[0].pk is None:
            apps = list(Application.objects.filter(reference__in=[f"XP-{i:06d}" for i in numbers]).order_by("pk"))
        Decision.objects.bulk_create(
            [
                Decision(application=a, outcome="granted", amount=AMOUNT, decided_on=date(2025, 7, 3), snapshot={},
                         created_by=officer)
                for a in apps
            ]
        )
    # FSMField(protected=True): the state is set by a queryset update, never by assignment.
    files.exclude(state=State.GRANTED).update(state=State.GRANTED)

    reference = RUN_REFERENCE.format(rows=rows)
    if PaymentRun.objects.filter(reference=reference).exists():
        return
    earlier = PaymentRun.objects.filter(reference__startswith="BENCH-EXPORTS-").count()
    kind = Instalment.Kind.BALANCE if earlier else Instalment.Kind.ADVANCE
    run = PaymentRun.objects.create(
        authority=scheme.authority, reference=reference, execution_date=date(2025, 10, 1), total=AMOUNT * rows,
        count=rows, sepa_xml="", created_by=officer,
    )
    decisions = Decision.objects.filter(application__reference__startswith="XP-").order_by("application__reference")
    pairs = decisions.values_list("pk", "application_id")[:rows]
    batch = []
    for decision_id, application_id in pairs.iterator(chunk_size=BATCH):
        batch.append(Instalment(
            application_id=application_id, scheme_id=scheme.pk, decision_id=decision_id, kind=kind, sequence=max(earlier, 1),
            label=f"Horizons {kind}", amount=AMOUNT, due_on=date(2025, 9, 1), status="paid", run=run,
        ))
        if len(batch) == BATCH:
            Instalment.objects.bulk_create(batch)
            batch = []
    Instalment.objects.bulk_create(batch)


# --- Measuring one export (in its own process) ----------------------------------------------
def _status_mib(field: str) -> float:
    """VmRSS (resident now) or VmHWM (its peak) of this process. Not getrusage's ru_maxrss: on
    Linux it survives fork and exec, so a child would report the parent's peak (the filling)."""
    with open("/proc/self/status") as status:
        line = next(x for x in status if x.startswith(field + ":"))
    return int(line.split()[1]) / 1024


def measure(kind: str, rows: int) -> dict:
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from payments.models import PaymentRun

    client = Client()
    client.force_login(User.objects.get(username=OFFICER), backend="django.contrib.auth.backends.ModelBackend")
    if kind == "run_csv":
        run = PaymentRun.objects.get(reference=RUN_REFERENCE.format(rows=rows))
        url = reverse("payments:run_listing_csv", args=[run.pk])
    else:
        url = reverse(f"applications:officer_export_{kind.removeprefix('queue_')}")
    # A first download of nothing loads every module the real one needs: their memory is not
    # the export's.
    fmt = "xlsx" if kind.endswith("xlsx") else "csv"
    warm = client.get(reverse(f"applications:officer_export_{fmt}"), {"q": "no-such-file"}, secure=True)
    b"".join(warm.streaming_content)
    before = _status_mib("VmRSS")
    started = time.perf_counter()
    response = client.get(url, secure=True)
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
    response.close()
    seconds = time.perf_counter() - started
    peak = _status_mib("VmHWM")
    assert response.status_code == 200 and response.streaming, (kind, response.status_code)
    if kind != "queue_xlsx":
        # header + one line per file (+ the total line of the run listing)
        assert lines == rows + 1 + (kind == "run_csv"), (kind, lines, rows, "use a fresh database")
    return {
        "export": kind, "rows": rows, "bytes": size, "seconds": round(seconds, 2),
        "rss_before_mib": round(before, 1), "peak_rss_mib": round(peak, 1),
        "peak_growth_mib": round(peak - before, 1),
    }


def _measure_in_child(database_url: str, kind: str, rows: int) -> dict:
    env = dict(os.environ, DATABASE_URL=database_url, DJANGO_DEBUG="false",
               DJANGO_SECRET_KEY="bench-exports-only-not-a-secret-0123456789abcdefghijklmnop")
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(rows)], env=env, cwd=ROOT, capture_output=True, text=True,
        check=True, timeout=900,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--child", nargs=2, metavar=("EXPORT", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _setup_django(os.environ["DATABASE_URL"])
        print(json.dumps(measure(args.child[0], int(args.child[1]))))
        return

    database_url, tmp = os.environ.get("DATABASE_URL"), None
    if not database_url:
        tmp = tempfile.NamedTemporaryFile(prefix="exports-bench-", suffix=".sqlite3", delete=False).name
        database_url = f"sqlite:///{tmp}"
    _setup_django(database_url)
    from django.core.management import call_command
    from django.db import connection

    try:
        call_command("migrate", verbosity=0)
        results = []
        for rows in sorted(args.rows):
            started = time.perf_counter()
            fill(rows)
            print(f"{rows:,} files and a run of {rows:,} transfers ready in {time.perf_counter() - started:.0f} s")
            for kind in EXPORTS:
                results.append(_measure_in_child(database_url, kind, rows))
                print(results[-1])
    finally:
        if tmp:
            os.unlink(tmp)
    record = {
        "date": datetime.now(UTC).date().isoformat(), "database": connection.vendor,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "results": results,
    }
    RESULTS.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print("| export | rows | size | time | process before | peak | growth during the download |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(f"| {r['export']} | {r['rows']:,} | {r['bytes'] / 2**20:.1f} MiB | {r['seconds']} s "
              f"| {r['rss_before_mib']} MiB | {r['peak_rss_mib']} MiB | {r['peak_growth_mib']} MiB |")


if __name__ == "__main__":
    main()
