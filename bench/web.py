"""Web benchmark: the portal's pages and API under load, each beside a bare Django view.

    DATABASE_URL=postgres://... python bench/web.py [--duration 10] [--connections 16] [--port 8104]

The production shape: PostgreSQL, gunicorn with 2 sync workers, DJANGO_DEBUG=false, wrk. The
machine is shared and its absolute figures are noisy, so every figure is also given as a ratio
to the bare view (/bench/bare/, routed only when BENCH_BARE_VIEW=1) served by the same gunicorn
in the same run, in slices alternating with each target's.

1. Migrates the database of DATABASE_URL, loads the reference data and the demo data
   (`seed_demo`, idempotent), collects the static files (the manifest DEBUG=false needs) and
   runs VACUUM (ANALYZE), as autovacuum would after a bulk load.
2. Opens a session for every demo user a target needs (the cookie wrk sends) and resolves each
   target's path on the largest objects of the officer's scope (the file with the longest
   history, the session with the longest agenda), then starts gunicorn.
3. Per target: one request that must answer 200 (a redirect to the sign-in page would measure
   the wrong page), a 2 s warm-up, then --duration seconds of wrk on the target and as many on
   the bare view, in --rounds alternating slices (bounded: wrk is killed past its time); reads
   req/s and p50/p95/p99 from bench/wrk.lua. The target's ratio is to the bare view measured in
   the slices between its own, so both see the same load of the shared machine. Then each
   target alone, one connection for --latency-seconds: the time one visitor waits.
4. Checks that a parameter changed in the database is answered by every following request,
   whichever worker takes it (the per-process cache of schemes.selectors), then restores it.
5. Writes bench/results/web.json (the load average before and after, the rows behind the
   officer's pages, each goal met or not) and prints a Markdown table.

On 100,000 files: copy the generated database (`createdb -T aid_portal_100k pages_100k`), run
`seed_demo` on the copy once (its demo users are the ones signed in; its nightly sweep then
rejects the volume's overdue Horizons files, about 2,000 letters: minutes), then this script.

Add a page by adding a Target to TARGETS (bench/web_targets.py).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


RESULTS = ROOT / "bench" / "results" / "web.json"
LUA = ROOT / "bench" / "wrk.lua"
PYTHON = sys.executable
WORKERS = 2
WARM_UP_SECONDS = 2

from bench.web_targets import BARE, OFFICER, TARGETS, Target, volume  # noqa: E402,F401


# --- Set-up -----------------------------------------------------------------------------------
def server_env(port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_DEBUG="false",
        BENCH_BARE_VIEW="1",
        DJANGO_SECRET_KEY=env.get("DJANGO_SECRET_KEY") or "bench-web-only-not-a-secret-0123456789abcdefghijklmnop",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        # wrk is one client address asking thousands of simulations a second: the per-client
        # budget (schemes.throttle) is still charged on each request, but never refuses one.
        SIMULATE_RATE_CASES=str(10**9),
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, timeout=600)


def prepare_database(env: dict[str, str]) -> None:
    manage(env, "migrate", "--noinput")
    manage(env, "load_reference_data")
    # seed_demo issues signed letters: a fresh clone has no demonstration certificate yet.
    manage(env, "ensure_signing_certificate")
    manage(env, "seed_demo")
    manage(env, "collectstatic", "--noinput")
    # What autovacuum does some time after a bulk load (generate_volume, a restored copy): the
    # planner's statistics and the visibility map the index-only counts rely on. Without it, a
    # fresh 100,000-file copy is planned as if it held a few hundred rows.
    subprocess.run([PYTHON, "manage.py", "dbshell", "--", "-c", "VACUUM (ANALYZE)"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, timeout=900)


def resolve(targets: list[Target], env: dict[str, str]) -> list[dict[str, Any]]:
    """Each target's path and session cookie, computed with the server's settings."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aid_portal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    cookies: dict[str, str] = {}
    resolved = []
    for target in targets:
        user = get_user_model().objects.get(email=target.user) if target.user else None
        if user is not None and target.user not in cookies:
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            cookies[target.user] = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        resolved.append(
            {
                "target": target,
                "path": target.path(user) if callable(target.path) else target.path,
                "cookie": cookies.get(target.user or ""),
            }
        )
    return resolved


