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



# --- Accessibility and layout audit -------------------------------------------------------------
# Every page a journey visits goes through `audit(page, name)`: axe-core (the copy shipped inside
# axe-playwright-python, so nothing is downloaded) with the WCAG 2.0/2.1 A and AA rules, at a
# phone's 375 px and a desktop's 1280 px, and a check that nothing scrolls sideways at 375 px.
# The main page of each role is also kept as a screenshot at both widths (CI's artefacts folder).

import json  # noqa: E402
import re  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlparse  # noqa: E402

from axe_playwright_python.sync_playwright import Axe  # noqa: E402

WIDTHS = (375, 1280)
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
SCREENSHOTS = Path(os.environ.get("E2E_ARTEFACTS", Path(__file__).resolve().parents[2] / "artefacts" / "screenshots"))
_AXE = Axe()


def _violations(page):
    response = _AXE.run(page, options=WCAG_AA).response
    AXE_ENGINE["version"] = response.get("testEngine", {}).get("version", "")
    return [
        f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(n["target"][0] if isinstance(n["target"][0], str)
                                                                     else str(n["target"]) for n in v["nodes"][:5])
        for v in response["violations"]
    ]


# What the run audited, for the accessibility statement (/accessibilite/): written at the end of
# the session to artefacts/accessibility.json; `make accessibility-audit` copies it to
# aid_portal/accessibility_audit.json, which the statement page reads.
AUDITED: dict[str, dict] = {}
AXE_ENGINE: dict[str, str] = {}
COMMITTED_AUDIT = Path(__file__).resolve().parents[2] / "aid_portal" / "accessibility_audit.json"


@pytest.fixture(scope="session", autouse=True)
def _accessibility_summary():
    yield
    if not AUDITED:
        return
    summary = {
        "date": date.today().isoformat(),
        "engine": f"axe-core {AXE_ENGINE.get('version', '')}".strip(),
        "rules": WCAG_AA["runOnly"]["values"],
        "widths": list(WIDTHS),
        "pages": {name: AUDITED[name] for name in sorted(AUDITED)},
        "violations": sum(page["violations"] for page in AUDITED.values()),
    }
    SCREENSHOTS.parent.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS.parent / "accessibility.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    # The statement must not claim fewer pages than the tests audit: a page audited here but
    # missing from the committed summary means `make accessibility-audit` was not run after it
    # was added. Checked only on a whole run of tests/e2e (CI), not on a single test.
    if os.environ.get("CI_STRICT") and len(AUDITED) > 20 and COMMITTED_AUDIT.exists():
        committed = set(json.loads(COMMITTED_AUDIT.read_text())["pages"])
        missing = sorted(set(AUDITED) - committed)
        assert not missing, f"pages audited but not in {COMMITTED_AUDIT.name} (run make accessibility-audit): {missing}"


def audit(page, name, *, screenshot=False):
    """Run axe at 375 and 1280 px on the page as it stands, then give it back at its first width.

    Fails with every violation listed (rule, impact, the first elements concerned) and with the
    overflow in pixels when the page scrolls horizontally on a phone."""
    original = page.viewport_size
    problems = []
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(50)  # let media queries and the layout settle
            problems += [f"[{width}px] {v}" for v in _violations(page)]
            if width == 375:
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth")
                if overflow > 0:
                    wide = page.evaluate(
                        """() => [...document.querySelectorAll('body *')]
                        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                        .filter(e => !e.closest('.table-responsive, [data-scroll-region]'))
                        .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                                        + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''))""")
                    problems.append(f"[375px] the page scrolls sideways by {overflow} px: {wide}")
            if screenshot:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    finally:
        page.set_viewport_size(original)
    # Ids vary from run to run: /instruction/17/ is recorded as /instruction/<n>/.
    AUDITED[name] = {"path": re.sub(r"/\d+(?=/|$)", "/<n>", urlparse(page.url).path), "violations": len(problems)}
    assert not problems, f"{name} ({page.url}):\n" + "\n".join(problems)
