"""What the decisions app does when an earlier stage acts (connected in decisions.apps)."""

from __future__ import annotations

from datetime import date


def decision_act_on_file_rejected(sender, *, application, kind: str, motivation: str, today: date, by=None,
                                  **kwargs) -> None:
    """applications.signals.file_rejected: a file rejected as incomplete or classé sans suite gets
    its decision act and motivated letter (Art. 8), in the transaction that rejected it."""
    from .services.acts import decision_act_record

    decision_act_record(application=application, kind=kind, motivation=motivation, today=today, by=by)
