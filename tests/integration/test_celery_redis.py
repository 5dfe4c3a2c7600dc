"""Celery in both shapes: through Redis to a real worker, and eager without REDIS_URL."""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import AsyncResult, EagerResult
from celery.signals import task_prerun
from django.conf import settings

from aid_portal.celery import app as celery_app
from aid_portal.celery import ping

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.redis
@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (a real Redis broker)")
def test_a_task_goes_through_redis_to_a_worker():
    assert celery_app.conf.broker_url == settings.REDIS_URL
    assert celery_app.conf.broker_url.startswith("redis://")
    assert not celery_app.conf.task_always_eager
    celery_app.control.purge()  # drop anything an earlier test left in the queue

    runs = {}

    def record(sender, task_id, task, **kwargs):
        delivery = task.request.delivery_info or {}
        runs[task_id] = (task.request.is_eager, delivery.get("routing_key"), threading.get_ident())

    task_prerun.connect(record, weak=False)
    result = ping.delay("hello")
    try:
        assert isinstance(result, AsyncResult) and not isinstance(result, EagerResult)
        # No worker yet: the message waits in the Redis list of the default queue.
        with celery_app.connection_for_write() as conn:
            queued = conn.default_channel.client.llen(celery_app.conf.task_default_queue)
        assert queued == 1
        assert result.state == "PENDING"

        # A real worker (solo pool, in a thread) consumes it; start_worker joins the thread on
        # exit and raises if it is still alive, so nothing outlives the test.
        with start_worker(celery_app, pool="solo", perform_ping_check=False):
            assert result.get(timeout=20) == "hello"

        # Run by the worker's thread, from a message delivered by the broker's queue.
        eager, routing_key, thread = runs[result.id]
        assert (eager, routing_key) == (False, celery_app.conf.task_default_queue)
        assert thread != threading.get_ident()
    finally:
        task_prerun.disconnect(record)
        result.forget()


def test_without_redis_url_tasks_run_eagerly_on_sqlite():
    # A clean environment (PATH and HOME only) and no .env file read, as on a fresh checkout.
    code = (
        "import environ; environ.Env.read_env = lambda *args, **kwargs: None\n"
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'aid_portal.settings'\n"
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from aid_portal.celery import app, ping\n"
        "result = ping.delay('hello')\n"
        "print(json.dumps({'eager': settings.CELERY_TASK_ALWAYS_EAGER,\n"
        "    'engine': settings.DATABASES['default']['ENGINE'], 'broker': app.conf.broker_url,\n"
        "    'result': type(result).__name__, 'value': result.get()}))\n"
    )
    env = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {
        "eager": True,
        "engine": "django.db.backends.sqlite3",
        "broker": "memory://",
        "result": "EagerResult",
        "value": "hello",
    }
