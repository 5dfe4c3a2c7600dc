"""Helpers of the browser tests of establishments, officers and the admin: signing in, and
building a starting point with the real services while the browser runs.

Kept apart from conftest.py (shared with the student journeys) and from the test modules, which
all need them. `sign_in` goes through the real sign-in page, as a person would; `signed_in` puts
an already open session in the browser, for the journeys that start later in the day and whose
point is not the sign-in (the sign-in itself is covered once per role)."""

import re
from concurrent.futures import ThreadPoolExecutor

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import connections
from django.test import Client

from .conftest import audit

PASSWORD = "pw-demo-2026"  # the password tests.flows gives every user


def verified(account):
    """allauth signs in only a verified address (ACCOUNT_EMAIL_VERIFICATION = "mandatory")."""
    EmailAddress.objects.get_or_create(user=account, email=account.email, defaults={"verified": True, "primary": True})
    return account


def submit_sign_in(page, live_server, account, *, check_page=False):
    """Fill and send the sign-in form; the caller waits for where it leads."""
    verified(account)
    page.goto(f"{live_server.url}/comptes/login/")
    if check_page:
        audit(page, "sign-in")
    page.locator("input[name=login]").fill(account.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form").filter(has=page.locator("input[name=password]")).get_by_role("button").last.click()


def sign_in(page, live_server, account, *, lands_on: str, check_page=False):
    """Sign `account` in and wait for the page they land on (a path, without query)."""
    submit_sign_in(page, live_server, account, check_page=check_page)
    page.wait_for_url(re.compile(re.escape(lands_on) + "$"))


def signed_in(page, live_server, account):
    """The browser holds a session of `account` (opened by Django's test client, not the page)."""
    client = Client()
    client.force_login(account)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def off_the_event_loop(function, /, *args, **kwargs):
    """Run a service (tests.flows' helpers) in a thread of its own and return its result.

    Playwright's sync API keeps an asyncio loop running in the test's thread; pyhanko, which
    signs the letters a decision issues, calls asyncio.run(), which refuses to start inside a
    running loop. The live server's thread has no loop, hence no problem for what the browser
    triggers; a starting point built by the test itself is built here. The thread's database
    connection (the same database: a file or shared in-memory SQLite, or PostgreSQL) is closed
    before returning."""

    def run():
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
