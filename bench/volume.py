"""Benchmark: generating a realistic volume of files (default 100,000), then verifying every chain.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/aid_volume python bench/volume.py [--files 100000] [--seed 1]

The database must be migrated and hold no generated file (the command refuses otherwise): use a
dedicated one, which is left with the files for measuring the pages against. Runs, each in a
subprocess timed as an operator waits for it (Django's start-up included):

1. `manage.py generate_volume --files N --seed S`, with the child's peak RSS;
2. `manage.py verify_events`, which must find no problem;

then counts the rows of each table filled and writes the figures to bench/results/volume.json,
one entry per database vendor.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "volume.json"


def timed(*args: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t0
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return seconds, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to a dedicated, migrated database.")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aid_portal.settings")

    generate_s, out = timed("generate_volume", "--files", str(args.files), "--seed", str(args.seed))
    peak_rss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    verify_s, verify_out = timed("verify_events")

    import django

    django.setup()
    from django.apps import apps
    from django.db import connection

    tables = ["accounts.User", "applications.Application", "applications.Document", "applications.DocumentRequest",
              "applications.Opinion", "applications.Event", "decisions.CommissionSession", "decisions.SessionEntry",
              "decisions.Decision", "decisions.Appeal", "payments.Instalment", "payments.PaymentRun",
              "payments.LedgerEntry", "payments.Account", "payments.RepaymentOrder"]
    rows = {label: apps.get_model(label).objects.count() for label in tables}
    size = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            size = round(cursor.fetchone()[0] / 2**20, 1)
    result = {
        "date": datetime.now(UTC).date().isoformat(),
        "database": connection.vendor,
        "files": args.files,
        "seed": args.seed,
        "generate_seconds": round(generate_s, 1),
        "files_per_second": round(args.files / generate_s, 1),
        "generate_peak_rss_mib": round(peak_rss_mib, 1),
        "verify_events_seconds": round(verify_s, 1),
        "verify_events": verify_out.strip(),
        "rows": rows,
        "database_size_mib": size,
        "command_output_last_line": out.strip().splitlines()[-1],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    previous[connection.vendor] = result
    RESULTS.write_text(json.dumps(previous, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
