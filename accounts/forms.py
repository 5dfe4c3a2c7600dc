"""The sign-up form: the same work whether or not the address already has an account."""

from allauth.account.forms import SignupForm as AllauthSignupForm
from django.contrib.auth.hashers import make_password


class SignupForm(AllauthSignupForm):
    def try_save(self, request):
        # With ACCOUNT_PREVENT_ENUMERATION, allauth answers an address that already has an
        # account as it answers a new one (same page, a mail either way), but skips creating the
        # user, and so the password hashing that is most of the time of a sign-up: the quick
        # answer would give the address away. Hashing the submitted password (and dropping the
        # result) makes both branches do the same work.
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)
