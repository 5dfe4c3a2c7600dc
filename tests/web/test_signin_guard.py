"""Password guessing is slowed down without locking the owner out, client addresses are read
behind the proxy, and a cache outage never breaks sign-in."""

import logging

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.urls import reverse

from accounts import throttle
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


@pytest.fixture
def waits(monkeypatch):
    """The waits imposed before checking a password, recorded instead of slept."""
    recorded = []
    monkeypatch.setattr(throttle, "pause", recorded.append)
    return recorded


@pytest.fixture
def behind_proxy(settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.TRUSTED_PROXY_COUNT = 1


def officer():
    user = UserFactory(is_staff=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def login(client, email, password, ip="192.0.2.1"):
    return client.post(reverse("account_login"), {"login": email, "password": password},
                       REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ip)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_owner_signs_in_after_many_failures_from_others(client, behind_proxy, waits):
    owner = officer()
    for attempt in range(30):
        response = login(client, owner.email, "pas-le-bon", ip=f"203.0.113.{attempt + 1}")
        assert response.status_code == 200 and not signed_in(client)

    response = login(client, owner.email, PASSWORD, ip="198.51.100.9")

    assert response.status_code == 302 and client.session["_auth_user_id"] == str(owner.pk)
    # Guessing was slowed down from the sixth failure on, each wait doubling up to the cap, and
    # the owner waited as long as the guesser before getting in.
    assert waits[:5] == [0.5, 1.0, 2.0, 4.0, 8.0]
    assert max(waits) == throttle.MAX_DELAY and len(waits) == 26


def test_no_wait_below_the_free_failures(client, behind_proxy, waits):
    owner = officer()
    for _ in range(throttle.FREE_FAILURES - 1):
        login(client, owner.email, "pas-le-bon")
    assert login(client, owner.email, PASSWORD).status_code == 302
    assert waits == []


def test_failures_from_one_address_slow_down_its_guesses_on_every_account(client, behind_proxy, waits):
    accounts = [officer() for _ in range(throttle.FREE_FAILURES + 1)]
    for account in accounts:
        login(client, account.email, "pas-le-bon", ip="203.0.113.66")
    assert waits == [0.5]
    assert login(client, accounts[0].email, PASSWORD, ip="198.51.100.9").status_code == 302


def test_behind_the_proxy_one_guessers_failures_do_not_refuse_everybody(client, behind_proxy, waits):
    guesser_target, colleague = officer(), officer()
    for _ in range(25):
        login(client, guesser_target.email, "pas-le-bon", ip="203.0.113.66")
    # The guesser's own address is stopped outright (allauth's 20 failures a minute per address)...
    response = login(client, guesser_target.email, PASSWORD, ip="203.0.113.66")
    assert "Trop de tentatives de connexion échouées" in response.content.decode() and not signed_in(client)
    # ...while everyone else, who reaches the portal through the same proxy, signs in.
    assert login(client, colleague.email, PASSWORD, ip="198.51.100.9").status_code == 302
    client.logout()
    assert login(client, guesser_target.email, PASSWORD, ip="198.51.100.10").status_code == 302


def test_without_a_declared_proxy_header_a_forged_one_is_ignored(client, waits):
    owner = officer()
    for attempt in range(25):
        login(client, owner.email, "pas-le-bon", ip=f"203.0.113.{attempt + 1}")  # forged, from PROXY
    response = login(client, owner.email, PASSWORD, ip="198.51.100.9")
    assert "Trop de tentatives de connexion échouées" in response.content.decode() and not signed_in(client)


def test_a_cache_outage_lets_sign_in_through_and_is_logged(client, settings, caplog, waits):
    # Port 1 on the loopback: nothing listens, every cache call fails at once.
    settings.CACHES = {"default": {"BACKEND": "aid_portal.cache.FailSoftRedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0",
                                   "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    owner = officer()
    with caplog.at_level(logging.WARNING, logger="aid_portal.cache"):
        assert login(client, owner.email, "pas-le-bon").status_code == 200
        response = login(client, owner.email, PASSWORD)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(owner.pk)
    assert any("cache unavailable" in record.getMessage() for record in caplog.records)

