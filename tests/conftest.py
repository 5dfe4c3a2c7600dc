"""Shared fixtures. Unit tests (tests/unit) never touch the database; the others may."""

import io

import pytest
from django.core.management import call_command
from django.test import override_settings


@pytest.fixture(scope="session", autouse=True)
def _signing_certificate(tmp_path_factory):
    """Letters are signed when issued (applications/signing.py): the suite signs with a
    demonstration certificate of its own, made once by the command `make run` uses."""
    folder = tmp_path_factory.mktemp("signing")
    with override_settings(LETTER_SIGNING_DEMO=True, LETTER_SIGNING_CERT=str(folder / "demo-certificate.pem"),
                           LETTER_SIGNING_KEY=str(folder / "demo-key.pem"), LETTER_SIGNING_KEY_PASSPHRASE="",
                           LETTER_SIGNING_TRUSTED_CERTS=[]):
        call_command("ensure_signing_certificate", stdout=io.StringIO())
        yield folder

pytest_plugins = ["tests.strict"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Hashing with the production hasher costs ~100 ms a user; tests create hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    # Uploaded files of a test go to its own temporary folder, never to ./media.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_simulation_throttle(settings):
    # The per-client budget of the API lives in the cache, shared by every test of the run (all
    # from 127.0.0.1): lifted here, set back by the tests of the limiter themselves.
    settings.SIMULATE_RATE_CASES = 10**9


@pytest.fixture(autouse=True)
def _celery_eager_unless_redis(request):
    """With REDIS_URL set (as in CI) a task would wait in Redis for a worker no test starts: run
    tasks eagerly, as the embedded default does, except in tests marked `redis`, which start one."""
    if request.node.get_closest_marker("redis"):
        yield
        return
    from aid_portal.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests run last. Playwright's event loop, once started, makes Django look its
    connections up in an async context for the rest of the session, where `serialized_rollback`
    finds no snapshot to restore; tests/e2e/conftest.py restores the migrated data for itself,
    so nothing after the browser tests may depend on it.
    The fault tests (tests/faults) run just before them: their worker must see committed data,
    so they are transactional, and the flush at their end leaves the database empty for the
    tests that follow, as the browser tests do."""
    items.sort(key=lambda item: 2 if "/tests/e2e/" in str(item.path) else "/tests/faults/" in str(item.path))


@pytest.fixture(autouse=True)
def _french_after_each_test():
    """LocaleMiddleware leaves the last request's language active in the thread: a test that
    asked for an English page must not turn the next test's labels English."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
