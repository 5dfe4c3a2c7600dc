"""Celery tasks: take ids, hold no logic, call one service, safe to run twice."""

from celery import shared_task

from .models import Application
from .notifications import application_mail_send


@shared_task(name="applications.send_mail")
def send_application_mail(application_id: int, kind: str, extra: dict | None = None) -> int:
    application = Application.objects.select_related("scheme__authority", "student").filter(pk=application_id).first()
    if application is None:
        return 0
    return application_mail_send(application=application, kind=kind, **(extra or {}))
