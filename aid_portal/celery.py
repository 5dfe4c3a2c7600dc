"""The Celery application.

Without REDIS_URL the settings make every task run eagerly in the calling process (the embedded
default); with it, tasks go through Redis to `celery -A aid_portal worker`, and `celery -A
aid_portal beat` enqueues the periodic sweeps listed in settings.CELERY_BEAT_SCHEDULE.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aid_portal.settings")

app = Celery("aid_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="aid_portal.ping")
def ping(value: str = "pong") -> str:
    """Echo task: proves a round trip broker -> worker -> result backend (used by health checks)."""
    return value
