"""Every entry of the beat schedule names a task the worker knows, and each one does its work."""

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core import mail
from django.utils import timezone

from aid_portal.celery import app
from applications import services
from applications.models import Application
from applications.states import State
from tests.flows import horizons_actors, horizons_draft
from tests.integration.test_archive import files  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2]
PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db

# What a worker does at start-up, in a process of its own: the test process may have imported
# a task module by chance, which would hide one the worker never loads.
WORKER_TASKS = (
    "from aid_portal.celery import app\n"
    "app.loader.import_default_modules()\n"
    "import json; print(json.dumps(sorted(app.tasks)))\n"
)


def test_every_beat_entry_names_a_task_the_worker_registers():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run([sys.executable, "-c", WORKER_TASKS], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    registered = set(json.loads(done.stdout.splitlines()[-1]))
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled and scheduled - registered == set()


def run_beat_entry(name: str):
    """Run a beat entry's task the way the worker finds it: by name, after its start-up imports."""
    app.loader.import_default_modules()
    return app.tasks[settings.CELERY_BEAT_SCHEDULE[name]["task"]].delay().get()


def test_clear_expired_sessions_deletes_only_expired_ones():
    expired, live = SessionStore(), SessionStore()
    expired.create()
    live.create()
    Session.objects.filter(session_key=expired.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))

    assert run_beat_entry("clear-expired-sessions") == 1

    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
    assert run_beat_entry("clear-expired-sessions") == 0


def test_deadline_sweeps_reject_a_file_left_incomplete(django_capture_on_commit_callbacks):
    actors = horizons_actors()
    app_ = services.application_submit(application=horizons_draft(actors), by=actors["student"], today=date(2025, 6, 1))
    services.opinion_record(application=app_, by=actors["staff"], favourable=True, comment="Bon dossier")
    app_.refresh_from_db()
    services.document_request_create(application=app_, items=["scholarship_notice"], message="Notification",
                                     by=actors["officer"], today=date(2025, 11, 15))
    mail.outbox.clear()
    with time_machine.travel(datetime(2026, 1, 16, 2, 15, tzinfo=PARIS)):
        with django_capture_on_commit_callbacks(execute=True):
            result = run_beat_entry("deadline-sweeps")
    assert result["incomplete_rejected"] == 1
    assert Application.objects.get(pk=app_.pk).state == State.REJECTED_INCOMPLETE


def test_archive_files_minimises_a_file_past_its_control_period(files, django_capture_on_commit_callbacks):  # noqa: F811
    old, recent = files
    with time_machine.travel(datetime(2029, 6, 1, 3, 45, tzinfo=PARIS)):
        with django_capture_on_commit_callbacks(execute=True):
            assert run_beat_entry("archive-files") == 1
    assert Application.objects.get(pk=old.pk).archived_at is not None
    assert Application.objects.get(pk=recent.pk).archived_at is None
