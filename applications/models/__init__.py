"""Models of the applications app: the file and its attachments, up to its instruction. What is
decided about it lives in the decisions app."""

from .files import (
    Application,
    Document,
    DocumentRequest,
    Event,
    EventQuerySet,
    Message,
    Note,
    Opinion,
    _unguessable_name,  # noqa: F401 (named by migration 0001 as applications.models._unguessable_name)
)
from .outbox import OutboxMessage

__all__ = [
    "Application", "Document", "DocumentRequest", "Event", "EventQuerySet", "Message", "Note", "Opinion", "OutboxMessage",
]
