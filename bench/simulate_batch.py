"""Benchmark: one batch of N simulations through the command line (`manage.py simulate FILE`).

    python bench/simulate_batch.py [--cases 10000] [--seed 2026]

Generates N varied, valid cases (the three schemes, every Horizons aid, with and without the
reference-table look-ups), runs the CLI once on all of them in a subprocess, checks it answers
with N results, and writes wall time and peak RSS to bench/results/simulate_batch.json.
The figure includes Django's start-up: it is what an officer running the command waits for.

`generate_cases` is also used by tests/integration/test_batch_queries.py.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "simulate_batch.json"

HORIZONS_AIDS = ("grant", "cooperation", "eurocampus", "pegasus", "humanitarian", "apprentice")
# Eligible levels come first and are drawn more often, as in real demand.
LEVELS = (
    "L3", "M1", "M2", "BTS", "DUT", "DUETE", "HEALTH_SOCIAL", "L1", "L2", "DOCTORATE", "OTHER",
)
COUNTRIES = ("DE", "ES", "IT", "GB", "US", "CA", "JP", "SN", "MA", "BR", "VN", "FR", "RE")
SPECIALTIES = ("general_medicine", "paediatrics", "psychiatry", "gynaecology")
# One template per slot of this cycle, so any 8 consecutive cases cover every scheme and aid.
CYCLE = (*(("horizons", aid) for aid in HORIZONS_AIDS), ("aude", None), ("haute-garonne", None))


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def _money(rng: random.Random, top: int) -> str:
    return f"{rng.randrange(top * 100) / 100:.2f}"


def _horizons(rng: random.Random, aid: str, look_up: bool) -> dict[str, Any]:
    start = _day(rng, date(2022, 9, 1), date(2026, 6, 30))
    end = start + timedelta(days=rng.randrange(20, 300))
    kind = rng.choice(("study", "internship"))
    mobility: dict[str, Any] = {
        "kind": kind,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "country": rng.choice(COUNTRIES),
        "in_curriculum": rng.random() < 0.9,
    }
    if aid == "eurocampus":
        mobility |= {"country": "ES", "subdivision": rng.choice(("ES-CT", "ES-IB"))}
    if kind == "internship":
        mobility["monthly_gratification"] = _money(rng, 900)
    else:
        mobility["ects_credits"] = rng.choice((0, 15, 20, 30, 60))
    if rng.random() < 0.1:
        mobility["actual_end_date"] = _day(rng, start, end).isoformat()
    if not look_up:  # answered by the student instead of read from the partner / ODA tables
        mobility |= {"partner_region": rng.random() < 0.5, "oda_country": rng.random() < 0.3}
    mobility |= {
        "host_independent": rng.random() < 0.5,
        "pegasus_host": aid == "pegasus" and rng.random() < 0.8,
        "pegasus_award": aid == "pegasus" and rng.random() < 0.8,
        "humanitarian": aid == "humanitarian" and rng.random() < 0.8,
    }
    if aid == "apprentice":
        mobility["employer_contribution"] = _money(rng, 500)
    case: dict[str, Any] = {
        "scheme": "horizons",
        "aid": aid,
        "submitted_on": (start - timedelta(days=rng.randrange(-10, 200))).isoformat(),
        "student": {
            "level": LEVELS[min(int(rng.expovariate(0.35)), len(LEVELS) - 1)],
            "establishment_in_region": rng.random() < 0.95,
            "recognised_diploma": rng.random() < 0.95,
            "scholarship_holder": rng.random() < 0.4,
            "apprentice": aid == "apprentice",
        },
        "mobility": mobility,
        "other_aid": {
            "erasmus": rng.random() < 0.3,
            "other_collectivity_grant": rng.random() < 0.05,
            "crous_mobility_aid": rng.random() < 0.2,
        },
    }
    if rng.random() < 0.15:
        prior = rng.choice(HORIZONS_AIDS)
        award = {"aid": prior, "kind": rng.choice(("study", "internship"))}
        if prior == "grant":
            award["weeks"] = rng.randrange(6, 30)
        case["prior_awards"] = [award]
    return case


def _internship(rng: random.Random, first: date, look_up: bool) -> dict[str, Any]:
    start = _day(rng, first, date(2026, 6, 30))
    internship = {
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=rng.randrange(28, 240))).isoformat(),
    }
    if not look_up:  # zone given instead of read from the ARS zoning table
        internship["zone"] = rng.choice(("zip", "zac", "none"))
    return internship


def _commune(rng: random.Random, department: str) -> str:
    return f"{department}{rng.randrange(1, 600):03d}"


def _aude(rng: random.Random, look_up: bool) -> dict[str, Any]:
    return {
        "scheme": "aude",
        "student": {
            "cycle": rng.choice((2, 2, 2, 1, 3)),
            "faculty": rng.choice(("toulouse", "montpellier", "bordeaux")),
            "passed_first_year_exam": rng.random() < 0.9,
        },
        "internship": _internship(rng, date(2018, 1, 1), look_up)
        | {"specialty": rng.choice(SPECIALTIES), "supervisor_commune_insee": _commune(rng, "11")},
    }


def _haute_garonne(rng: random.Random, look_up: bool) -> dict[str, Any]:
    return {
        "scheme": "haute-garonne",
        "student": {
            "cycle": rng.choice((3, 3, 3, 2)),
            "specialty": rng.choice(SPECIALTIES),
            "scholarship_holder": rng.random() < 0.4,
            "social_precarity": rng.random() < 0.2,
        },
        "internship": _internship(rng, date(2021, 6, 1), look_up)
        | {"commune_insee": _commune(rng, "31")},
        "indemnities": rng.choice((["travel", "housing"], ["travel"], ["housing"])),
    }


def generate_cases(n: int, *, seed: int = 2026) -> list[dict[str, Any]]:
    """N valid simulation requests, the same ones for the same seed.

    Two cases out of three leave zoning, partner region and ODA status to the portal's tables,
    so every batch of 8 or more exercises each look-up at least once.
    """
    rng = random.Random(seed)
    cases = []
    for index in range(n):
        scheme, aid = CYCLE[index % len(CYCLE)]
        look_up = index % 3 != 0
        if scheme == "horizons":
            cases.append(_horizons(rng, aid, look_up))
        elif scheme == "aude":
            cases.append(_aude(rng, look_up))
        else:
            cases.append(_haute_garonne(rng, look_up))
    return cases


def run(n: int, seed: int) -> dict[str, Any]:
    cases = generate_cases(n, seed=seed)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(cases, handle)
    try:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "manage.py", "simulate", handle.name],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )
        seconds = time.perf_counter() - started
    finally:
        os.unlink(handle.name)
    if done.returncode != 0:
        sys.exit(f"manage.py simulate exited {done.returncode}:\n{done.stderr[-4000:]}")
    results = json.loads(done.stdout)
    if not isinstance(results, list) or len(results) != n:
        sys.exit(f"expected a JSON array of {n} results, got: {done.stdout[:200]}")
    # ru_maxrss is in KiB on Linux; the only child this process waited for is the CLI run.
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cases": n,
        "seed": seed,
        "eligible": sum(1 for r in results if r.get("eligible")),
        "wall_seconds": round(seconds, 2),
        "cases_per_second": round(n / seconds),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    figures = run(args.cases, args.seed)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(
        f"| {figures['measured_at'][:10]} | {figures['cases']} cases | {figures['wall_seconds']} s "
        f"| {figures['cases_per_second']} cases/s | {figures['peak_rss_mib']} MiB peak RSS "
        f"| {figures['machine']['cpus']} CPUs |"
    )


if __name__ == "__main__":
    main()
