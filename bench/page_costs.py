"""What one request of each bench/web.py target costs, in one process: queries, CPU, and time
spent waiting for PostgreSQL. docs/scaling.md sizes the web tier and the database from these.

    python bench/page_costs.py [--requests 20]      # on the database of bench/scale.py

wrk's figures on a shared machine mix the page's cost with everything else the cores run; these
are the page's own: the Django test client (the whole middleware stack, DJANGO_DEBUG=false), a
warm-up request, then --requests requests timed with `time.process_time()` and an execute
wrapper summing the queries' wall time. Writes bench/results/page_costs.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import web  # noqa: E402
from bench.scale import DATABASE_URL  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "page_costs.json"


def cost(item: dict, requests: int) -> dict:
    from django.db import connection
    from django.test import Client

    target = item["target"]
    client = Client(HTTP_COOKIE=item["cookie"] or "")
    body = web._body(target)

    def once():
        if target.method == "POST":
            return client.post(item["path"], body, content_type="application/json", secure=True)
        return client.get(item["path"], secure=True)

    if once().status_code != 200:
        raise SystemExit(f"{target.name}: {item['path']} did not answer 200")
    seen = {"queries": 0, "seconds": 0.0}

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seen["seconds"] += time.perf_counter() - started
            seen["queries"] += 1

    cpu, wall = time.process_time(), time.perf_counter()
    with connection.execute_wrapper(timed):
        for _ in range(requests):
            once()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"name": target.name, "path": item["path"], "queries": round(seen["queries"] / requests, 1),
            "cpu_ms": round(1000 * cpu / requests, 1), "database_ms": round(1000 * seen["seconds"] / requests, 1),
            "wall_ms": round(1000 * wall / requests, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--database-url", default=os.environ.get("SCALE_DATABASE_URL", DATABASE_URL))
    args = parser.parse_args()
    env = web.server_env(0)
    # Every request from one address: the simulator's limit per address would answer 429s.
    env.update(DATABASE_URL=args.database_url, DJANGO_ALLOWED_HOSTS="testserver", SIMULATE_RATE_CASES=str(10**9))
    env.pop("REDIS_URL", None)
    items = web.resolve(web.TARGETS, env)
    rows = [cost(item, args.requests) for item in items]
    result = {"date": datetime.now(UTC).date().isoformat(), "requests_each": args.requests,
              "load_average": [round(x, 2) for x in os.getloadavg()], "machine": web.machine(), "pages": rows}
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print("| page | queries | CPU | waiting for PostgreSQL | wall |\n| --- | --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row['name']} | {row['queries']:g} | {row['cpu_ms']} ms | {row['database_ms']} ms | {row['wall_ms']} ms |")
    print(f"load average {result['load_average']}")


if __name__ == "__main__":
    main()
