"""A Celery worker (with its embedded beat) for the fault tests, started by the test itself.

Optional hooks, by environment variable, make it slow or hang exactly where a test kills it:
FAULT_DECIDE_SECONDS (each file of a closing takes this long), FAULT_CLOSING_BATCH (files per
batch), FAULT_HANG_RENDER (rendering a letter touches this file, then hangs), FAULT_RESTORE_SECONDS
(how often the worker gives back the messages of dead workers once past the visibility timeout:
kombu's default is every 10 x 10 s), FAULT_PUBLISH_CHUNK (outbox rows per message it publishes,
20 in production: 1 spreads a closing's letters over the workers). It consumes every queue
of settings.CELERY_TASK_ROUTES (production splits them over several workers); FAULT_NO_BEAT=1
starts it without the embedded beat, for a second worker beside one that has it (beat is one
instance). Without them it is the production worker, on the test's own Redis and database.
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

    if os.environ.get("FAULT_PUBLISH_CHUNK"):
        from applications.services import outbox

        outbox.PUBLISH_CHUNK = int(os.environ["FAULT_PUBLISH_CHUNK"])
    if os.environ.get("FAULT_CLOSING_BATCH"):
        sessions.CLOSING_BATCH = int(os.environ["FAULT_CLOSING_BATCH"])
    delay = float(os.environ.get("FAULT_DECIDE_SECONDS", "0"))
    if delay:
        decide = sessions._decide

        def slow_decide(**kwargs):
            time.sleep(delay)
            return decide(**kwargs)

        sessions._decide = slow_decide
    if os.environ.get("FAULT_RESTORE_SECONDS"):
        app.conf.broker_transport_options = {
            **app.conf.broker_transport_options,
            "unacked_restore_interval": float(os.environ["FAULT_RESTORE_SECONDS"]),
            "unacked_restore_throttle": 1,
        }
    marker = os.environ.get("FAULT_HANG_RENDER")
    if marker:

        def hanging_render(html):
            Path(marker).touch()
            time.sleep(600)

        issue.html_to_pdf = hanging_render


def queues() -> str:
    from django.conf import settings

    return ",".join(sorted({settings.CELERY_TASK_DEFAULT_QUEUE} | {r["queue"] for r in settings.CELERY_TASK_ROUTES.values()}))


if __name__ == "__main__":
    install_hooks()
    beat = [] if os.environ.get("FAULT_NO_BEAT") else ["--beat", "--schedule", os.environ["FAULT_BEAT_SCHEDULE"]]
    app.worker_main([
        "worker", "--pool=solo", *beat, "--queues", queues(), "--loglevel=INFO",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--hostname", f"fault-{os.getpid()}@%h",
    ])
