"""factory_boy factories shared by the integration and web tests.

Schemes and authorities are seeded by migrations (schemes/0002, 0003): their factories fetch the
seeded rows by code instead of creating look-alikes. `Factory.build()` works without a database
for unit tests, except for the factories that reuse those rows.
"""

from __future__ import annotations

import factory
from django.utils import timezone

from accounts.models import Establishment, EstablishmentMembership, OfficerMembership, User
from aid_portal.demo import situation
from applications.models import Application
from applications.states import State
from schemes.models import Authority, Scheme

PASSWORD = "motdepasse-demo-2026"
# Authority of each seeded scheme (schemes/migrations/0003_authority.py).
AUTHORITY_OF_SCHEME = {"horizons": "region-occitanie", "aude": "cd11", "haute-garonne": "cd31"}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"utilisateur{n}@example.org")
    username = factory.SelfAttribute("email")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password(PASSWORD)


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authority
        django_get_or_create = ("code",)

    code = "region-occitanie"
    name = factory.LazyAttribute(lambda o: o.code)


class SchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scheme
        django_get_or_create = ("code",)

    code = Scheme.Code.HORIZONS
    name = factory.LazyAttribute(lambda o: Scheme.Code(o.code).label)
    authority = factory.SubFactory(
        AuthorityFactory,
        code=factory.LazyAttribute(
            lambda a: AUTHORITY_OF_SCHEME.get(a.factory_parent.code, "autre")
        ),
    )
    requires_establishment_opinion = factory.LazyAttribute(lambda o: o.code == Scheme.Code.HORIZONS)


class EstablishmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Establishment
        django_get_or_create = ("uai",)

    name = factory.Sequence(lambda n: f"Université de test n° {n}")
    uai = factory.Sequence(lambda n: f"{9000000 + n:07d}T"[-8:])
    city = "Toulouse"
    in_region = True


class EstablishmentMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EstablishmentMembership

    user = factory.SubFactory(UserFactory)
    establishment = factory.SubFactory(EstablishmentFactory)


class OfficerMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfficerMembership

    user = factory.SubFactory(UserFactory)
    authority = factory.SubFactory(AuthorityFactory)


class OfficerFactory(UserFactory):
    """A user who is an officer of `authority` (default: the Région, which funds Horizons):
    `OfficerFactory(authority=Authority.objects.get(code="cd11"))`."""

    class Params:
        authority = factory.SubFactory(AuthorityFactory)

    membership = factory.RelatedFactory(
        OfficerMembershipFactory,
        factory_related_name="user",
        authority=factory.SelfAttribute("..authority"),
    )


class StaffFactory(UserFactory):
    """A user who is a staff member of `establishment`."""

    class Params:
        establishment = factory.SubFactory(EstablishmentFactory)

    membership = factory.RelatedFactory(
        EstablishmentMembershipFactory,
        factory_related_name="user",
        establishment=factory.SelfAttribute("..establishment"),
    )


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application with a valid declared situation for its scheme (dates after today).

    `state=` sets the state directly (the FSM field is protected, so it is written with a
    queryset update after the insert) and fills what a submitted file has (reference,
    submission date). No events are written: use the services when the history matters."""

    class Meta:
        model = Application

    class Params:
        situation = factory.LazyAttribute(
            lambda o: situation(o.scheme.code, today=timezone.localdate(), variant=o.variant)
        )
        variant = 0

    scheme = factory.SubFactory(SchemeFactory)
    student = factory.SubFactory(UserFactory)
    establishment = factory.Maybe(
        factory.SelfAttribute("scheme.requires_establishment_opinion"),
        yes_declaration=factory.SubFactory(EstablishmentFactory),
        no_declaration=None,
    )
    aid = factory.LazyAttribute(lambda o: o.situation[0])
    data = factory.LazyAttribute(lambda o: o.situation[1])
    first_name = factory.SelfAttribute("student.first_name")
    last_name = factory.SelfAttribute("student.last_name")
    state = State.DRAFT

    @classmethod
    def _create(cls, model_class, *args, state=State.DRAFT, **kwargs):
        application = super()._create(model_class, *args, **kwargs)
        if state != State.DRAFT:
            prefix = {"horizons": "HZ", "aude": "AU", "haute-garonne": "HG"}.get(
                application.scheme.code, "XX"
            )
            model_class.objects.filter(pk=application.pk).update(
                state=state,
                reference=f"{prefix}-TEST-{application.pk:06d}",
                submitted_at=timezone.now(),
            )
            application.refresh_from_db()
        return application
