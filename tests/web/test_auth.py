"""Sign-up, e-mail verification, sign-in and password reset (django-allauth), in French."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    # Rate-limit counters live in the cache (LocMem here): start every test from zero.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


def verified_user(**kwargs) -> User:
    user = UserFactory(**kwargs)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_sign_up_page_is_in_french_and_uses_the_site_layout(client):
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr"' in html
    assert "Inscription" in html
    assert "Portail des aides aux études" in html  # base.html's header
    assert 'name="email"' in html and 'name="password2"' in html
    assert 'name="username"' not in html


def test_sign_up_sends_a_verification_mail_and_blocks_sign_in_until_confirmed(client, settings):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "Jeanne.Dupont@example.org",
            "password1": "un-long-mot-de-passe-42",
            "password2": "un-long-mot-de-passe-42",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email__iexact="jeanne.dupont@example.org")
    assert user.username == user.email  # accounts.adapters.AccountAdapter
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert "_auth_user_id" not in client.session

    # Signing in before confirming only re-sends the link.
    client.post(reverse("account_logout"))
    response = login(client, user.email, "un-long-mot-de-passe-42")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session

    # Following the link confirms the address and signs the student in.
    link = re.search(
        r"https?://[^/\s]+(/\S*/comptes/confirm-email/\S+/|/comptes/confirm-email/\S+/)",
        mail.outbox[-1].body,
    )
    assert link, mail.outbox[-1].body
    response = client.post(link.group(1))
    assert response.status_code == 302
    assert response["Location"] == settings.LOGIN_REDIRECT_URL == "/tableau-de-bord/"
    assert EmailAddress.objects.get(user=user).verified
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_verified_user_signs_in_with_their_email(client):
    user = verified_user()
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/tableau-de-bord/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_failures_on_another_account_do_not_lock_this_one(client):
    victim, other = verified_user(), verified_user()
    for _ in range(5):
        login(client, other.email, "pas-le-bon")
    response = login(client, victim.email, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(victim.pk)


def test_password_reset_sends_a_mail(client):
    user = verified_user()
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert "/comptes/password/reset/key/" in mail.outbox[0].body


def test_password_reset_page_is_in_french(client):
    response = client.get(reverse("account_reset_password"))
    assert response.status_code == 200
    assert "Mot de passe oublié" in response.content.decode()
