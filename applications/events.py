"""The audit trail: one function per event, every row chained by SHA-256.

Each event stores `hash = sha256(canonical content + prev_hash)`, where prev_hash is the hash of
the previous event *of the same file*; the file keeps the head hash and the count. So altering a
row breaks its hash, removing a row in the middle breaks the sequence and the next row's link,
and removing the last rows breaks the match with the file's head. `verify_chain` checks all three.

Precondition of `event_record`: the caller holds the application's row lock
(`select_for_update`), which serialises the writes of one chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from .models import Application, Event


def _canonical(event: Event) -> bytes:
    content = {
        "application": event.application_id,
        "seq": event.seq,
        "kind": event.kind,
        "actor": event.actor_id,
        "actor_label": event.actor_label,
        "from": event.from_state,
        "to": event.to_state,
        "reason": event.reason,
        "payload": event.payload,
        "created_at": event.created_at.isoformat(),
        "prev": event.prev_hash,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def compute_hash(event: Event) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def event_build(
    *,
    application: Application,
    kind: str,
    actor=None,
    actor_label: str = "",
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    payload: dict[str, Any] | None = None,
    created_at=None,
) -> Event:
    """The next event of the file's chain, hashed but not saved, and the file's head moved to it
    in memory only. `event_record` saves one; a set-based service builds one per file, then
    writes them with one bulk_create and the heads with one bulk_update (as the sweeps do).
    Call while holding the application's row lock."""
    event = Event(
        application=application,
        seq=application.events_count + 1,
        kind=kind,
        actor=actor,
        actor_label=actor_label or (actor.get_full_name() or actor.get_username() if actor else "système"),
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        # Round-trip through JSON so that what is hashed is exactly what the database returns.
        payload=json.loads(json.dumps(payload or {}, default=str)),
        created_at=created_at or timezone.now(),
        prev_hash=application.events_head,
    )
    event.hash = compute_hash(event)
    application.events_head, application.events_count = event.hash, event.seq
    return event


def event_record(
    *,
    application: Application,
    kind: str,
    actor=None,
    actor_label: str = "",
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    payload: dict[str, Any] | None = None,
) -> Event:
    """Append one event to the file's chain. Call while holding the application's row lock."""
    event = event_build(application=application, kind=kind, actor=actor, actor_label=actor_label,
                        from_state=from_state, to_state=to_state, reason=reason, payload=payload)
    event.save(force_insert=True)
    Application.objects.filter(pk=application.pk).update(events_head=event.hash, events_count=event.seq)
    return event


def transition_recorded(*, application: Application, kind: str, actor, from_state: str, reason: str = "", payload=None) -> Event:
    return event_record(
        application=application, kind=kind, actor=actor, from_state=from_state,
        to_state=application.state, reason=reason, payload=payload,
    )


@dataclass(frozen=True)
class ChainProblem:
    application_id: int
    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event #{self.seq}" if self.seq is not None else "chain"
        return f"application {self.application_id}, {where}: {self.problem}"


def verify_chain(application: Application, events: Iterable[Event]) -> list[ChainProblem]:
    problems: list[ChainProblem] = []
    expected_seq, prev = 1, ""
    for event in events:
        if event.seq != expected_seq:
            problems.append(ChainProblem(application.pk, expected_seq, f"missing (next found is #{event.seq})"))
        if event.prev_hash != prev:
            problems.append(ChainProblem(application.pk, event.seq, "link to the previous event broken"))
        if compute_hash(event) != event.hash:
            problems.append(ChainProblem(application.pk, event.seq, "content altered (hash mismatch)"))
        expected_seq, prev = event.seq + 1, event.hash
    if expected_seq - 1 != application.events_count or prev != application.events_head:
        problems.append(ChainProblem(application.pk, None, "last events removed (head of chain does not match)"))
    return problems
