"""Celery queues split by urgency (settings.CELERY_TASK_ROUTES, docs/scaling.md): each task's
queue, the outbox publishing a row's delivery to its task's queue, and docker-compose.yml
consuming every queue with one beat."""

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.db import transaction

from aid_portal.celery import app
from applications.services import outbox as outbox_module
from applications.services.outbox import outbox_put

ROOT = Path(__file__).resolve().parents[2]

# The intended split, written out: a task moved to another queue must be moved here on purpose.
EXPECTED = {
    "applications.send_mail": "default",
    "applications.deliver_outbox": "default",
    "applications.deliver_outbox_many": "default",
    "applications.sweep_outbox": "default",
    "decisions.resume_stalled_closings": "default",
    "aid_portal.ping": "default",
    "decisions.issue_decision_letters": "letters",
    "decisions.issue_letter": "letters",
    "payments.issue_formal_notice": "letters",
    "payments.issue_repayment_demand": "letters",
    "decisions.close_session": "sweeps",
    "aid_portal.tasks.run_deadlines": "sweeps",
    "aid_portal.tasks.archive_files": "sweeps",
    "aid_portal.tasks.clear_expired_sessions": "sweeps",
}

WORKER_TASKS = (
    "from aid_portal.celery import app\n"
    "app.loader.import_default_modules()\n"
    "import json; print(json.dumps(sorted(t for t in app.tasks if not t.startswith('celery.'))))\n"
)


def test_every_task_a_worker_registers_has_its_intended_queue():
    # In a fresh process, as a worker starts: the test process may have imported more by chance.
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run([sys.executable, "-c", WORKER_TASKS], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    registered = set(json.loads(done.stdout.splitlines()[-1]))
    assert registered == set(EXPECTED), "a task without a queue of its own, or a route to a task that is gone"
    # Celery's own router, as beat and .delay() use it: the name decides the queue.
    routed = {name: app.amqp.router.route({}, name)["queue"].name for name in registered}
    assert routed == EXPECTED


@pytest.mark.parametrize(
    ("task", "queue"),
    [("decisions.issue_decision_letters", "letters"), ("applications.send_mail", "default"),
     ("decisions.close_session", "sweeps")],
)
@pytest.mark.django_db(transaction=True)
def test_an_outbox_row_is_delivered_on_its_tasks_queue(task, queue):
    """The delivery task is the same for every row (applications.deliver_outbox); the queue it is
    published to is the row's task's, read from the broker itself (kombu's in-memory transport)."""
    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, "memory://"
    outbox_module._publish_paused_until = 0.0
    try:
        with transaction.atomic():
            row = outbox_put(task=task, args=[1], key=f"queue-test:{task}:{date.today()}")
        with app.connection_for_read() as conn:
            sizes = {name: conn.SimpleQueue(name).qsize() for name in ("default", "letters", "sweeps")}
            message = conn.SimpleQueue(queue).get(timeout=1)
            message.ack()
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
        outbox_module._publish_paused_until = 0.0
    assert sizes == {name: int(name == queue) for name in sizes}
    assert message.headers["task"] == "applications.deliver_outbox"
    assert message.payload[0] == [row.pk]


def compose_services() -> dict[str, str]:
    """Each service of docker-compose.yml and its command line (the JSON-style list it writes)."""
    services, name = {}, None
    for line in (ROOT / "docker-compose.yml").read_text().splitlines():
        if match := re.fullmatch(r"  ([a-z][a-z0-9-]*):", line):
            name = match.group(1)
        elif name and (match := re.fullmatch(r"    command: (\[.*\])", line)):
            services[name] = " ".join(json.loads(match.group(1)))
    return services


def test_docker_compose_consumes_every_queue_and_runs_one_beat():
    services = compose_services()
    consumed: dict[str, list[str]] = {}
    for name, command in services.items():
        if " worker" in command:
            queues = re.search(r"(?:-Q|--queues) (\S+)", command)
            assert queues, f"{name} consumes no named queue: it would take only Celery's default"
            for queue in queues.group(1).split(","):
                consumed.setdefault(queue, []).append(name)
    assert set(consumed) == set(EXPECTED.values())
    assert all(len(names) == 1 for names in consumed.values()), consumed  # one service per queue, scaled apart
    # Beat alone, once, never embedded in a worker (-B): two beats would enqueue every sweep twice.
    beats = [name for name, command in services.items() if " beat" in command]
    assert beats == ["beat"]
    assert not any(re.search(r"(^| )(-B|--beat)( |$)", command) for command in services.values())


@pytest.mark.django_db(transaction=True)
def test_a_transaction_s_rows_go_in_chunks_each_to_its_task_s_queue():
    """Rows written together are published together (applications.deliver_outbox_many, chunks of
    PUBLISH_CHUNK), but never across queues: letters stay on the letters queue, e-mails on
    default."""
    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, "memory://"
    outbox_module._publish_paused_until = 0.0
    try:
        with transaction.atomic():
            letters = [outbox_put(task="decisions.issue_decision_letters", args=[k], key=f"chunks:letter:{k}")
                       for k in range(3)]
            mails = [outbox_put(task="applications.send_mail", args=[k, "x", {}], key=f"chunks:mail:{k}")
                     for k in range(2)]
        with app.connection_for_read() as conn:
            received = {}
            for name in ("default", "letters", "sweeps"):
                queue = conn.SimpleQueue(name)
                received[name] = []
                while queue.qsize():
                    message = queue.get(timeout=1)
                    received[name].append((message.headers["task"], message.payload[0]))
                    message.ack()
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
        outbox_module._publish_paused_until = 0.0
    assert received == {
        "letters": [("applications.deliver_outbox_many", [[row.pk for row in letters]])],
        "default": [("applications.deliver_outbox_many", [[row.pk for row in mails]])],
        "sweeps": [],
    }
