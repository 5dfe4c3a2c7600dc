"""A Celery worker (with its embedded beat) for the fault tests, started by the test itself.

Optional hooks, by environment variable, make it slow or hang exactly where a test kills it:
FAULT_DECIDE_SECONDS (each file of a closing takes this long), FAULT_CLOSING_BATCH (files per
batch), FAULT_HANG_RENDER (rendering a letter touches this file, then hangs). Without them it is
the production worker, on the test's own Redis and database.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aid_portal.settings")

import django  # noqa: E402

django.setup()

from aid_portal.celery import app  # noqa: E402


def install_hooks() -> None:
    from decisions.letters import issue
    from decisions.services import closing as sessions

    if os.environ.get("FAULT_CLOSING_BATCH"):
        sessions.CLOSING_BATCH = int(os.environ["FAULT_CLOSING_BATCH"])
    delay = float(os.environ.get("FAULT_DECIDE_SECONDS", "0"))
    if delay:
        decide = sessions._decide

        def slow_decide(**kwargs):
            time.sleep(delay)
            return decide(**kwargs)

        sessions._decide = slow_decide
    marker = os.environ.get("FAULT_HANG_RENDER")
    if marker:

        def hanging_render(html):
            Path(marker).touch()
            time.sleep(600)

        issue.html_to_pdf = hanging_render


if __name__ == "__main__":
    install_hooks()
    app.worker_main([
        "worker", "--pool=solo", "--beat", "--schedule", os.environ["FAULT_BEAT_SCHEDULE"], "--loglevel=INFO",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--hostname", f"fault-{os.getpid()}@%h",
    ])
