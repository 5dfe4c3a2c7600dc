"""What the decisions app does when an earlier stage acts (connected in decisions.apps)."""

from __future__ import annotations

from datetime import date


def decision_acts_on_files_rejected(sender, *, rejections, kind: str, today: date, by=None, **kwargs) -> None:
    """applications.signals.files_rejected: each file rejected as incomplete or classé sans suite
    gets its decision act and motivated letter (Art. 8), in the transaction that rejected it; the
    whole set at once (decision_acts_record)."""
    from .services.acts import decision_acts_record

    decision_acts_record(rejections=rejections, kind=kind, today=today, by=by)
