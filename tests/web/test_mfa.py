"""Second factor (allauth.mfa, TOTP): optional for officers, required for the Django admin.
Codes are computed by pyotp, as an authenticator application would."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pyotp
import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


@pytest.fixture
def clock():
    # allauth refuses a code twice within its 30 s period: each step moves on a minute.
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def person(**kwargs):
    user = UserFactory(**kwargs)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def login(client, user, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": user.email, "password": password})


def signed_in_as(client, user) -> bool:
    return client.session.get("_auth_user_id") == str(user.pk)


def code(secret) -> str:
    return pyotp.TOTP(secret).now()


def enrol(client, clock) -> str:
    """Activate TOTP for the signed-in user; returns the secret their application holds."""
    # allauth has the password confirmed before a second factor is added.
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    assert secret in page.context["totp_url"] and page.context["totp_svg_data_uri"].startswith("data:image/svg")
    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000" if code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and not Authenticator.objects.exists()
    response = client.post(reverse("mfa_activate_totp"), {"code": code(secret)})
    assert response.status_code == 302
    clock.shift(timedelta(minutes=1))
    return secret


def test_officer_without_second_factor_signs_in_with_password_alone(client):
    agent = person()
    assert login(client, agent).status_code == 302 and signed_in_as(client, agent)
    assert client.get(reverse("mfa_index")).status_code == 200  # the second factor is offered


def test_officer_enrols_then_signs_in_only_with_the_code(client, clock):
    agent = person()
    login(client, agent)
    secret = enrol(client, clock)
    assert set(Authenticator.objects.filter(user=agent).values_list("type", flat=True)) == {
        Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    client.post(reverse("account_logout"))

    # The password alone no longer signs in: allauth asks for the code.
    response = login(client, agent)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert not signed_in_as(client, agent)
    stale = pyotp.TOTP(secret).at(START - timedelta(minutes=10))
    response = client.post(reverse("mfa_authenticate"), {"code": stale})
    assert response.status_code == 200 and not signed_in_as(client, agent)

    response = client.post(reverse("mfa_authenticate"), {"code": code(secret)})
    assert response.status_code == 302 and signed_in_as(client, agent)


def test_admin_without_second_factor_is_sent_to_enrol_and_sees_nothing(client):
    admin = person(is_staff=True, is_superuser=True)
    login(client, admin)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


def test_admin_enrolled_after_signing_in_must_give_a_code(client, clock):
    admin = person(is_staff=True, is_superuser=True)
    login(client, admin)
    secret = enrol(client, clock)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    client.post(reverse("mfa_reauthenticate"), {"code": pyotp.TOTP(secret).at(START - timedelta(minutes=10))})
    assert client.get(reverse("admin:index")).status_code == 302  # a wrong code opens nothing

    client.post(reverse("mfa_reauthenticate"), {"code": code(secret)})
    assert client.get(reverse("admin:index")).status_code == 200


def test_admin_signing_in_with_the_code_reaches_the_admin(client, clock):
    admin = person(is_staff=True, is_superuser=True)
    login(client, admin)
    secret = enrol(client, clock)
    client.post(reverse("account_logout"))

    login(client, admin)
    client.post(reverse("mfa_authenticate"), {"code": code(secret)})
    assert signed_in_as(client, admin)
    assert client.get(reverse("admin:index")).status_code == 200


def test_djangos_admin_login_form_cannot_bypass_the_second_factor(client):
    admin = person(is_staff=True, is_superuser=True)
    response = client.post(reverse("admin:login") + "?next=/admin/", {"username": admin.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=%2Fadmin%2F"
    assert "_auth_user_id" not in client.session
    # An outside address in `next` is not followed.
    response = client.get(reverse("admin:login") + "?next=https://evil.example/")
    assert response["Location"] == reverse("account_login") + "?next=%2Fadmin%2F"


def test_officers_queue_offers_the_second_factor(client):
    from tests.flows import officer

    client.force_login(officer("aude"))
    page = client.get(reverse("applications:officer_queue"))
    assert page.status_code == 200 and f'href="{reverse("mfa_index")}"' in page.content.decode()
