"""Scaling out: two web instances and two Celery workers that share nothing but PostgreSQL,
Redis and the file store.

    python bench/scale.py [--duration 10] [--rounds 2] [--connections 8] [--letters 100] [--skip-setup]

Defaults: DATABASE_URL postgres://postgres@127.0.0.1:5432/scale_bench (created if missing),
REDIS_URL redis://127.0.0.1:6379/6 (flushed at the start: the bench owns that database), web
instances on ports 8151 and 8152, one temporary folder as MEDIA_ROOT (the file store) and one as
the mail folder (file-based e-mail backend) for every process.

1. Web. Two gunicorn instances, each its own process tree with ONE sync worker, both
   DJANGO_DEBUG=false with the production cache (Redis). Their answers must be the same: the
   simulator's JSON, the amounts of a commission session page, and both follow a parameter
   changed in the database (bench/web.py's check, on each). Then per target (bare view, simulator API,
   commission session page) wrk loads instance A alone, then A and B at once (two wrk, throughput
   summed), in --rounds alternating slices. On a 2-core machine the fair comparison is 1 instance
   x 1 worker against 2 instances x 1 worker: more workers than cores would only show the cores.
2. Workers. A single beat (the outbox sweep every 2 s, a lease of 10 s and the production grace
   of 120 s, so that a dead worker's letter comes back within the run) and Celery workers with
   distinct hostnames, solo pool (one process each), consuming every queue. A commission session of --letters granted files is
   closed the way the officer's click does (`session_close_start`: the closing goes through the
   outbox and Redis to a worker, which decides the files and writes one letter task per decision).
   Three runs: one worker; two workers; two workers with one killed (SIGKILL, its whole process
   group) once a third of the letters are sent. Each must end with every decision notified and
   exactly one letter, one stored PDF, one `letters_sent` event and one e-mail per file, and no
   outbox row left undelivered; the run reports the PDFs left on the file store that no letter
   references (a letter rendered by the killed worker whose transaction never committed).
3. Writes bench/results/scale.json and prints the tables, with the load average at each step.
"""

from __future__ import annotations

import argparse
import email
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import web  # noqa: E402
from bench.close_session import build  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "scale.json"
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/scale_bench"
REDIS_URL = "redis://127.0.0.1:6379/6"
PORTS = (8151, 8152)
# Amounts as the pages print them (French format: 1 120,00 €), whatever the space.
AMOUNT = re.compile(r"(\d{1,3}(?:[\s\u00a0\u202f]\d{3})*,\d{2})\s*(?:€|EUR)")
RUN_TIMEOUT_SECONDS = 600
DELIVERED = re.compile(r"applications\.deliver_outbox\[[^\]]+\] succeeded in \S+: True")


# --- Set-up ---------------------------------------------------------------------------------
def ensure_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    if not name.startswith("scale_"):
        raise SystemExit(f"{name}: this bench writes only to databases named scale_*")
    found = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc",
                            f"SELECT 1 FROM pg_database WHERE datname = '{name}'"], capture_output=True, text=True)
    if found.stdout.strip() != "1":
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)


def shared_env(args, store: Path, mail: Path) -> dict[str, str]:
    """What every process gets: the same database, Redis, file store and mail folder."""
    env = web.server_env(PORTS[0])
    env.update(
        DATABASE_URL=args.database_url, REDIS_URL=args.redis_url, MEDIA_ROOT=str(store),
        EMAIL_URL=f"filemail:///{mail}",
        # A dead worker's letter is due again after 10 s (production: 300 s), swept every 2 s,
        # once its grace (production's 120 s) has passed: the grace is longer than the letters'
        # backlog here, so every letter but the dead worker's goes through its queue.
        OUTBOX_LEASE_SECONDS="10", OUTBOX_SWEEP_SECONDS="2", CLOSING_STALLED_AFTER_SECONDS="60",
        # Every wrk request comes from one address: the limit per address (shared by the
        # instances through Redis) would answer 429s; this measures the simulator, not the limit.
        SIMULATE_RATE_CASES=str(10**9),
    )
    return env


def redis_flush(url: str) -> None:
    host_port, db = url.removeprefix("redis://").split("/")
    host, port = host_port.split(":")
    subprocess.run(["redis-cli", "-h", host, "-p", port, "-n", db, "flushdb"], check=True, capture_output=True)


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --- Web: same answers, then throughput of one and two instances ------------------------------
def _amounts(html: bytes) -> list[str]:
    return [re.sub(r"\s", " ", m) for m in AMOUNT.findall(html.decode("utf-8"))]


