"""Users of the portal.

A project-owned user model from the first migration on (swapping it later is painful). Students
sign in with their e-mail address, which is unique; `username` is kept (set to the e-mail for
self-registered students) so that staff accounts and the admin keep working as usual.
"""

from django.contrib.auth.models import AbstractUser, _user_has_perm
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

    def has_perm(self, perm, obj=None) -> bool:
        # Object permissions (applications/rules.py) say who someone is to a file: its student,
        # its establishment, its authority's officer. Being a superuser makes one none of these,
        # so Django's "superusers may do anything" shortcut applies to model permissions only.
        if obj is not None:
            return self.is_active and _user_has_perm(self, perm, obj)
        return super().has_perm(perm, obj)


class Establishment(models.Model):
    """A school or university whose staff give their opinion on their students' files."""

    name = models.CharField(_("nom"), max_length=200)
    uai = models.CharField(_("code UAI"), max_length=8, unique=True, help_text=_("Identifiant national de l'établissement."))
    city = models.CharField(_("ville"), max_length=120, blank=True)
    in_region = models.BooleanField(
        _("dans la région"), default=True,
        help_text=_("Établissement d'enseignement supérieur de la région (Horizons, art. 1)."),
    )
    contact_email = models.EmailField(_("adresse de contact"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("établissement")
        verbose_name_plural = _("établissements")

    def __str__(self) -> str:
        return self.name


class EstablishmentMembership(models.Model):
    """Attaches a staff member to one of the establishments whose files they may see."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="establishment_memberships", verbose_name=_("utilisateur")
    )
    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("établissement")
    )

    class Meta:
        verbose_name = _("personnel d'établissement")
        verbose_name_plural = _("personnels d'établissement")
        constraints = [
            models.UniqueConstraint(fields=["user", "establishment"], name="one_membership_per_establishment"),
        ]

    def __str__(self) -> str:
        return f"{self.user}, personnel de {self.establishment}"


class OfficerMembership(models.Model):
    """Attaches an officer to the one funding authority whose schemes they instruct."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="officer_membership", verbose_name=_("utilisateur")
    )
    authority = models.ForeignKey(
        "schemes.Authority", on_delete=models.PROTECT, related_name="officers", verbose_name=_("collectivité")
    )

    class Meta:
        verbose_name = _("agent instructeur")
        verbose_name_plural = _("agents instructeurs")

    def __str__(self) -> str:
        return f"{self.user}, agent instructeur de {self.authority}"
