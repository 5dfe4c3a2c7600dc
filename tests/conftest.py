"""Shared fixtures. Unit tests (tests/unit) never touch the database; the others may."""

import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Hashing with the production hasher costs ~100 ms a user; tests create hundreds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    # Uploaded files of a test go to its own temporary folder, never to ./media.
    settings.MEDIA_ROOT = tmp_path / "media"


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
