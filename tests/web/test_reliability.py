"""What a visitor sees when a service is away: /healthz, a database outage (503 page, not a
traceback), a cache outage (sign-in still works)."""

from __future__ import annotations

import socket
import time
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.db import OperationalError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aid_portal.cache import FailSoftRedisCache
from applications.models import OutboxMessage
from applications.services import outbox_put
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- /healthz --------------------------------------------------------------------------------
def test_healthz_answers_signed_out_on_any_host_with_each_check(client):
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")  # a container's own address
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    report = response.json()
    assert report["status"] == "ok" and report["failed"] == []
    assert set(report["checks"]) == {"database", "redis", "outbox"}
    assert report["checks"]["outbox"]["pending"] == 0 and report["checks"]["outbox"]["oldest_age_seconds"] == 0
    assert response["Cache-Control"] == "no-store"


def test_healthz_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301  # everything else still is


def test_healthz_names_an_old_backlog(client, settings):
    with transaction.atomic():
        row = outbox_put(task="applications.send_mail", args=[1, "submitted", {}], key="mail:submitted:1:1")
    OutboxMessage.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(hours=1))
    response = client.get("/healthz")
    assert response.status_code == 503
    report = response.json()
    assert report["failed"] == ["outbox"] and report["checks"]["outbox"]["pending"] == 1
    assert report["checks"]["outbox"]["oldest_age_seconds"] >= 3600
    assert "key" not in str(report) and "submitted" not in str(report)  # counts and ages only


def test_healthz_names_redis_when_it_is_away(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 3
    assert response.status_code == 503 and response.json()["failed"] == ["redis"]
    assert response.json()["checks"]["redis"]["detail"] == "ConnectionError"


def test_healthz_names_the_database_when_it_is_away(client, monkeypatch):
    import aid_portal.health

    def refused():
        raise OperationalError("connection refused")

    monkeypatch.setitem(aid_portal.health.CHECKS, "database", refused)
    response = client.get("/healthz")
    assert response.status_code == 503 and "database" in response.json()["failed"]


# --- A database outage: 503, said in words -----------------------------------------------------
@pytest.mark.parametrize("error, status", [(OperationalError("server closed the connection"), 503), (ValueError("a bug"), 500)])
def test_a_database_outage_is_a_503_page_and_a_bug_still_a_500(monkeypatch, error, status):
    user = UserFactory()
    client = Client(raise_request_exception=False)
    client.force_login(user)

    def load(self):
        raise error

    monkeypatch.setattr(SessionStore, "load", load)
    response = client.get(reverse("applications:dashboard"))
    assert response.status_code == status
    if status == 503:
        assert response["Retry-After"] == "60"
        assert "Service momentanément indisponible" in response.content.decode()


# --- A cache outage: sign-in keeps working ----------------------------------------------------
def test_the_cache_fails_soft_and_fast():
    FailSoftRedisCache._paused_until = 0.0
    down = FailSoftRedisCache(f"redis://127.0.0.1:{closed_port()}/0", {"OPTIONS": {"socket_connect_timeout": 1}})
    started = time.monotonic()
    assert down.get("k", "default") == "default" and down.get_many(["k"]) == {}
    down.set("k", 1)
    assert down.add("lock", True) is True and down.delete("k") is False
    assert time.monotonic() - started < 3
    FailSoftRedisCache._paused_until = 0.0


def test_sign_in_works_while_the_cache_is_away(client, settings):
    from allauth.account.models import EmailAddress

    settings.CACHES = {"default": {"BACKEND": "aid_portal.cache.FailSoftRedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
                                   "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    FailSoftRedisCache._paused_until = 0.0
    user = UserFactory()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    try:
        response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
        assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)
    finally:
        FailSoftRedisCache._paused_until = 0.0
        cache.close()
