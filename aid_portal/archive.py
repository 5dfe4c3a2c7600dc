"""Archiving, across the stages: payments says which files are past their control period
(Horizons Art. 12: three years after the balance), applications blanks their personal data.
Run daily by beat (aid_portal.tasks.archive_files) and by `manage.py archive_files`."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from applications.archive import application_minimise
from applications.services import application_locked
from payments import deadlines
from payments.archive import control_ended_on, files_past_control


def file_archive(*, application_id: int, today: date) -> bool:
    """Minimise one file. Takes its row lock; returns False when there was nothing to do
    (archived meanwhile, or no longer past its control period)."""
    with transaction.atomic():
        app = application_locked(application_id)
        if app.archived_at is not None:
            return False
        balance_paid_on = control_ended_on(application_id=app.pk, today=today)
        if balance_paid_on is None:
            return False
        application_minimise(application=app, reason="Art. 12 : fin de la période de contrôle", payload={
            "balance_paid_on": balance_paid_on.isoformat(),
            "control_ended": deadlines.control_ends(balance_paid_on).isoformat(),
        })
    return True


def files_archive(*, today: date, dry_run: bool = False) -> int:
    """Minimise every file past its control period; returns how many were (or, with `dry_run`,
    would be) archived. One transaction per file; running it twice changes nothing."""
    candidates = files_past_control(today)
    if dry_run:
        return candidates.count()
    # The ids first: each file is then read again under its own lock.
    ids = list(candidates.values_list("pk", flat=True))
    return sum(file_archive(application_id=pk, today=today) for pk in ids)
