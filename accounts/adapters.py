"""How django-allauth creates and names accounts."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import user_email, user_username


class AccountAdapter(DefaultAccountAdapter):
    def populate_username(self, request, user) -> None:
        # A self-registered student's username is their e-mail (accounts.models.User): it is
        # unique already, and staff reading the admin recognise the person at once. allauth's
        # default would derive a slug such as "jeanne2" from it.
        if not user_username(user):
            user_username(user, user_email(user))
