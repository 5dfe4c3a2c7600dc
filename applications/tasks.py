"""Celery tasks: take ids, hold no logic, call one service, safe to run twice.

Retry policy (docs/reliability.md): the outbox is how background work is retried, so the
tasks it runs do not retry on their own; the outbox's own tasks retry on database errors
(PostgreSQL restarting) with a backoff, and are acknowledged late: they are idempotent, so a
message redelivered after a worker died runs them again harmlessly.
"""

from celery import shared_task
from django.db import DatabaseError

from .models import Application
from .notifications import application_mail_send

# For the outbox's own tasks: a database that is restarting is waited for, a bounded number of
# times; anything else is recorded on the row by the outbox itself.
DATABASE_RETRY = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 6,
}


# Not acks_late: sending an e-mail is not idempotent. The outbox (which runs this function in
# its own task) is what makes a notification survive a lost message.
@shared_task(name="applications.send_mail")
def send_application_mail(application_id: int, kind: str, extra: dict | None = None) -> int:
    application = Application.objects.select_related("scheme__authority", "student").filter(pk=application_id).first()
    if application is None:
        return 0
    return application_mail_send(application=application, kind=kind, **(extra or {}))


# ignore_result: publishing must not touch the result backend (a Redis that is down would make
# the caller wait for it), and nobody reads the result.
@shared_task(name="applications.deliver_outbox", ignore_result=True, acks_late=True, reject_on_worker_lost=True,
             **DATABASE_RETRY)
def deliver_outbox(message_id: int) -> bool:
    """Deliver one outbox row (published right after the commit that wrote it)."""
    from .services.outbox import outbox_deliver

    return outbox_deliver(message_id=message_id)


@shared_task(name="applications.deliver_outbox_many", ignore_result=True, acks_late=True, reject_on_worker_lost=True,
             **DATABASE_RETRY)
def deliver_outbox_many(message_ids: list[int]) -> int:
    """Deliver several outbox rows one after the other (a transaction that wrote many publishes
    them in chunks: services.outbox.PUBLISH_CHUNK). Run again, it skips the rows delivered."""
    from .services.outbox import outbox_deliver

    return sum(outbox_deliver(message_id=pk) for pk in message_ids)


@shared_task(name="applications.sweep_outbox", ignore_result=True, acks_late=True, reject_on_worker_lost=True,
             **DATABASE_RETRY)
def sweep_outbox() -> int:
    """Deliver every outbox row left undelivered (beat, every minute)."""
    from .services.outbox import outbox_sweep

    return outbox_sweep()
