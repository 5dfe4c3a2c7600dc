"""Every page a user can reach by following links answers without a server error.

The demo data (seed_demo: files in every state of every scheme, decisions, letters, payments)
is crawled as each role, following the links of each page that stay on the site, GET only."""

import re
from io import StringIO
from urllib.parse import urldefrag, urlparse

import pytest
from django.core.management import call_command

from accounts.models import User
from tests.flows import admin_sign_in

pytestmark = pytest.mark.django_db

HREF = re.compile(r'href="([^"]+)"')
SKIP = ("/static/", "/admin/", "/comptes/logout", "/i18n/")
ROLES = ["etudiante@example.org", "scolarite.capitole@example.org", "agent.region@example.org",
         "agent.aude@example.org", "agent.cd31@example.org"]


@pytest.fixture
def demo(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):  # letters and notices are issued too
        call_command("seed_demo", stdout=StringIO(), stderr=StringIO())


def crawl(client, start, skip=SKIP, limit=400):
    todo, seen, failures = list(start), set(), []
    while todo and len(seen) < limit:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code >= 500:
            failures.append((url, response.status_code))
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for href in HREF.findall(response.content.decode()):
            href = urldefrag(href.replace("&amp;", "&"))[0]
            parsed = urlparse(href)
            if parsed.scheme or parsed.netloc or not href.startswith("/") or href.startswith(skip) or "/delete/" in href:
                continue
            if href not in seen:
                todo.append(href)
    return seen, failures


@pytest.mark.parametrize("email", ROLES)
def test_no_page_reachable_by_a_role_fails(client, demo, email):
    client.force_login(User.objects.get(email=email))
    seen, failures = crawl(client, ["/", "/tableau-de-bord/"])
    assert failures == []
    assert len(seen) > 10, seen  # the crawl did reach the role's pages


def test_no_admin_page_fails(client, demo):
    admin_sign_in(client, User.objects.get(email="admin@example.org"))
    seen, failures = crawl(client, ["/admin/"], skip=("/static/", "/comptes/logout", "/i18n/", "/admin/logout"), limit=300)
    assert failures == []
    assert len(seen) > 30


def test_every_model_of_the_portal_is_in_the_admin():
    from django.apps import apps
    from django.contrib import admin

    missing = [m._meta.label for m in apps.get_models()
               if m._meta.app_label in ("accounts", "schemes", "applications", "payments") and m not in admin.site._registry]
    assert missing == []
