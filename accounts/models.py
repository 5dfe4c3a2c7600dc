"""Users of the portal.

A project-owned user model from the first migration on (swapping it later is painful). Students
sign in with their e-mail address, which is unique; `username` is kept (set to the e-mail for
self-registered students) so that staff accounts and the admin keep working as usual.
"""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    email = models.EmailField(_("adresse électronique"), unique=True, null=True, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        swappable = "AUTH_USER_MODEL"

    def clean(self) -> None:
        super().clean()
        # Store '' as NULL so that several accounts without an e-mail do not collide on UNIQUE.
        self.email = self.__class__.objects.normalize_email(self.email) or None
