"""Archiving, across the stages: payments says which files are past their control period
(Horizons Art. 12: three years after the balance), applications blanks their personal data.
Files that were never paid (rejected, rejected as incomplete, closed, withdrawn, cancelled before
any payment, drafts left untouched) are minimised once their retention period is over
(settings.RETENTION_NEVER_PAID_MONTHS after their last change, from RETENTION_NEVER_PAID_FROM;
GDPR storage limitation, stated in the notice at /donnees-personnelles/).
Run daily by beat (aid_portal.tasks.archive_files) and by `manage.py archive_files`."""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from applications.archive import application_minimise
from applications.models import Application
from applications.services import application_locked
from applications.states import State
from payments import deadlines
from payments.archive import control_ended_on, files_past_control
from payments.models import Instalment

# States in which a file is over without anything ever paid on it (a cancelled file may have had
# its advance paid: the payment check below keeps those for their control period).
NEVER_PAID_STATES = (State.DRAFT, State.REJECTED, State.REJECTED_INCOMPLETE, State.CLOSED, State.WITHDRAWN,
                     State.CANCELLED)


def retention_never_paid() -> tuple[date, relativedelta]:
    """(date from which the rule applies, how long a never-paid file is kept after its last change)."""
    return date.fromisoformat(settings.RETENTION_NEVER_PAID_FROM), relativedelta(months=settings.RETENTION_NEVER_PAID_MONTHS)


def files_never_paid_lapsed(today: date) -> QuerySet[Application]:
    """Files over without any payment whose last change is older than the retention period."""
    applies_from, keep = retention_never_paid()
    if today < applies_from:
        return Application.objects.none()
    paid = Instalment.objects.filter(application=OuterRef("pk")).exclude(status=Instalment.Status.CANCELLED)
    return (
        Application.objects.filter(archived_at__isnull=True, state__in=NEVER_PAID_STATES,
                                   updated_at__date__lt=today - keep)
        .exclude(Exists(paid))
        .order_by("pk")
    )


def file_archive_never_paid(*, application_id: int, today: date) -> bool:
    """Minimise one never-paid file, checked again under its row lock."""
    with transaction.atomic():
        app = application_locked(application_id)
        if not files_never_paid_lapsed(today).filter(pk=app.pk).exists():
            return False
        _from, keep = retention_never_paid()
        application_minimise(application=app, reason="Durée de conservation des dossiers sans versement écoulée",
                             payload={"state": app.state, "last_change": app.updated_at.date().isoformat(),
                                      "retention_months": keep.months + 12 * keep.years})
    return True


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
    never_paid = files_never_paid_lapsed(today)
    if dry_run:
        return candidates.count() + never_paid.count()
    # The ids first: each file is then read again under its own lock.
    ids = list(candidates.values_list("pk", flat=True))
    done = sum(file_archive(application_id=pk, today=today) for pk in ids)
    lapsed = list(never_paid.values_list("pk", flat=True))
    return done + sum(file_archive_never_paid(application_id=pk, today=today) for pk in lapsed)
