"""The outbox: background work written with the change that calls for it, delivered after
commit, and delivered again by the sweep when the broker was away or the worker died."""

from __future__ import annotations

import smtplib
import socket
import time
from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from applications import services
from applications.models import OutboxMessage
from applications.services import outbox as outbox_module
from applications.services.outbox import outbox_deliver, outbox_put, outbox_sweep
from tests.flows import horizons_draft as draft

pytestmark = pytest.mark.django_db


def submit(actors):
    return services.application_submit(application=draft(actors), by=actors["student"], today=date(2025, 6, 1))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broker_down(settings):
    """Celery as in production (not eager), its broker on a port where nothing listens."""
    from aid_portal.celery import app

    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, f"redis://127.0.0.1:{closed_port()}/0"
    outbox_module._publish_paused_until = 0.0
    yield app
    app.conf.task_always_eager, app.conf.broker_url = saved
    outbox_module._publish_paused_until = 0.0


def test_the_proof_of_filing_is_written_with_the_submission(actors, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        app = submit(actors)
    row = OutboxMessage.objects.get()
    assert (row.task, row.args[:2], row.delivered_at) == ("applications.send_mail", [app.pk, "submitted"], None)
    assert row.args[2]["received"]  # the acknowledgement's fields travel with the row (CRPA L112-11)
    assert row.key == f"mail:submitted:{app.pk}:{app.events_count}"
    assert mail.outbox == [] and len(callbacks) == 1
    callbacks[0]()  # what runs after commit: the immediate delivery
    row.refresh_from_db()
    assert row.delivered_at is not None and row.attempts == 1 and row.last_error == ""
    assert len(mail.outbox) == 1 and app.reference in mail.outbox[0].subject
    # Delivered: neither a second delivery nor the sweep sends it again.
    assert outbox_deliver(message_id=row.pk) is False and outbox_sweep() == 0 and len(mail.outbox) == 1


def test_a_change_rolled_back_leaves_no_work_behind(actors):
    app = draft(actors)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.application_submit(application=app, by=actors["student"], today=date(2025, 6, 1))
        raise RuntimeError("the request failed after the submission")
    assert not OutboxMessage.objects.exists()


def test_the_same_work_is_written_once():
    with transaction.atomic():
        first = outbox_put(task="applications.send_mail", args=[1, "submitted", {}], key="mail:submitted:1:6")
        again = outbox_put(task="applications.send_mail", args=[1, "submitted", {}], key="mail:submitted:1:6")
    assert first.pk == again.pk and OutboxMessage.objects.count() == 1


def test_broker_down_the_submission_succeeds_at_once_and_the_mail_follows(actors, broker_down, settings,
                                                                          django_capture_on_commit_callbacks):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        app = submit(actors)
    with django_capture_on_commit_callbacks(execute=True):  # a second one pays no timeout at all
        services.message_post(application=app, by=actors["student"], body="Une question")
    assert time.monotonic() - started < 5
    assert mail.outbox == [] and OutboxMessage.objects.filter(delivered_at__isnull=True).count() == 2
    # The broker is back: the sweep (beat, every minute) delivers both, once they have been due
    # for the grace it leaves a published message to arrive (none here, it is never in a queue).
    broker_down.conf.task_always_eager = True
    assert outbox_sweep() == 0
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS + 1)):
        assert outbox_sweep() == 2
    assert sorted(m.subject for m in mail.outbox)[1].startswith("Votre demande")
    assert not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()


