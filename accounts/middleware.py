"""The Django admin is reached only through allauth's sign-in, with a verified second factor."""

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _


def second_factor_verified(request) -> bool:
    """Whether this session's sign-in (or a later re-authentication) passed allauth.mfa: a TOTP
    code, or one of the single-use recovery codes that stand in for it when the phone is lost."""
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


class AdminRequiresTOTPMiddleware:
    """Administrators hold every personal datum and every setting of the portal: the admin asks
    them for a TOTP code, which stays optional for officers (allauth.mfa, /comptes/2fa/).

    - Django's own admin login form checks the password alone: it is replaced by allauth's
      sign-in, whose MFA stage asks for the code of an enrolled account.
    - A staff member without an authenticator is sent to enrol one first.
    - A session signed in before the enrolment, or with the password alone, is asked for a code
      (allauth's MFA re-authentication) before the admin opens.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.namespace != "admin" or match.url_name == "logout":
            return None
        if match.url_name == "login":
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
                target = reverse("admin:index")
            return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")
        user = request.user
        if not (user.is_authenticated and user.is_staff):
            return None  # the admin sends them to its login page, hence to allauth's sign-in
        if not is_mfa_enabled(user, [Authenticator.Type.TOTP]):
            messages.warning(request, _("L'administration demande une double authentification : "
                                        "enregistrez d'abord une application d'authentification."))
            return redirect("mfa_activate_totp")
        if not second_factor_verified(request):
            return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': request.get_full_path()})}")
        return None
