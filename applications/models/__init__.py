"""Models of the applications app: the file and its attachments (files.py), and what is decided
about it (decisions.py)."""

from .decisions import Appeal, ChangeReport, CommissionSession, Decision, Letter, SessionEntry
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

__all__ = [
    "Appeal", "Application", "ChangeReport", "CommissionSession", "Decision", "Document",
    "DocumentRequest", "Event", "EventQuerySet", "Letter", "Message", "Note", "Opinion", "SessionEntry",
]
