"""The production settings for the PostgreSQL restart test's gunicorn, with one difference:
static files are looked up without the manifest that `collectstatic` writes at image build time
(collecting and compressing them would take most of the test's minute)."""

from aid_portal.settings import *  # noqa: F403
from aid_portal.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
