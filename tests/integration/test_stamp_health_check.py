"""The simulator's version-stamp read doubles as Django's connection health check.

With CONN_HEALTH_CHECKS, Django runs `SELECT 1` before the first query of each request on a
kept connection; the simulator's first (and only) query is the stamp read, so the stamp read is
that check (schemes.models.ReferenceVersionManager._read_as_health_check). These tests play what
a request does to the connection (request_started marks the check as not done) and check that
the stamp is right, that Django's own check is not run besides, and that a dead connection is
replaced as a failed check would replace it. PostgreSQL only: the raw read is written for its
driver, and on SQLite the stamp is read through Django as before.
"""

from __future__ import annotations

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from schemes.models import ReferenceVersion

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the raw stamp read is PostgreSQL's"),
]


def stored_token():
    return ReferenceVersion.objects.filter(pk=ReferenceVersion.objects.ROW).values_list("token", flat=True).get()


@pytest.fixture
def new_request(monkeypatch):
    """The connection as a request finds it: kept, health check enabled and not yet done."""
    ReferenceVersion.objects.bump()
    connection.ensure_connection()
    assert connection.health_check_enabled  # CONN_HEALTH_CHECKS, on by default (settings)
    wrapper = connections["default"]  # the object itself, not the proxy: monkeypatch restores it
    checks = []
    real = wrapper.is_usable
    monkeypatch.setattr(wrapper, "is_usable", lambda: checks.append(1) or real())
    monkeypatch.setattr(wrapper, "close_at", None)  # kept (CONN_MAX_AGE), as in production
    connection.close_if_unusable_or_obsolete()  # what request_started does
    assert connection.connection is not None and connection.health_check_done is False
    return checks


def test_the_stamp_read_is_the_health_check(new_request):
    kept = connection.connection
    assert ReferenceVersion.objects.current() == stored_token()
    assert connection.health_check_done is True and connection.connection is kept
    # Django's own check does not run for the next query of the request.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert new_request == []


def test_a_dead_connection_is_replaced_and_the_stamp_still_read(new_request):
    old = connection.connection
    old.close()  # PostgreSQL restarted, the kept socket is gone
    assert ReferenceVersion.objects.current() == stored_token()
    assert connection.connection is not None and connection.connection is not old


def test_a_change_is_seen_by_the_read_that_checks(new_request):
    before = ReferenceVersion.objects.current()
    ReferenceVersion.objects.bump()
    connection.close_if_unusable_or_obsolete()  # the next request
    after = ReferenceVersion.objects.current()
    assert after != before and after == stored_token()


def test_later_reads_of_the_request_go_through_django(new_request):
    ReferenceVersion.objects.current()
    with CaptureQueriesContext(connection) as ctx:
        token = ReferenceVersion.objects.current()
    assert token == stored_token()
    assert [q["sql"] for q in ctx.captured_queries] == ['SELECT token FROM "schemes_referenceversion" WHERE id = 1']
