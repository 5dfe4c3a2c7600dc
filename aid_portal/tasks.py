"""Project-wide housekeeping tasks."""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task(name="aid_portal.tasks.clear_expired_sessions")
def clear_expired_sessions() -> int:
    """Delete expired sessions (personal data minimisation); running it twice deletes nothing more."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
