"""Sign-up does not tell whether an address already has an account, neither by its answer nor
by the work it does (the time it takes is mostly the password hashing)."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.urls import reverse

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "un-long-mot-de-passe-42"


class CountingHasher(MD5PasswordHasher):
    """MD5 (fast in tests) that counts the hashes it computes."""

    algorithm = "counting_md5"
    computed = 0

    def encode(self, password, salt):
        CountingHasher.computed += 1
        return super().encode(password, salt)


@pytest.fixture(autouse=True)
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.computed = 0


def sign_up(client, email):
    CountingHasher.computed = 0
    response = client.post(reverse("account_signup"),
                           {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    client.logout()
    return response, CountingHasher.computed


def test_existing_and_new_address_get_the_same_answer_for_the_same_work(client):
    owner = UserFactory(email="jeanne.dupont@example.org")
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    owner_password, users_before = User.objects.get(pk=owner.pk).password, User.objects.count()

    existing, existing_hashes = sign_up(client, "Jeanne.Dupont@example.org")

    assert User.objects.count() == users_before
    assert User.objects.get(pk=owner.pk).password == owner_password
    new, new_hashes = sign_up(client, "paul.martin@example.org")
    assert User.objects.filter(email="paul.martin@example.org").exists()

    assert new_hashes >= 1 and existing_hashes == new_hashes
    assert (existing.status_code, existing["Location"]) == (new.status_code, new["Location"])
    assert existing["Location"] == reverse("account_email_verification_sent")
    # Each address gets a mail: the owner is told someone tried to sign up with theirs.
    assert [m.to for m in mail.outbox] == [["jeanne.dupont@example.org"], ["paul.martin@example.org"]]
