"""The Celery application.

Without REDIS_URL the settings make every task run eagerly in the calling process (the embedded
default); with it, tasks go through Redis to `celery -A aid_portal worker`, and `celery -A
aid_portal beat` enqueues the periodic sweeps listed in settings.CELERY_BEAT_SCHEDULE.
"""

import os

from celery import Celery
from celery.signals import worker_process_init
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aid_portal.settings")

app = Celery("aid_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="aid_portal.ping")
def ping(value: str = "pong") -> str:
    """Echo task: proves a round trip broker -> worker -> result backend (used by health checks)."""
    return value


@worker_process_init.connect
def _load_printing(**kwargs):
    """Each worker process loads WeasyPrint, the fonts and the signing key once, when it starts,
    not on its first letter; they stay loaded for every later one (applications.pdf._fonts,
    applications.signing.load_signer are cached per process). Without a signing certificate the
    worker still starts: the first letter then fails with the usual message."""
    from applications.pdf import printing_warm_up
    from applications.signing import SigningError, load_signer

    printing_warm_up()
    try:
        load_signer()
    except (SigningError, ImproperlyConfigured):
        pass
