"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium) against live_server.

No browser is downloaded: Playwright only drives the system's Chromium, which .ci/run installs
from Debian's packages. On a developer's machine without it these tests are skipped, with the
reason; under CI_STRICT=1 (.ci/run) that skip is a failure (tests/strict.py).
"""

import os
import shutil

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
# Chromium started the way a closed network needs: no background calls home.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

# Playwright's sync API runs an event loop in the test's thread; the ORM calls of the fixtures
# are still plain synchronous code, which Django would otherwise refuse there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def _base_data(django_db_setup, django_db_blocker):
    """The database's contents after migrations (schemes, authorities, dated parameters), as
    Django serialized them when it created the test database.

    Read here, before the browser starts: once Playwright's event loop runs in this thread,
    Django looks its connections up in another (async) context, whose connection object lacks
    that snapshot, so `serialized_rollback` would silently restore nothing after an earlier
    transactional test emptied the tables."""
    from django.db import connection

    return getattr(connection, "_test_serialized_contents", None)


@pytest.fixture(autouse=True)
def _restore_base_data(request, _base_data):
    """Put the migrated contents back when a previous transactional test flushed them."""
    request.getfixturevalue("transactional_db")
    from django.db import connection

    from schemes.models import Scheme

    if _base_data and not Scheme.objects.exists():
        from django.contrib.auth.models import Permission
        from django.contrib.contenttypes.models import ContentType

        # The flush re-created content types and permissions (post_migrate); the snapshot has
        # them too, with their original ids, which other rows point to.
        Permission.objects.all().delete()
        ContentType.objects.all().delete()
        ContentType.objects.clear_cache()
        connection.creation.deserialize_db_from_string(_base_data)


@pytest.fixture(scope="session")
def browser(_base_data):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()