def test_a_failed_delivery_is_recorded_and_retried_with_a_backoff(actors, monkeypatch, settings,
                                                                  django_capture_on_commit_callbacks):
    import applications.notifications

    real_send = applications.notifications.send_mail

    def refused(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("mail server away")

    monkeypatch.setattr(applications.notifications, "send_mail", refused)
    with django_capture_on_commit_callbacks(execute=True):
        submit(actors)
    row = OutboxMessage.objects.get()
    assert row.delivered_at is None and row.attempts == 1 and "mail server away" in row.last_error
    assert row.available_at > timezone.now() + timedelta(seconds=50)
    assert outbox_sweep() == 0  # not due before its backoff
    monkeypatch.setattr(applications.notifications, "send_mail", real_send)
    with time_machine.travel(timezone.now() + timedelta(seconds=61 + settings.OUTBOX_SWEEP_GRACE_SECONDS)):
        assert outbox_sweep() == 1
    row.refresh_from_db()
    assert row.delivered_at is not None and row.attempts == 2 and row.last_error == "" and len(mail.outbox) == 1


def test_a_delivery_whose_worker_died_is_taken_again_after_its_lease(actors, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():  # the immediate delivery never happens
        submit(actors)
    row = OutboxMessage.objects.get()
    # A worker claims it, then dies before the work (nothing else happens in this process).
    assert outbox_module._claim(row.pk) is not None
    assert outbox_deliver(message_id=row.pk) is False and outbox_sweep() == 0  # leased: nobody else takes it
    lease_and_grace = settings.OUTBOX_LEASE_SECONDS + settings.OUTBOX_SWEEP_GRACE_SECONDS
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + 1)):
        assert outbox_sweep() == 0  # due again, but its grace has not passed
    with time_machine.travel(timezone.now() + timedelta(seconds=lease_and_grace + 1)):
        assert outbox_sweep() == 1
    row.refresh_from_db()
    assert row.attempts == 2 and row.delivered_at is not None and len(mail.outbox) == 1


def test_every_background_task_named_by_a_service_is_registered():
    # A row names a task by its string: a typo would only show when the row is delivered.
    from celery import current_app

    current_app.loader.import_default_modules()
    for name in ("applications.send_mail", "decisions.close_session", "decisions.issue_decision_letters",
                 "decisions.issue_letter", "payments.issue_formal_notice"):
        assert name in current_app.tasks


@pytest.fixture
def published(monkeypatch):
    """Celery as in production (not eager) on an in-memory broker; records what is published
    and how many broker connections were opened for it."""
    from aid_portal.celery import app
    from applications import tasks

    calls = {"connections": 0, "single": [], "many": []}
    real_connection = app.connection_for_write

    def connection_for_write(*args, **kwargs):
        calls["connections"] += 1
        return real_connection(*args, **kwargs)

    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, "memory://"
    outbox_module._publish_paused_until = 0.0
    monkeypatch.setattr(app, "connection_for_write", connection_for_write)
    monkeypatch.setattr(tasks.deliver_outbox, "apply_async", lambda args, **kw: calls["single"].append(list(args)))
    monkeypatch.setattr(tasks.deliver_outbox_many, "apply_async", lambda args, **kw: calls["many"].append(list(args[0])))
    yield calls
    app.conf.task_always_eager, app.conf.broker_url = saved


def test_a_transaction_publishes_its_messages_together_in_chunks(published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        written = outbox_module.outbox_put_many(
            [("applications.send_mail", [k, "documents_reminder", {}], f"mail:many:{k}") for k in range(45)])
        outbox_put(task="applications.send_mail", args=[99, "x", {}], key="mail:one")
    ids = list(OutboxMessage.objects.order_by("pk").values_list("pk", flat=True))
    assert written == 45 and len(ids) == 46
    # One connection, rows in chunks of PUBLISH_CHUNK, each row once.
    assert published["connections"] == 1 and published["single"] == []
    assert [len(chunk) for chunk in published["many"]] == [20, 20, 6]
    assert sorted(pk for chunk in published["many"] for pk in chunk) == ids


def test_one_message_is_published_alone_and_a_rollback_publishes_nothing(published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        outbox_put(task="applications.send_mail", args=[1, "x", {}], key="mail:rolled-back")
        raise RuntimeError("the change fails")
    assert published == {"connections": 0, "single": [], "many": []}
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = outbox_put(task="applications.send_mail", args=[1, "x", {}], key="mail:one")
    assert published["single"] == [[message.pk]] and published["many"] == []


def test_writing_many_keeps_the_rows_already_written():
    with transaction.atomic():
        first = outbox_put(task="applications.send_mail", args=[1, "a", {}], key="mail:a")
        written = outbox_module.outbox_put_many([("applications.send_mail", [1, "changed", {}], "mail:a"),
                                                 ("applications.send_mail", [2, "b", {}], "mail:b")])
    assert written == 1
    assert OutboxMessage.objects.get(pk=first.pk).args == [1, "a", {}]
    assert OutboxMessage.objects.get(key="mail:b").args == [2, "b", {}]
