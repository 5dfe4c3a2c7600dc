"""Who a user is in the portal: predicates on the user alone (django-rules).

Each user's roles are read at most once per user object and kept on it (`_roles_cache`): a page
that checks twenty files costs one query for the roles, not twenty. A request builds a fresh
user object, so a membership added in the admin counts from the next request on.
"""

from __future__ import annotations

from dataclasses import dataclass

import rules


@dataclass(frozen=True)
class Roles:
    establishment_ids: frozenset[int]
    officer_authority_id: int | None
    # The schemes the officer's authority funds: checking a file then reads its scheme_id only,
    # without loading the scheme (no query per file in a list).
    officer_scheme_ids: frozenset[int]


NO_ROLES = Roles(frozenset(), None, frozenset())


def roles_of(user) -> Roles:
    if user is None or not user.is_authenticated:
        return NO_ROLES
    cached = getattr(user, "_roles_cache", None)
    if cached is not None:
        return cached
    from schemes.models import Scheme

    from .models import EstablishmentMembership, OfficerMembership

    establishment_ids = frozenset(
        EstablishmentMembership.objects.filter(user=user).values_list("establishment_id", flat=True)
    )
    authority_id = (
        OfficerMembership.objects.filter(user=user).values_list("authority_id", flat=True).first()
    )
    scheme_ids = (
        frozenset(Scheme.objects.filter(authority_id=authority_id).values_list("pk", flat=True))
        if authority_id is not None
        else frozenset()
    )
    user._roles_cache = Roles(establishment_ids, authority_id, scheme_ids)
    return user._roles_cache


def forget_roles(user) -> None:
    """Drop the cached roles (after changing a membership of a user object still in use)."""
    user.__dict__.pop("_roles_cache", None)


@rules.predicate
def is_officer(user) -> bool:
    """An officer of a funding authority (has an OfficerMembership)."""
    return roles_of(user).officer_authority_id is not None


@rules.predicate
def is_establishment_staff(user) -> bool:
    """A staff member of at least one establishment."""
    return bool(roles_of(user).establishment_ids)


rules.add_perm("accounts.officer_space", is_officer)
rules.add_perm("accounts.establishment_space", is_establishment_staff)