def start_server(env: dict[str, str], port: int, workers: int = WORKERS) -> subprocess.Popen:
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "aid_portal.wsgi", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", BARE.path)[0] == 200:
                return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit("gunicorn did not answer within 30 s")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


# --- Measuring --------------------------------------------------------------------------------
def request(port: int, method: str, path: str, body: bytes | None = None, cookie: str | None = None):
    headers = {"X-Forwarded-Proto": "https"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if cookie:
        headers["Cookie"] = cookie
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wrk(port: int, item: dict[str, Any], body_file: str | None, *, seconds: int, connections: int) -> dict[str, Any]:
    target = item["target"]
    env = dict(os.environ, WRK_METHOD=target.method, WRK_BODY_FILE=body_file or "", WRK_COOKIE=item["cookie"] or "")
    command = [
        "wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "5s",
        "-s", str(LUA), f"http://127.0.0.1:{port}{item['path']}",
    ]
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK_JSON "))
    raw = json.loads(line.removeprefix("WRK_JSON "))
    return {
        "requests": raw["requests"],
        "seconds": raw["duration_us"] / 1e6,
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "errors": raw["status_errors"] + raw["socket_errors"] + raw["timeouts"],
    }


def settle(port: int, *, limit: float = 60.0) -> None:
    """Wait until the server has worked off what the last slice queued: gunicorn's sync workers
    still serve the requests wrk left in the backlog when it stopped, and a slow page leaves
    seconds of them, which the next slice (the bare view's) would otherwise wait behind."""
    deadline = time.monotonic() + limit
    quick = 0
    while quick < 2 and time.monotonic() < deadline:
        started = time.monotonic()
        try:
            request(port, "GET", BARE.path)
        except OSError:
            quick = 0
            continue
        quick = quick + 1 if time.monotonic() - started < 0.25 else 0


def _body(target: Target) -> bytes | None:
    return json.dumps(target.body).encode("utf-8") if target.body is not None else None


def check_answers(port: int, item: dict[str, Any]) -> None:
    target = item["target"]
    status, _ = request(port, target.method, item["path"], _body(target), item["cookie"])
    if status != 200:
        raise SystemExit(f"{target.name}: {target.method} {item['path']} answered {status}, not 200")


def compare(port: int, bare: dict[str, Any], item: dict[str, Any], *, seconds: int, connections: int,
            rounds: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The target and the bare view in alternating slices (bare first, then the target first
    in the next round), `seconds` each in all: both see the same drift of the machine's load.
    Req/s over all slices; the percentiles are the median of the slices'."""
    slices: dict[str, list] = {"bare": [], "target": []}
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for key, each in (("bare", bare), ("target", item)):
            check_answers(port, each)
            body = _body(each["target"])
            if body is not None:
                files[key] = str(Path(tmp) / f"{key}.json")
                Path(files[key]).write_bytes(body)
            wrk(port, each, files.get(key), seconds=WARM_UP_SECONDS, connections=connections)
            settle(port)
        share = max(1, round(seconds / rounds))
        for number in range(rounds):
            order = ("bare", "target") if number % 2 == 0 else ("target", "bare")
            for key in order:
                each = bare if key == "bare" else item
                slices[key].append(wrk(port, each, files.get(key), seconds=share, connections=connections))
                settle(port)
    return _merged(bare, slices["bare"]), _merged(item, slices["target"])


def _merged(item: dict[str, Any], runs: list[dict[str, Any]]) -> dict[str, Any]:
    target = item["target"]
    requests, seconds = sum(run["requests"] for run in runs), sum(run["seconds"] for run in runs)
    if not requests or not seconds:
        raise SystemExit(f"{target.name}: wrk completed no request in {seconds:.1f} s ({runs})")
    middle = lambda key: sorted(run[key] for run in runs)[len(runs) // 2]  # noqa: E731
    return {
        "name": target.name, "method": target.method, "path": item["path"], "user": target.user,
        "requests": requests, "rps": round(requests / seconds, 1),
        "p50_ms": middle("p50_ms"), "p95_ms": middle("p95_ms"), "p99_ms": middle("p99_ms"),
        "max_ms": max(run["max_ms"] for run in runs), "errors": sum(run["errors"] for run in runs),
        "slices_rps": [round(run["requests"] / run["seconds"], 1) for run in runs],
    }


def latency(port: int, item: dict[str, Any], *, seconds: int) -> dict[str, Any]:
    """One connection, one request at a time: the time a single visitor waits for the page
    when the server is not saturated (under 16 connections, latency is mostly queueing)."""
    with tempfile.TemporaryDirectory() as tmp:
        body = _body(item["target"])
        body_file = None
        if body is not None:
            body_file = str(Path(tmp) / "body.json")
            Path(body_file).write_bytes(body)
        run = wrk(port, item, body_file, seconds=seconds, connections=1)
    return {"requests": run["requests"], "p50_ms": run["p50_ms"], "p95_ms": run["p95_ms"], "p99_ms": run["p99_ms"]}


def check_cache_follows_the_database(port: int, item: dict[str, Any], rounds: int) -> dict[str, Any]:
    """Change the weekly rate in the database (as the admin does: save(), which bumps the
    version stamp), then every following request, whichever worker serves it, must answer the
    new amount; the old value is then put back and must be answered again."""
    from schemes.models import Parameter

    body = json.dumps(item["target"].body).encode("utf-8")
    amounts = lambda: {json.loads(request(port, "POST", item["path"], body)[1])["amount"] for _ in range(rounds)}  # noqa: E731
    before = amounts()
    rate = Parameter.objects.filter(scheme__code="horizons", key="weekly_rate").latest("valid_from")
    original = rate.value
    rate.value = "71.00"
    rate.save()
    try:
        changed = amounts()
    finally:
        rate.value = original
        rate.save()
    restored = amounts()
    ok = len(before) == len(changed) == 1 and changed != before and restored == before
    return {"requests_per_step": rounds, "before": sorted(before), "after_change": sorted(changed),
            "after_restore": sorted(restored), "ok": ok}


# --- Report -----------------------------------------------------------------------------------
# The goals: the simulator at 70 % of the bare view; each page at 20 % with p95 under
# 50 ms (p95 of the run under --connections; the one-connection latency is given beside it).
SIMULATOR_RATIO, PAGE_RATIO, PAGE_P95_MS = 0.70, 0.20, 50.0


def goal(row: dict[str, Any]) -> dict[str, Any]:
    if row["path"] == "/api/v1/simulate":
        return {"ratio": SIMULATOR_RATIO, "met": row["ratio"] >= SIMULATOR_RATIO}
    return {"ratio": PAGE_RATIO, "p95_ms": PAGE_P95_MS,
            "met": row["ratio"] >= PAGE_RATIO and row["p95_ms"] < PAGE_P95_MS}


def machine() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "postgresql": postgres}


def table(result: dict[str, Any]) -> str:
    lines = [
        "| target | req/s | p50 | p95 | p99 | bare view, same slices | ratio to bare | goal | one connection: p50 / p95 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in [result["bare"], *result["targets"]]:
        aim = row.get("goal")
        if aim is None:
            verdict = "ceiling"
        else:
            wanted = f"{aim['ratio']:.0%}" + (f", p95 < {aim['p95_ms']:.0f} ms" if "p95_ms" in aim else "")
            verdict = f"{wanted}: {'met' if aim['met'] else 'not met'}"
        alone = row.get("one_connection")
        alone_text = f"{alone['p50_ms']:.1f} / {alone['p95_ms']:.1f} ms" if alone else "-"
        lines.append(
            f"| {row['name']} | {row['rps']:,.0f} | {row['p50_ms']:.1f} ms | {row['p95_ms']:.1f} ms "
            f"| {row['p99_ms']:.1f} ms | {row['bare_rps']:,.0f} req/s | {row['ratio']:.0%} | {verdict} | {alone_text} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per target (default 10)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3, help="alternations of bare and target (default 3)")
    parser.add_argument("--port", type=int, default=8104)
    parser.add_argument("--skip-setup", action="store_true", help="the database is already migrated and seeded")
    parser.add_argument("--only", help="the targets whose name contains this text (default: all)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--latency-seconds", type=int, default=3,
                        help="seconds of wrk with one connection per target, for the unloaded latency (0: none)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database (the production shape)")

    env = server_env(args.port)
    if not args.skip_setup:
        prepare_database(env)
    targets = [t for t in TARGETS if not args.only or args.only in t.name]
    items = resolve([BARE, *targets], env)
    from django.contrib.auth import get_user_model

    rows_behind = volume(get_user_model().objects.get(email=OFFICER))
    load_before = os.getloadavg()
    server = start_server(env, args.port)
    kw = {"seconds": args.duration, "connections": args.connections, "rounds": args.rounds}
    try:
        bares, rows, alone = [], [], {}
        for item in items[1:]:
            bare, row = compare(args.port, items[0], item, **kw)
            row["bare_rps"], row["ratio"] = bare["rps"], round(row["rps"] / bare["rps"], 3)
            row["goal"] = goal(row)
            print(f"{row['name']}: {row['rps']} req/s, bare {bare['rps']} req/s, ratio {row['ratio']}, "
                  f"p95 {row['p95_ms']} ms", file=sys.stderr, flush=True)
            bares.append(bare)
            rows.append(row)
        if args.latency_seconds:
            for item in items:
                alone[item["target"].name] = latency(args.port, item, seconds=args.latency_seconds)
                settle(args.port)
            for row in rows:
                row["one_connection"] = alone[row["name"]]
        simulator = next((item for item in items if item["target"].path == "/api/v1/simulate"), None)
        cache = check_cache_follows_the_database(args.port, simulator, rounds=4 * WORKERS) if simulator else {"ok": True}
    finally:
        stop_server(server)

    bare = {key: bares[0][key] for key in ("name", "method", "path", "user")}
    for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "max_ms"):
        bare[key] = round(sum(run[key] for run in bares) / len(bares), 3)
    bare.update(requests=sum(run["requests"] for run in bares), errors=sum(run["errors"] for run in bares),
                bare_rps=bare["rps"], ratio=1.0, runs_rps=[run["rps"] for run in bares],
                one_connection=alone.get(BARE.name))
    result = {
        "date": datetime.now(UTC).isoformat(timespec="minutes"),
        "setup": {"server": f"gunicorn, {WORKERS} sync workers, DJANGO_DEBUG=false", "load": "wrk -t2",
                  "connections": args.connections, "seconds_per_target": args.duration,
                  "latency_seconds_one_connection": args.latency_seconds,
                  "conn_max_age": env.get("DATABASE_CONN_MAX_AGE", "settings default")},
        "machine": {**machine(), "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in os.getloadavg()]},
        "database": {"name": os.environ["DATABASE_URL"].rsplit("/", 1)[-1], **rows_behind},
        "bare": bare,
        "targets": rows,
        "cache_follows_the_database": cache,
    }
    args.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(table(result))
    print(f"\nbare view beside each target: {bare['runs_rps']} req/s; cache check: {'ok' if cache['ok'] else 'FAILED'} {cache}")
    if not cache["ok"] or any(row["errors"] for row in [bare, *rows]):
        raise SystemExit("errors during the run (see bench/results/web.json)")


if __name__ == "__main__":
    main()
