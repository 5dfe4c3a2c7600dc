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

__all__ = ["outbox_put", "outbox_put_many", "outbox_deliver", "outbox_sweep", "outbox_queue"]

# After a failed publish, the next ones are not tried for this long: with Redis down or frozen,
# one request pays the (short) broker timeout, the following ones none; the sweep delivers.
PUBLISH_PAUSE_SECONDS = 30.0
_publish_paused_until = 0.0
# Rows per message when a transaction wrote several. Each message costs two round trips to Redis
# (kombu reads the exchange's bindings, then pushes): 6,000 reminders published one by one took
# 30 s on a busy machine (bench/batch.py). 20 rows keep the work spread over the workers (a
# decision's letters take ~0.15 s each: a message is a few seconds of one worker).
PUBLISH_CHUNK = 20


def outbox_put(*, task: str, args: list, key: str) -> OutboxMessage:
    """Write down `task(*args)` to be run once the current transaction commits. Call inside the
    transaction whose change calls for it: the row commits or rolls back with that change. A
    second call with the same key (the same work) returns the row already written."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_put must be called inside the transaction of the change it follows")
    message, created = OutboxMessage.objects.get_or_create(key=key, defaults={"task": task, "args": list(args)})
    if created:
        # Low latency when the broker answers; the sweep is the safety net when it does not.
        _publish_after_commit([(message.pk, message.task)])
    return message


def outbox_put_many(messages: list[tuple[str, list, str]]) -> int:
    """`outbox_put` for many (task, args, key) at once, in three queries whatever their number
    (the daily sweeps write thousands). Keys already written are left as they are, as
    outbox_put leaves them; returns the number of rows written. Call inside the transaction,
    holding the locks that make the keys yours (no other transaction writes them meanwhile)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_put_many must be called inside the transaction of the change it follows")
    wanted = {key: (task, list(args)) for task, args, key in messages}
    existing = set(OutboxMessage.objects.filter(key__in=list(wanted)).values_list("key", flat=True))
    new = [OutboxMessage(key=key, task=task, args=args) for key, (task, args) in wanted.items() if key not in existing]
    OutboxMessage.objects.bulk_create(new, batch_size=1000)
    rows = list(OutboxMessage.objects.filter(key__in=[m.key for m in new]).order_by("pk").values_list("pk", "task"))
    _publish_after_commit(rows)
    return len(rows)


def outbox_queue(task: str) -> str:
    """The queue a row's delivery is published to: the one its task is routed to
    (settings.CELERY_TASK_ROUTES), so that a closing's letters wait behind each other on the
    letters workers, not in front of a proof of filing on the default ones."""
    from celery import current_app

    conf = current_app.conf
    return (conf.task_routes or {}).get(task, {}).get("queue") or conf.task_default_queue


class _Flush:
    """The after-commit callback that publishes a transaction's rows. A transaction registers one:
    later writes in it add their rows to it (_publish_after_commit), and it publishes them all
    over one broker connection, in chunks: a connection per message cost ~15 ms each, most of a
    sweep that writes thousands (bench/batch.py). A savepoint rolled back after adding rows
    leaves their ids here; their rows are gone, and delivering a missing row does nothing."""

    def __init__(self, rows: list[tuple[int, str]]):
        self.rows = rows  # (row id, its task): the task names the queue

    def __call__(self) -> None:
        _publish(*self.rows)


def _publish_after_commit(rows: list[tuple[int, str]]) -> None:
    if not rows:
        return
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        # Django runs a commit's callbacks from a list it has already taken off the connection,
        # so the flush cannot look for its followers when it runs: the writes join it here.
        # Only a flush registered within the savepoints still open: one registered in a savepoint
        # since released (an earlier service's atomic block inside a longer transaction, as in
        # a test's) may be handed over apart from this one (django's captureOnCommitCallbacks
        # takes only the callbacks registered inside it), and must not carry these rows away.
        open_sids = set(connection.savepoint_ids)
        for sids, func, _robust in connection.run_on_commit:
            if isinstance(func, _Flush) and sids <= open_sids:
                func.rows.extend(rows)
                return
    transaction.on_commit(_Flush(list(rows)))


def _publish(*rows: tuple[int, str]) -> None:
    """Ask the workers to deliver the rows (id, task) now, over one connection, each on its
    task's queue (outbox_queue). Never raises: the rows are committed already, and an error here
    would turn a change that succeeded into an error page; what could not be published is left
    to the sweep."""
    global _publish_paused_until
    from ..tasks import deliver_outbox, deliver_outbox_many

    if deliver_outbox.app.conf.task_always_eager:
        for message_id, _task in rows:
            deliver_outbox.apply_async((message_id,))  # embedded default: runs here and now
        return
    if time.monotonic() < _publish_paused_until:
        return
    try:
        with deliver_outbox.app.connection_for_write() as conn:
            # One quick attempt, bounded by the socket timeouts of the transport options.
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, interval_max=0.2,
                                   timeout=settings.CELERY_PUBLISH_TIMEOUT)
            producer = conn.Producer()
            by_queue: dict[str, list[int]] = {}
            for message_id, task in rows:
                by_queue.setdefault(outbox_queue(task), []).append(message_id)
            for queue, ids in by_queue.items():
                if len(ids) == 1:
                    deliver_outbox.apply_async(ids, connection=conn, producer=producer, retry=False, queue=queue)
                    continue
                for start in range(0, len(ids), PUBLISH_CHUNK):
                    deliver_outbox_many.apply_async((ids[start:start + PUBLISH_CHUNK],), connection=conn,
                                                    producer=producer, retry=False, queue=queue)
    except Exception:
        _publish_paused_until = time.monotonic() + PUBLISH_PAUSE_SECONDS
        logger.warning("outbox: broker unavailable, %s message(s) left to the sweep", len(rows), exc_info=True)


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
