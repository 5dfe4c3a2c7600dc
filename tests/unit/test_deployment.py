"""The production image's web server lets the longest measured request finish.

gunicorn kills a sync worker that stays silent longer than --timeout (30 s by default), and a
worker streaming a download is silent to it. The exports stream 100,000 files in constant memory
but take minutes (bench/results/exports.json): the Dockerfile's timeout must stay above them."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def gunicorn_timeout() -> int:
    cmd = next(line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD"))
    args = json.loads(cmd.removeprefix("CMD"))
    assert args[0] == "gunicorn"
    return int(args[args.index("--timeout") + 1]) if "--timeout" in args else 30


def test_the_timeout_outlasts_the_slowest_measured_export():
    exports = json.loads((ROOT / "bench" / "results" / "exports.json").read_text())["results"]
    slowest = max(result["seconds"] for result in exports)
    assert slowest > 30  # the figure that made the default too short; the check must mean something
    assert gunicorn_timeout() >= 2 * slowest, (gunicorn_timeout(), slowest)
