"""The outbox (applications.models.OutboxMessage): write background work down with the change
that calls for it, deliver it after commit, and deliver again what was left undelivered.

Delivery runs the named Celery task's function in the delivering process, then marks the row
delivered: at least once. Every task named here is idempotent (a decision's letters are created
once and sent once, under the file's row lock), so a second delivery changes nothing. The one
thing no database can make exactly-once is an e-mail handed to the mail server just before the
process dies, before its transaction commits: it may go out twice, never zero times.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..models import OutboxMessage

logger = logging.getLogger("aid_portal.outbox")

__all__ = ["outbox_put", "outbox_deliver", "outbox_sweep", "outbox_queue"]

# After a failed publish, the next ones are not tried for this long: with Redis down or frozen,
# one request pays the (short) broker timeout, the following ones none; the sweep delivers.
PUBLISH_PAUSE_SECONDS = 30.0
_publish_paused_until = 0.0


def outbox_put(*, task: str, args: list, key: str) -> OutboxMessage:
    """Write down `task(*args)` to be run once the current transaction commits. Call inside the
    transaction whose change calls for it: the row commits or rolls back with that change. A
    second call with the same key (the same work) returns the row already written."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_put must be called inside the transaction of the change it follows")
    message, created = OutboxMessage.objects.get_or_create(key=key, defaults={"task": task, "args": list(args)})
    if created:
        # Low latency when the broker answers; the sweep is the safety net when it does not.
        transaction.on_commit(lambda: _publish(message.pk, message.task))
    return message


def outbox_queue(task: str) -> str:
    """The queue a row's delivery is published to: the one its task is routed to
    (settings.CELERY_TASK_ROUTES), so that a closing's letters wait behind each other on the
    letters workers, not in front of a proof of filing on the default ones."""
    from celery import current_app

    conf = current_app.conf
    return (conf.task_routes or {}).get(task, {}).get("queue") or conf.task_default_queue


def _publish(message_id: int, task: str) -> None:
    """Ask a worker to deliver the row now, on its task's queue. Never raises: the row is
    committed already, and an error here would turn a change that succeeded into an error page."""
    global _publish_paused_until
    from ..tasks import deliver_outbox

    if deliver_outbox.app.conf.task_always_eager:
        deliver_outbox.apply_async((message_id,))  # embedded default: runs here and now
        return
    if time.monotonic() < _publish_paused_until:
        return
    try:
        with deliver_outbox.app.connection_for_write() as conn:
            # One quick attempt, bounded by the socket timeouts of the transport options.
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, interval_max=0.2,
                                   timeout=settings.CELERY_PUBLISH_TIMEOUT)
            deliver_outbox.apply_async((message_id,), connection=conn, retry=False, queue=outbox_queue(task))
    except Exception:
        _publish_paused_until = time.monotonic() + PUBLISH_PAUSE_SECONDS
        logger.warning("outbox: broker unavailable, message %s left to the sweep", message_id, exc_info=True)


def _claim(message_id: int) -> OutboxMessage | None:
    """Take the row for one lease, in a transaction of its own. A row another process holds
    (skip_locked), already delivered, or not yet due is not taken."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, delivered_at__isnull=True, available_at__lte=now).first()
        )
        if message is None:
            return None
        # If this process dies during the work, the row is due again when the lease ends.
        lease = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        OutboxMessage.objects.filter(pk=message.pk).update(available_at=now + lease, attempts=F("attempts") + 1)
        message.attempts += 1
    return message


def _backoff(attempts: int) -> timedelta:
    # 1, 2, 4, ... minutes, at most an hour: a broken mail server is not hammered.
    return timedelta(seconds=min(60 * 2 ** (attempts - 1), 3600))


def outbox_deliver(*, message_id: int) -> bool:
    """Run one row's task, then mark it delivered; True when this call delivered it. A failure
    of the work is recorded on the row and retried later with a backoff; it is not raised."""
    from celery import current_app

    message = _claim(message_id)
    if message is None:
        return False
    try:
        if message.task not in current_app.tasks:
            # Outside a worker the apps' tasks modules are discovered lazily: now is the time.
            current_app.loader.import_default_modules()
        current_app.tasks[message.task](*message.args)
    except Exception as exc:
        logger.exception("outbox: %s failed (attempt %s)", message, message.attempts)
        OutboxMessage.objects.filter(pk=message.pk).update(
            last_error=f"{type(exc).__name__}: {exc}"[:2000], available_at=timezone.now() + _backoff(message.attempts)
        )
        return False
    # Only now: the work has committed its own transactions.
    OutboxMessage.objects.filter(pk=message.pk).update(delivered_at=timezone.now(), last_error="")
    return True


def outbox_sweep(*, limit: int = 500, budget_seconds: float = 50.0, grace_seconds: float | None = None) -> int:
    """Deliver the rows that have been due for `grace_seconds` (default OUTBOX_SWEEP_GRACE_SECONDS;
    0 for a caller that runs the work itself at once, as seed_demo does), oldest first: the ones
    whose publish failed, whose worker died, or whose work failed and waited its backoff. Bounded
    in count and in time, so that one run ends before the next one starts (beat runs it every
    minute). Returns the rows delivered.

    The grace leaves a row to the message published for it while that message waits its turn in
    its queue: without it, each sweep (on the default queue) would take up to `limit` letters that
    the letters workers were about to deliver and run them inline, so a closing's letters would
    hold up the e-mails the default queue exists for (docs/scaling.md)."""
    started = time.monotonic()
    grace = settings.OUTBOX_SWEEP_GRACE_SECONDS if grace_seconds is None else grace_seconds
    overdue = timezone.now() - timedelta(seconds=grace)
    due = list(
        OutboxMessage.objects.filter(delivered_at__isnull=True, available_at__lte=overdue)
        .order_by("available_at", "pk").values_list("pk", flat=True)[:limit]
    )
    delivered = 0
    for message_id in due:
        if time.monotonic() - started > budget_seconds:
            break
        delivered += outbox_deliver(message_id=message_id)
    return delivered
