"""Where a page's time goes: each target of bench/web.py served in process, profiled.

    DATABASE_URL=postgres://... python bench/profile_pages.py [--requests 30] [--only queue]

The web benchmark says how fast a page is beside the bare view; this says why. Each target is
requested through Django's test client with the benchmark's settings (DJANGO_DEBUG=false, the
same signed-in demo user, the same path resolved the same way), so middleware, sessions,
templates and queries all run as under gunicorn, without the HTTP server and wrk sharing the
CPU. Per target it prints: the mean wall and CPU time per request, the queries of one request
(count, total time, the slowest three), then pyinstrument's call tree over --requests requests.
The trees are written to bench/results/profiles/<target>.txt for the README's quotes.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.web import BARE, TARGETS, _body, resolve, server_env  # noqa: E402

OUT = ROOT / "bench" / "results" / "profiles"


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def cpu_profile(call, requests: int) -> str:
    """CPU seconds by function (cumulative), from cProfile timed by process_time: on a machine
    whose cores are shared, wall time mostly measures the other processes."""
    import cProfile
    import io
    import pstats

    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for _ in range(requests):
        call()
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(r"portal|templatetags|template/(loader|defaulttags|loader_tags)|i18n|crispy|static|reverse|session|auth|views|selectors|queues|query\.py:\d+\(__iter__\)", 60)
    stats.sort_stats("tottime").print_stats(25)
    return out.getvalue()


# Where the CPU of a request goes, by the cumulative time of a few well-known frames.
SHARES = {
    "template rendering": ("django/template/response.py", "rendered_content"),
    "of which crispy forms": ("crispy_forms/templatetags/crispy_forms_filters.py", "as_crispy_field"),
    "of which {% translate %}": ("django/templatetags/i18n.py", "render"),
    "view (context, queries)": ("django/views/generic/base.py", "view"),
    "simulator API view": ("ninja/operation.py", "run"),
    "database driver (execute)": ("~", "<method 'execute' of 'psycopg2.extensions.cursor' objects>"),
}


def cpu_shares(call, requests: int) -> str:
    """The CPU share of rendering, views and the driver (cProfile on process time)."""
    import cProfile
    import pstats

    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for _ in range(requests):
        call()
    profile.disable()
    stats = pstats.Stats(profile).stats
    total = sum(tottime for _cc, _nc, tottime, _cum, _callers in stats.values())
    parts = []
    for label, (file, name) in SHARES.items():
        cumulative = max((cum for (f, _line, n), (_cc, _nc, _tt, cum, _c) in stats.items()
                          if f.endswith(file) and n == name), default=0.0)
        if cumulative:
            parts.append(f"{label} {cumulative / total:.0%}")
    return "CPU under cProfile: " + ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30, help="requests profiled per target")
    parser.add_argument("--only", help="the targets whose name contains this text")
    parser.add_argument("--no-tree", action="store_true", help="timings and queries only")
    parser.add_argument("--cpu", action="store_true",
                        help="cProfile on CPU time (the machine's load does not inflate it) instead of pyinstrument")
    args = parser.parse_args()

    env = server_env(8141)
    env["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    targets = [t for t in TARGETS if not args.only or args.only in t.name]
    items = resolve([BARE, *targets], env)

    from django.db import connection
    from django.test import Client
    from pyinstrument import Profiler

    def recorded(log):
        def wrapper(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                log.append({"sql": sql, "params": params, "time": time.perf_counter() - started})

        return wrapper

    OUT.mkdir(parents=True, exist_ok=True)
    for item in items:
        target = item["target"]
        client = Client(HTTP_X_FORWARDED_PROTO="https")
        if item["cookie"]:
            name, value = item["cookie"].split("=", 1)
            client.cookies[name] = value
        body = _body(target)

        def call(client=client, path=item["path"], method=target.method, body=body):
            if method == "POST":
                return client.post(path, body, content_type="application/json")
            return client.get(path)

        for _ in range(3):  # warm: templates compiled, connection opened, caches filled
            response = call()
            assert response.status_code == 200, (target.name, item["path"], response.status_code)
        queries: list[dict] = []
        with connection.execute_wrapper(recorded(queries)):
            call()
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.requests):
            call()
        wall = (time.perf_counter() - started) / args.requests * 1000
        cpu = (time.process_time() - cpu) / args.requests * 1000
        query_ms = sum(float(q["time"]) for q in queries) * 1000
        slowest = sorted(queries, key=lambda q: -float(q["time"]))[:3]
        print(f"\n=== {target.name}  {item['path']}")
        print(f"wall {wall:.1f} ms, CPU {cpu:.1f} ms per request; {len(queries)} queries, {query_ms:.1f} ms")
        for q in slowest:
            print(f"   {float(q['time']) * 1000:7.1f} ms  {q['sql'][:220]}")
        if os.environ.get("PROFILE_SQL_DIR"):
            with connection.cursor() as cursor:
                lines = [f"-- {float(q['time']) * 1000:.1f} ms\n{cursor.mogrify(q['sql'], q['params']).decode()};\n"
                         for q in queries if q["params"] is not None]
            Path(os.environ["PROFILE_SQL_DIR"], f"{slug(target.name)}.sql").write_text("\n".join(lines))
        shares = cpu_shares(call, max(5, args.requests // 2))
        print(shares)
        if args.no_tree:
            continue
        if args.cpu:
            print(cpu_profile(call, args.requests))
            continue
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(args.requests):
            call()
        profiler.stop()
        text = profiler.output_text(unicode=False, color=False, show_all=False)
        (OUT / f"{slug(target.name)}.txt").write_text(
            f"{target.name} {item['path']}: {args.requests} requests, DATABASE {os.environ.get('DATABASE_URL', '').rsplit('/', 1)[-1]}\n"
            f"wall {wall:.1f} ms, CPU {cpu:.1f} ms per request; {len(queries)} queries, {query_ms:.1f} ms\n{shares}\n\n{text}",
            encoding="utf-8",
        )
        print(text[:6000])


if __name__ == "__main__":
    main()
