"""Periodic tasks that span the apps, or belong to none: ids in (or none), one call, safe to run twice.

Safe to run twice, hence acknowledged late; a database that is restarting is waited for
(docs/reliability.md)."""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from applications.tasks import DATABASE_RETRY

PERIODIC = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True, **DATABASE_RETRY}


@shared_task(name="aid_portal.tasks.clear_expired_sessions", **PERIODIC)
def clear_expired_sessions() -> int:
    """Delete expired sessions (personal data minimisation); running it twice deletes nothing more."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task(name="aid_portal.tasks.run_deadlines", **PERIODIC)
def run_deadlines() -> dict:
    """Every stage's deadline sweeps (aid_portal.sweeps)."""
    from .sweeps import deadlines_run

    return deadlines_run(today=timezone.localdate())


@shared_task(name="aid_portal.tasks.archive_files", **PERIODIC)
def archive_files() -> int:
    """Minimise the personal data of files past their 3-year control period (Art. 12)."""
    from .archive import files_archive

    return files_archive(today=timezone.localdate())
