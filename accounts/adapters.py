"""How django-allauth creates and names accounts, and guards sign-in."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import user_email, user_username

from aid_portal.net import client_ip

from . import throttle


def _login(credentials: dict) -> str:
    return credentials.get("email") or credentials.get("username") or ""


class AccountAdapter(DefaultAccountAdapter):
    def populate_username(self, request, user) -> None:
        # A self-registered student's username is their e-mail (accounts.models.User): it is
        # unique already, and staff reading the admin recognise the person at once. allauth's
        # default would derive a slug such as "jeanne2" from it.
        if not user_username(user):
            user_username(user, user_email(user))

    def get_client_ip(self, request) -> str:
        # The one reading of the proxy headers (aid_portal.net), shared with the access log.
        return client_ip(request)

    def pre_authenticate(self, request, **credentials) -> None:
        # allauth's per-address limit first (a refused address waits for nothing), then the
        # progressive wait of accounts.throttle in place of a per-account lockout.
        super().pre_authenticate(request, **credentials)
        delay = throttle.signin_delay(login=_login(credentials), ip=self.get_client_ip(request))
        if delay:
            throttle.pause(delay)

    def authentication_failed(self, request, **credentials) -> None:
        super().authentication_failed(request, **credentials)
        throttle.signin_failure_record(login=_login(credentials), ip=self.get_client_ip(request))
