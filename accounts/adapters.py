"""How django-allauth creates and names accounts, guards sign-in, where it sends users after
signing in, and what its e-mails call the portal."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import user_email, user_username
from django.conf import settings
from django.urls import reverse

from core.net import client_ip

from . import throttle
from .rules import roles_of


def home_url(user) -> str:
    """Each role's own home page: an administrator's is the admin, an officer's the instruction
    queue, an establishment's its opinions list, a student's the dashboard of their files.

    A user holding several roles lands on the first of that order: the admin reaches every
    other page, an officer's work outweighs an establishment's."""
    if user.is_staff:
        return reverse("admin:index")
    roles = roles_of(user)
    if roles.officer_authority_id is not None:
        return reverse("applications:officer_queue")
    if roles.establishment_ids:
        return reverse("applications:establishment_queue")
    return reverse("applications:dashboard")



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

    def get_login_redirect_url(self, request) -> str:
        # allauth gives an explicit ?next= precedence over this (allauth.account.utils).
        return home_url(request.user)

    def format_email_subject(self, subject) -> str:
        # allauth prefixes "[site name]"; without django.contrib.sites that name is the host
        # ("127.0.0.1:8011"): the portal's configured name instead.
        return f"[{settings.PORTAL_NAME}] {subject}"

    def send_mail(self, template_prefix, email, context) -> None:
        # allauth's templates greet with "{{ current_site.name }}": the portal's name and its
        # public address, not the host that happened to serve the request.
        context = {**context, "current_site": PortalSite()}
        super().send_mail(template_prefix, email, context)


class PortalSite:
    """What allauth's e-mail templates read of a site, from the portal's configuration."""

    @property
    def name(self) -> str:
        return settings.PORTAL_NAME

    @property
    def domain(self) -> str:
        return settings.PORTAL_BASE_URL.split("://", 1)[-1].rstrip("/")

    def __str__(self) -> str:
        return self.name
