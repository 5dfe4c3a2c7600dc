"""Benchmark: the batch work of a portal holding 100,000 files (issue "performance", point 5).

    python bench/batch.py [--template aid_portal_100k] [--database batch_100k] [--repeat 3] [--only sweeps|payment_run]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/my_copy python bench/batch.py --repeat 1

Every run works on a fresh copy of a database filled by `manage.py generate_volume` (bench/volume.py):
without DATABASE_URL, `createdb -T TEMPLATE DATABASE` before each run (the template is never
written); with DATABASE_URL, that database is used as it is, once (it is mutated: give a copy).
Redis db 4 (REDIS_URL, default redis://127.0.0.1:6379/4) carries the tasks, as in production.

Per run, each timed with the peak resident memory of the process(es) doing the work:
1. sweeps: `aid_portal.sweeps.deadlines_run` (what `run_deadlines` runs) on three days: the day
   every open document request is reminded, the real today (Horizons files past their deadline
   rejected with their decision acts, unanswered repayment orders made standing), and today again
   (nothing left to do: the daily cost of scanning). Target: under 5 s each.
2. close: a commission of `--files` (1,000) Horizons files closed by the services
   (bench/close_session.py's files), the letters' messages published to Redis as the portal does.
3. payment run: `payment_run_create` of `--instalments` (10,000) payable monthly instalments of
   Haute-Garonne (a volume generated before aid_portal.volume wrote the students' accepted
   commitments gets them first, untimed: aid_portal.volume.acceptances_write), its SEPA XML
   (built and validated against the XSD inside), then its listings: the CSV streamed to the end
   and the PDF printed as the view prints it (in parts, into a temporary file: payments.pdf).
4. letters: 2 Celery workers (prefork, --concurrency 1 each: the machine's 2 cores) started and
   ready, then the 1,000 decisions' outbox messages published; timed until every letter is stored
   and every message delivered. Target: under 60 s.

Peak RSS: this process's VmHWM, reset before each measure (/proc/self/clear_refs); the workers'
VmHWM (each worker and its pool child) read before they stop. Results go to
bench/results/batch.json: per measure, every run, the best and the spread, with the load
(`uptime`) before each run. tests/integration/test_batch_bench.py runs these functions on 50 files.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "batch.json"
PG = "postgres://postgres@127.0.0.1:5432/"
TARGETS = {"sweeps": 5.0, "letters": 60.0}
# Every open document request of the volume falls due 61 days after the volume's first day
# (aid_portal.volume.TODAY + 61): on this day each of them is in its 14-day reminder window.
REMINDER_DAY = date(2025, 4, 20)
BENCH_IBAN = "FR7630006000011234567890189"  # the volume's own (a valid French IBAN)


# --- Measuring ---------------------------------------------------------------------------------
def _status(pid: int | str, field: str) -> int:
    """A memory figure of /proc/PID/status in bytes (VmHWM: the peak resident set)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def peak_reset() -> None:
    """Start a new peak for this process: writing 5 to clear_refs resets VmHWM (Linux >= 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass  # then the peak is the process's since it started, which can only be higher


def timed(fn, *args, **kwargs) -> tuple[object, dict]:
    """Run fn; return its result and {seconds, cpu_seconds, peak_rss_mib} of this process."""
    peak_reset()
    c0, t0 = time.process_time(), time.perf_counter()
    result = fn(*args, **kwargs)
    figures = {
        "seconds": round(time.perf_counter() - t0, 3),
        "cpu_seconds": round(time.process_time() - c0, 3),
        "peak_rss_mib": round(_status("self", "VmHWM") / 2**20, 1),
    }
    return result, figures


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


# --- 1. Sweeps ---------------------------------------------------------------------------------
def measure_sweeps(*, days: list[tuple[str, date]]) -> list[dict]:
    from aid_portal.sweeps import deadlines_run

    out = []
    for label, day in days:
        counts, figures = timed(deadlines_run, today=day)
        out.append({"day": label, "date": day.isoformat(), **figures, "counts": counts})
    return out


# --- 2. Closing a commission -------------------------------------------------------------------
def close_commission(*, files: int, run: str) -> dict:
    """Build `files` ready Horizons files and their session (bench/close_session.py), then close it
    through the services (the officer's click, then the task's work run here to be timed alone)."""
    from django.utils import timezone

    from bench.close_session import build
    from decisions import services as decision_services
    from decisions.models import Decision

    session, officer, built = build(files, run)
    # close_session's files carry no bank details; a payment run refuses a transfer without them.
    built.update(iban=BENCH_IBAN, account_holder="Léa Banc")
    decision_services.session_close_start(session=session, by=officer, today=timezone.localdate())
    decided = decision_services.session_close_run(session_id=session.pk)
    assert decided == files and Decision.objects.filter(session=session).count() == files, decided
    return {"session": session, "officer": officer, "decided": decided}


# --- 3. Payment run ----------------------------------------------------------------------------
def payable_ids(*, authority, today: date) -> list[int]:
    from payments.services import instalments_payable

    return list(instalments_payable(today).filter(scheme__authority=authority)
                .order_by("pk").values_list("pk", flat=True))


def payables_top_up(*, authority, instalments: int, today: date) -> int:
    """Volumes generated before aid_portal.volume wrote the Aude and Haute-Garonne acceptances
    have none, so none of those instalments is payable: write them as generate_volume now does.
    Returns the letters written."""
    from aid_portal.volume import acceptances_write

    if len(payable_ids(authority=authority, today=today)) >= instalments:
        return 0
    return acceptances_write()


def payment_run(*, authority, officer, ids: list[int], today: date) -> dict:
    """The run (SEPA XML built and validated inside), then its CSV listing streamed to the end
    and its PDF listing printed, each timed apart."""
    from payments import exports, pdf, selectors
    from payments.services import payment_run_create

    run, create = timed(payment_run_create, authority=authority, instalment_ids=ids, by=officer,
                        execution_date=today, today=today)
    assert run.count == len(ids), (run.count, len(ids))

    def csv_bytes() -> int:
        return sum(len(chunk) for chunk in exports.run_listing_csv_stream(selectors.run_transfer_lines(run=run)))

    csv_size, csv = timed(csv_bytes)

    def pdf_bytes() -> int:
        # As the view prints it: in parts, into a temporary file (payments.pdf.run_listing_pdf).
        with tempfile.TemporaryFile() as out:
            pages = pdf.run_listing_pdf(selectors.run_listing(run=run), out=out)
            return out.tell(), pages

    (pdf_size, pdf_pages), listing_pdf = timed(pdf_bytes)

    return {
        "instalments": run.count, "total_eur": str(run.total), "sepa_xml_bytes": len(run.sepa_xml.encode()),
        "create": create, "csv": {**csv, "bytes": csv_size}, "pdf": {**listing_pdf, "bytes": pdf_size, "pages": pdf_pages},
        "run_id": run.pk,
    }


def measure_payment_run(*, instalments: int, today: date) -> tuple[dict, dict]:
    """Measure 3 on `instalments` payable Haute-Garonne instalments, the payable topped up first
    when the volume has too few: (what the setup found and did, the run's figures)."""
    from accounts.models import User
    from schemes.models import Scheme

    # Haute-Garonne pays by the month: the volume holds more than 10,000 of its instalments due.
    authority = Scheme.objects.select_related("authority").get(code="haute-garonne").authority
    officer = User.objects.get(officer_membership__authority=authority, username__startswith="volume-agent-")
    ids = payable_ids(authority=authority, today=today)
    setup = {"authority": authority.name, "payable_in_volume": len(ids)}
    if len(ids) < instalments:
        written, figures = timed(payables_top_up, authority=authority, instalments=instalments, today=today)
        setup.update(acceptances_written=written, **figures)
        ids = payable_ids(authority=authority, today=today)
        setup["payable"] = len(ids)
    assert len(ids) >= instalments, f"only {len(ids)} instalments payable"
    _say("payment_setup", setup)
    result = payment_run(authority=authority, officer=officer, ids=ids[:instalments], today=today)
    _say("payment_run", result)
    return setup, result


# --- 4. Letters --------------------------------------------------------------------------------
def letter_messages(*, session) -> list[int]:
    """The outbox rows the close wrote for the session's letters (key decision-letters:<pk>)."""
    from applications.models import OutboxMessage
    from decisions.models import Decision

    keys = [f"decision-letters:{pk}" for pk in Decision.objects.filter(session=session).values_list("pk", flat=True)]
    return list(OutboxMessage.objects.filter(key__in=keys).order_by("pk").values_list("pk", flat=True))


def letters_publish(message_ids: list[int]) -> None:
    """Publish as the portal does after the close's commits (applications.services.outbox)."""
    from applications.models import OutboxMessage
    from applications.services.outbox import _publish

    _publish(*OutboxMessage.objects.filter(pk__in=message_ids).order_by("pk").values_list("pk", "task"))


def letters_wait(*, session, message_ids: list[int], timeout: float) -> dict:
    """Poll until every message is delivered; return the letters stored and the messages left."""
    from applications.models import OutboxMessage
    from decisions.models import Letter

    deadline = time.monotonic() + timeout
    while True:
        left = OutboxMessage.objects.filter(pk__in=message_ids, delivered_at__isnull=True).count()
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    return {"letters": Letter.objects.filter(decision__session=session).count(), "undelivered": left}


class Workers:
    """N `celery worker` processes (prefork, one child each) on Redis db 4, started apart from
    this process and stopped by their pids."""

    def __init__(self, *, count: int, env: dict, logs: Path):
        self.procs = []
        for k in range(count):
            log = (logs / f"worker{k}.log").open("w")
            self.procs.append(subprocess.Popen(
                [str(Path(sys.executable).parent / "celery"), "-A", "aid_portal", "worker", "--pool", "prefork",
                 "--concurrency", "1", "-n", f"batch{k}-{os.getpid()}@%h", "--without-gossip", "--without-mingle",
                 # The letters' queue, as production's letters workers (settings.CELERY_TASK_ROUTES).
                 "-Q", "letters",
                 "--loglevel", "WARNING"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            ))

    def wait_ready(self, timeout: float = 120) -> float:
        from aid_portal.celery import app

        t0, names = time.perf_counter(), set()
        while len(names) < len(self.procs):
            if time.perf_counter() - t0 > timeout:
                raise RuntimeError(f"only {len(names)} worker(s) answered in {timeout} s")
            for reply in app.control.ping(timeout=1.0) or []:
                names.update(n for n in reply if f"-{os.getpid()}@" in n)
        return time.perf_counter() - t0

    def peaks(self) -> list[dict]:
        """VmHWM of each worker (the consumer) and of its pool children (which print)."""
        out = []
        for proc in self.procs:
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
            kids = [int(p) for p in children.read_text().split()] if children.exists() else []
            out.append({"worker_mib": round(_status(proc.pid, "VmHWM") / 2**20, 1),
                        "children_mib": [round(_status(k, "VmHWM") / 2**20, 1) for k in kids]})
        return out

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def measure_letters(*, session, database_url: str, redis_url: str, timeout: float, workdir: Path) -> dict:
    from aid_portal.celery import app

    message_ids = letter_messages(session=session)
    # What the close and the sweeps published while no worker ran, on every queue.
    with app.connection_for_write() as conn:
        for queue in {app.conf.task_default_queue, *(route["queue"] for route in app.conf.task_routes.values())}:
            conn.default_channel.queue_purge(queue)
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "LOG_LEVEL": "WARNING",
           "MEDIA_ROOT": str(workdir / "media"),
           # django-environ drops one slash of the path: four make it absolute.
           "EMAIL_URL": f"filemail:///{workdir / 'mail'}"}
    workers = Workers(count=2, env=env, logs=workdir)
    try:
        ready = workers.wait_ready()
        t0 = time.perf_counter()
        letters_publish(message_ids)
        published = time.perf_counter() - t0
        done = letters_wait(session=session, message_ids=message_ids, timeout=timeout)
        seconds = time.perf_counter() - t0
        peaks = workers.peaks()
    finally:
        workers.stop()
    assert not done["undelivered"], f"{done['undelivered']} letter message(s) not delivered in {timeout} s"
    return {"decisions": len(message_ids), **done, "seconds": round(seconds, 2),
            "per_letter_ms": round(1000 * seconds / max(done["letters"], 1), 1),
            "publish_seconds": round(published, 2), "workers_ready_seconds": round(ready, 2), "workers": peaks,
            "peak_rss_mib": max(max([w["worker_mib"], *w["children_mib"]]) for w in peaks)}


# --- One run -----------------------------------------------------------------------------------
def one_run(*, files: int, instalments: int, database_url: str, redis_url: str, timeout: float,
            only: str = "all") -> dict:
    from django.utils import timezone

    today = timezone.localdate()
    stamp = datetime.now(UTC).strftime("%H%M%S")
    workdir = Path(tempfile.mkdtemp(prefix="batch-bench-"))
    try:
        result = {"load_before": uptime()}
        if only == "payment_run":
            result["payment_setup"], result["payment_run"] = measure_payment_run(instalments=instalments, today=today)
            return result
        result["sweeps"] = measure_sweeps(days=[("reminders (every open request)", REMINDER_DAY),
                                                ("today (rejections, standing orders)", today),
                                                ("today again (nothing due)", today)])
        _say("sweeps", result["sweeps"])
        if only == "sweeps":
            return result
        closed, result["close"] = timed(close_commission, files=files, run=f"C{stamp}")
        result["close"]["files"] = closed["decided"]
        _say("close", result["close"])
        result["payment_setup"], result["payment_run"] = measure_payment_run(instalments=instalments, today=today)
        result["letters"] = measure_letters(session=closed["session"], database_url=database_url,
                                            redis_url=redis_url, timeout=timeout, workdir=workdir)
        _say("letters", result["letters"])
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _say(measure: str, figures) -> None:
    print(f"{measure}: {json.dumps(figures, default=str, ensure_ascii=False)}", flush=True)


def _copy(template: str, database: str) -> None:
    args = ["-h", "127.0.0.1", "-U", "postgres"]
    subprocess.run(["dropdb", *args, "--if-exists", database], check=True)
    for _attempt in range(30):  # the template must have no other session while it is copied
        done = subprocess.run(["createdb", *args, "-T", template, database], capture_output=True, text=True)
        if not done.returncode:
            return
        if "being accessed by other users" not in done.stderr:
            sys.exit(f"createdb -T {template} {database}: {done.stderr.strip()} (make one with bench/volume.py)")
        time.sleep(5)
    sys.exit(f"{template} stayed in use: no copy made")


def _summary(runs: list[dict]) -> dict:
    """Best and spread (max - min) of each timed figure across runs."""
    def series(get):
        values = [get(r) for r in runs]
        return {"best": min(values), "spread": round(max(values) - min(values), 3), "runs": values}

    if "sweeps" not in runs[0]:  # --only payment_run
        return {"payment_run_create": series(lambda r: r["payment_run"]["create"]["seconds"]),
                "payment_listing_csv": series(lambda r: r["payment_run"]["csv"]["seconds"]),
                "payment_listing_pdf": series(lambda r: r["payment_run"]["pdf"]["seconds"])}
    out = {f"sweep {i + 1}: {s['day']}": series(lambda r, i=i: r["sweeps"][i]["seconds"])
           for i, s in enumerate(runs[0]["sweeps"])}
    if "close" not in runs[0]:  # --only sweeps
        return out
    out["close"] = series(lambda r: r["close"]["seconds"])
    out["payment_run_create"] = series(lambda r: r["payment_run"]["create"]["seconds"])
    out["payment_listing_csv"] = series(lambda r: r["payment_run"]["csv"]["seconds"])
    out["payment_listing_pdf"] = series(lambda r: r["payment_run"]["pdf"]["seconds"])
    out["letters"] = series(lambda r: r["letters"]["seconds"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--template", default=os.environ.get("BATCH_TEMPLATE_DB", "aid_portal_100k"))
    parser.add_argument("--database", default="batch_100k", help="the copy's name (dropped and re-made each run)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--instalments", type=int, default=10000)
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed to the letters")
    parser.add_argument("--only", choices=["all", "sweeps", "payment_run"], default="all",
                        help="sweeps: measure 1 alone (a few minutes, the copy included); payment_run: measure 3 alone")
    parser.add_argument("--out", help=argparse.SUPPRESS)  # a child's run, as JSON, for its parent
    args = parser.parse_args()
    given = os.environ.get("DATABASE_URL", "")
    if given:
        runs = [_run_here(args, given)]
    else:
        # Each run in a process of its own: a process keeps the memory it once held (the PDF
        # listing's 1.5 GB), which would be the next run's starting "peak".
        runs = []
        for k in range(args.repeat):
            _copy(args.template, args.database)
            print(f"run {k + 1}/{args.repeat} on {args.database}, a copy of {args.template}", flush=True)
            out = Path(tempfile.mkstemp(prefix="batch-run-", suffix=".json")[1])
            child = [sys.executable, __file__, "--files", str(args.files), "--instalments", str(args.instalments),
                     "--timeout", str(args.timeout), "--only", args.only, "--out", str(out)]
            subprocess.run(child, env={**os.environ, "DATABASE_URL": PG + args.database}, check=True)
            runs.append(json.loads(out.read_text()))
            out.unlink()
    if args.out:
        Path(args.out).write_text(json.dumps(runs[0], default=str, ensure_ascii=False))
        return
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"), "database": "postgresql",
        "template": None if given else args.template, "files_in_volume": runs[0]["files_in_volume"],
        "targets_seconds": TARGETS, "summary": _summary(runs), "runs": runs,
        "cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if args.only != "all" and RESULTS.exists():
        # The other measures keep their figures and their runs: only this measure's are replaced,
        # with this run's date and load beside them (the runs of the full measure stay as taken).
        previous = json.loads(RESULTS.read_text())
        previous["summary"].update(result["summary"])
        previous[f"{args.only}_only"] = {key: result[key] for key in ("date", "template", "files_in_volume", "runs")}
        result = previous
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    print(json.dumps(result["summary"], indent=2))


def _run_here(args, database_url: str) -> dict:
    """One run in this process, on `database_url` as it is."""
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/4"
    # Production's shape: DEBUG off (no query log kept in memory, persistent connections).
    os.environ.update(DATABASE_URL=database_url, REDIS_URL=redis_url, DJANGO_SETTINGS_MODULE="aid_portal.settings",
                      LOG_LEVEL="WARNING", EMAIL_URL="dummymail://", DJANGO_DEBUG="false",
                      DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "batch-bench-" + "x" * 40))
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="batch-bench-media-")
    import django

    django.setup()
    from django.db import connections

    try:
        run = one_run(files=args.files, instalments=args.instalments, database_url=database_url,
                      redis_url=redis_url, timeout=args.timeout, only=args.only)
        run["files_in_volume"] = _count_files()
        return run
    finally:
        connections.close_all()
        shutil.rmtree(os.environ["MEDIA_ROOT"], ignore_errors=True)


def _count_files() -> int:
    from applications.models import Application

    return Application.objects.count()


if __name__ == "__main__":
    main()