def same_answers(simulate: dict[str, Any], page: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps(simulate["target"].body).encode("utf-8")
    answers = [web.request(port, "POST", simulate["path"], body) for port in PORTS]
    pages = [web.request(port, "GET", page["path"], None, page["cookie"]) for port in PORTS]
    simulations = [json.loads(raw) for _status, raw in answers]
    amounts = [_amounts(raw) for _status, raw in pages]
    caches = [web.check_cache_follows_the_database(port, simulate, rounds=4) for port in PORTS]
    ok = (
        all(status == 200 for status, _raw in answers + pages)
        and simulations[0] == simulations[1]
        and bool(amounts[0]) and amounts[0] == amounts[1]
        and all(cache["ok"] for cache in caches)
    )
    return {"ok": ok, "simulate_amount": simulations[0].get("amount"), "page": page["path"],
            "page_amounts": amounts, "cache_follows_the_database": caches}


def wrk_at_once(ports, item, body_file, *, seconds: int, connections: int) -> list[dict[str, Any]]:
    """One wrk per instance, all at once; each instance gets the same connections."""
    with ThreadPoolExecutor(len(ports)) as pool:
        return list(pool.map(lambda port: web.wrk(port, item, body_file, seconds=seconds, connections=connections),
                             ports))


def throughput(item: dict[str, Any], *, seconds: int, rounds: int, connections: int) -> dict[str, Any]:
    """Instance A alone, then A and B at once, alternating (ABBA) so both see the same drift of
    the shared machine's load. Req/s summed over the instances; percentiles are the worst
    instance's median slice."""
    body = web._body(item["target"])
    slices: dict[str, list[list[dict]]] = {"one": [], "two": []}
    with tempfile.TemporaryDirectory() as tmp:
        body_file = None
        if body is not None:
            body_file = str(Path(tmp) / "body.json")
            Path(body_file).write_bytes(body)
        wrk_at_once(PORTS, item, body_file, seconds=web.WARM_UP_SECONDS, connections=connections)
        share = max(1, round(seconds / rounds))
        for number in range(rounds):
            for key in (("one", "two") if number % 2 == 0 else ("two", "one")):
                ports = PORTS[:1] if key == "one" else PORTS
                slices[key].append(wrk_at_once(ports, item, body_file, seconds=share, connections=connections))
    result: dict[str, Any] = {"name": item["target"].name, "path": item["path"]}
    for key, runs in slices.items():
        per_instance = [web._merged(item, [run[i] for run in runs]) for i in range(len(runs[0]))]
        result[key] = {
            "instances": len(per_instance),
            "rps": round(sum(x["rps"] for x in per_instance), 1),
            "rps_per_instance": [x["rps"] for x in per_instance],
            "p50_ms": max(x["p50_ms"] for x in per_instance), "p99_ms": max(x["p99_ms"] for x in per_instance),
            "errors": sum(x["errors"] for x in per_instance),
            "slices_rps": [round(sum(r["requests"] / r["seconds"] for r in run), 1) for run in runs],
        }
    result["scaling"] = round(result["two"]["rps"] / result["one"]["rps"], 2)
    return result


# --- Workers: the letters of a closing, one worker killed ------------------------------------
class Worker:
    def __init__(self, env: dict[str, str], name: str, logs: Path):
        self.name, self.log = name, logs / f"worker-{name}.log"
        self.process = subprocess.Popen(
            [web.PYTHON, "-m", "celery", "-A", "aid_portal", "worker", "--pool=solo", "--queues",
             "default,letters,sweeps", "--hostname", f"scale-{name}@%h", "--without-gossip", "--without-mingle",
             "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while " ready." not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"worker {name} did not start:\n{self.log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.3)

    def deliveries(self) -> int:
        """Outbox rows this worker delivered from a message (its log); the sweep's are not counted."""
        return len(DELIVERED.findall(self.log.read_text(errors="replace")))

    def kill(self) -> None:
        """SIGKILL of the whole process group, as a host that dies: nothing acknowledged."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def start_beat(env: dict[str, str], logs: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [web.PYTHON, "-m", "celery", "-A", "aid_portal", "beat", "--schedule", str(logs / "beat-schedule"),
         "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=(logs / "beat.log").open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def mails_to(mail_dir: Path, recipients: set[str]) -> dict[str, int]:
    """E-mails per recipient among `recipients`, read from the file backend's folder."""
    counts: dict[str, int] = {}
    for path in mail_dir.glob("*.log"):
        for raw in path.read_bytes().split(b"-" * 79):
            if raw.strip():
                to = email.message_from_bytes(raw.strip())["To"]
                if to in recipients:
                    counts[to] = counts.get(to, 0) + 1
    return counts


def letters_run(label: str, workers: list[Worker], *, n: int, kill: Worker | None, store: Path, mail: Path
                ) -> dict[str, Any]:
    """Close a session of n granted files through the workers; kill `kill` once a third of the
    letters are sent; wait for every decision to be notified; check each effect happened once."""
    from django.db.models import Count
    from django.utils import timezone

    from applications.models import Event, OutboxMessage
    from decisions import services as decision_services
    from decisions.models import CommissionSession, Decision, Letter

    tag = datetime.now(UTC).strftime("%H%M%S")
    session, officer, files = build(n, f"{tag}{label[0]}")
    before_files = {p for p in store.rglob("*") if p.is_file()}
    before = {w.name: w.deliveries() for w in workers}
    load_before = load()
    started = time.monotonic()
    decision_services.session_close_start(session=session, by=officer, today=timezone.localdate())
    letters = Letter.objects.filter(decision__session=session)
    closed_at = killed_at = None
    while True:
        now = time.monotonic() - started
        if now > RUN_TIMEOUT_SECONDS:
            raise SystemExit(f"{label}: not done within {RUN_TIMEOUT_SECONDS} s")
        if closed_at is None and CommissionSession.objects.filter(pk=session.pk, status="closed").exists():
            closed_at = now
        sent = letters.filter(sent_at__isnull=False).count()
        if kill is not None and killed_at is None and sent >= n // 3:
            kill.kill()
            killed_at, killed_after = now, sent
        if sent == n and Decision.objects.filter(session=session, notified_on__isnull=False).count() == n:
            break
        time.sleep(0.2)
    seconds = time.monotonic() - started
    decisions = Decision.objects.filter(session=session)
    keys = [f"decision-letters:{pk}" for pk in decisions.values_list("pk", flat=True)]
    rows = OutboxMessage.objects.filter(key__in=keys)
    per_decision = decisions.annotate(n=Count("letters")).values_list("n", flat=True)
    sent_events = Event.objects.filter(application__in=files, kind="letters_sent").values("application").annotate(
        n=Count("pk")).values_list("n", flat=True)
    students = set(files.values_list("student__email", flat=True))
    mails = mails_to(mail, students)
    referenced = {store / name for name in letters.values_list("pdf", flat=True)}
    new_files = {p for p in store.rglob("*") if p.is_file()} - before_files
    checks = {
        "decisions": decisions.count(),
        "files_decided_once": decisions.values("application").distinct().count(),
        "letters": letters.count(),
        "decisions_with_exactly_one_letter": sum(1 for x in per_decision if x == 1),
        "letters_sent": letters.filter(sent_at__isnull=False).count(),
        "pdfs_stored_and_referenced": sum(1 for p in referenced if p.is_file()),
        "pdfs_not_referenced": len(new_files - referenced),
        "letters_sent_events_once": sum(1 for x in sent_events if x == 1),
        "mails_once": sum(1 for x in mails.values() if x == 1),
        "mails_doubled": sum(1 for x in mails.values() if x > 1),
        "outbox_rows": rows.count(),
        "outbox_undelivered": rows.filter(delivered_at__isnull=True).count(),
        "outbox_taken_twice": rows.filter(attempts__gt=1).count(),
    }
    ok = (
        checks["decisions"] == checks["files_decided_once"] == checks["letters"] == n
        and checks["decisions_with_exactly_one_letter"] == checks["letters_sent"] == n
        and checks["pdfs_stored_and_referenced"] == checks["letters_sent_events_once"] == n
        and checks["mails_once"] == n and checks["mails_doubled"] == 0
        and checks["outbox_rows"] == n and checks["outbox_undelivered"] == 0
    )
    return {
        "run": label, "workers": len(workers),
        "deliveries_per_worker": {w.name: w.deliveries() - before[w.name] for w in workers},
        "files": n, "closed_after_s": round(closed_at or seconds, 2), "all_notified_after_s": round(seconds, 2),
        "letters_per_second": round(n / seconds, 2),
        "killed": ({"worker": kill.name, "after_s": round(killed_at, 2), "letters_sent_then": killed_after}
                   if kill is not None and killed_at is not None else None),
        "checks": checks, "ok": ok, "load_before": load_before, "load_after": load(),
    }


# --- Report ---------------------------------------------------------------------------------
def tables(result: dict[str, Any]) -> str:
    lines = [
        "| target | 1 instance x 1 worker | 2 instances x 1 worker | scaling | p99 (1 / 2) | errors |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row in result["web"]:
        one, two = row["one"], row["two"]
        lines.append(f"| {row['name']} | {one['rps']:,.0f} req/s | {two['rps']:,.0f} req/s "
                     f"({' + '.join(f'{x:,.0f}' for x in two['rps_per_instance'])}) | x{row['scaling']} "
                     f"| {one['p99_ms']:.0f} / {two['p99_ms']:.0f} ms | {one['errors'] + two['errors']} |")
    lines += ["", "| run | workers | files | closed after | all notified after | letters/s | per worker "
              "| killed | exactly once |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for run in result["letters"]:
        killed = f"{run['killed']['worker']} at {run['killed']['after_s']} s" if run["killed"] else "-"
        lines.append(f"| {run['run']} | {run['workers']} | {run['files']} | {run['closed_after_s']} s "
                     f"| {run['all_notified_after_s']} s | {run['letters_per_second']} "
                     f"| {run['deliveries_per_worker']} | {killed} | {'yes' if run['ok'] else 'NO'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per target and shape (default 10)")
    parser.add_argument("--rounds", type=int, default=2, help="alternations of one and two instances (default 2)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections per instance (default 8)")
    parser.add_argument("--letters", type=int, default=100, help="files closed per worker run (default 100)")
    parser.add_argument("--database-url", default=os.environ.get("SCALE_DATABASE_URL", DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("SCALE_REDIS_URL", REDIS_URL))
    parser.add_argument("--skip-setup", action="store_true", help="the database is already migrated and seeded")
    parser.add_argument("--skip-web", action="store_true")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    ensure_database(args.database_url)
    redis_flush(args.redis_url)
    work = Path(tempfile.mkdtemp(prefix="scale-bench-"))
    store, mail = work / "store", work / "mail"
    store.mkdir()
    mail.mkdir()
    env = shared_env(args, store, mail)
    web.manage(env, "ensure_signing_certificate")
    if not args.skip_setup:
        # In the embedded shape (tasks eager): seed_demo reads the letters it has just issued.
        web.prepare_database({k: v for k, v in env.items() if k != "REDIS_URL"})
    items = web.resolve([web.BARE, web.TARGETS[0], next(t for t in web.TARGETS if t.name == "commission session page")], env)
    result: dict[str, Any] = {
        "date": datetime.now(UTC).date().isoformat(),
        "setup": {"web": "2 gunicorn instances x 1 sync worker, DJANGO_DEBUG=false, ports " + ", ".join(map(str, PORTS)),
                  "load": f"wrk -t2 -c{args.connections} per instance", "seconds_per_shape": args.duration,
                  "workers": "celery --pool=solo (1 process each), queues default,letters,sweeps; 1 beat",
                  "shared": "PostgreSQL, Redis db " + args.redis_url.rsplit("/", 1)[1] + ", MEDIA_ROOT, mail folder"},
        "machine": {**web.machine(), "load_at_start": load()},
    }
    servers = [web.start_server(env, port, workers=1) for port in PORTS]
    try:
        result["same_answers"] = same_answers(items[1], items[2])
        result["web"] = [] if args.skip_web else [
            throughput(item, seconds=args.duration, rounds=args.rounds, connections=args.connections) for item in items
        ]
    finally:
        for server in servers:
            web.stop_server(server)
    result["load_after_web"] = load()

    beat = start_beat(env, work)
    workers = [Worker(env, "a", work)]
    runs = []
    try:
        runs.append(letters_run("1 worker", workers, n=args.letters, kill=None, store=store, mail=mail))
        workers.append(Worker(env, "b", work))
        runs.append(letters_run("2 workers", workers, n=args.letters, kill=None, store=store, mail=mail))
        runs.append(letters_run("2 workers, b killed", workers, n=args.letters, kill=workers[1], store=store,
                                mail=mail))
    finally:
        for process in [beat, *(w.process for w in workers)]:
            stop(process)
        redis_flush(args.redis_url)  # the killed worker's unacknowledged message, among others
    result["letters"] = runs
    result["letters_scaling"] = round(runs[1]["letters_per_second"] / runs[0]["letters_per_second"], 2)
    result["load_at_end"] = load()
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(tables(result))
    print(f"\nsame answers on both instances: {result['same_answers']['ok']}; load average at start "
          f"{result['machine']['load_at_start']}, end {result['load_at_end']}; logs in {work}")
    failed = [r["run"] for r in runs if not r["ok"]]
    if not result["same_answers"]["ok"] or failed or any(
            row[k]["errors"] for row in result["web"] for k in ("one", "two")):
        raise SystemExit(f"scale bench failed: answers {result['same_answers']['ok']}, runs {failed}")


if __name__ == "__main__":
    main()
