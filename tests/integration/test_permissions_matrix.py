"""The permission matrix of applications: every role, on every other role's files, for every
permission and every state, against an expectation written out independently of rules.py."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from applications.rules import REQUIREMENTS, refusal_reason
from applications.states import UNDECIDED, State
from schemes.models import Authority, Scheme
from tests.factories import (
    ApplicationFactory,
    EstablishmentFactory,
    OfficerFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PERMISSIONS = sorted(REQUIREMENTS)
ROLES = [
    "student_a",
    "student_b",
    "staff_e1",
    "staff_e2",
    "officer_region",
    "officer_cd11",
    "officer_cd31",
    "anonymous",
]
# file -> (scheme, owner, establishment staff)
FILES = {
    "horizons_a_e1": ("horizons", "student_a", "staff_e1"),
    "horizons_b_e2": ("horizons", "student_b", "staff_e2"),
    "aude_a": ("aude", "student_a", None),
    "haute_garonne_b": ("haute-garonne", "student_b", None),
}
OFFICER_OF_SCHEME = {
    "horizons": "officer_region",
    "aude": "officer_cd11",
    "haute-garonne": "officer_cd31",
}


def expected(perm: str, role: str, file: str, state: str) -> bool:
    scheme, owner_role, staff_role = FILES[file]
    owner = role == owner_role
    staff = staff_role is not None and role == staff_role
    officer = role == OFFICER_OF_SCHEME[scheme]
    return {
        "applications.view_application": owner or staff or officer,
        # Staff see the pieces their opinion needs, officers the pieces they instruct, neither a
        # draft's; the decision, its letters, the money and the messages are not the staff's.
        "applications.view_document": owner or ((staff or officer) and state != State.DRAFT),
        "applications.view_decision": owner or officer,
        "applications.view_messages": owner or officer,
        "applications.edit_application": owner and state == State.DRAFT,
        "applications.withdraw_application": owner and state in UNDECIDED,
        "applications.give_opinion": staff and state == State.AWAITING_OPINION,
        "applications.instruct_application": officer,
        "applications.view_notes": officer,
        "applications.post_message": owner or officer,
        # Before the decision, and after it for the balance's proofs, a change or an appeal.
        "applications.add_document": owner and state in (
            State.DRAFT, State.AWAITING_OPINION, State.IN_INSTRUCTION, State.AWAITING_DOCUMENTS,
            State.GRANTED, State.REJECTED, State.UNDER_APPEAL,
        ),
    }[perm]


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world():
    e1, e2 = EstablishmentFactory(), EstablishmentFactory()
    users = {
        "student_a": UserFactory(),
        "student_b": UserFactory(),
        "staff_e1": StaffFactory(establishment=e1),
        "staff_e2": StaffFactory(establishment=e2),
        "officer_region": OfficerFactory(authority=Authority.objects.get(code="region-occitanie")),
        "officer_cd11": OfficerFactory(authority=Authority.objects.get(code="cd11")),
        "officer_cd31": OfficerFactory(authority=Authority.objects.get(code="cd31")),
        "anonymous": AnonymousUser(),
    }
    establishments = {"staff_e1": e1, "staff_e2": e2}
    schemes = {s.code: s for s in Scheme.objects.all()}

    def files(state):
        return {
            name: ApplicationFactory(
                scheme=schemes[scheme],
                student=users[owner],
                establishment=establishments.get(staff),
                state=state,
            )
            for name, (scheme, owner, staff) in FILES.items()
        }

    return users, files


def test_seeded_authorities_fund_the_expected_schemes():
    # The matrix below relies on this mapping (schemes/migrations/0003_authority.py).
    assert {s.code: s.authority.code for s in Scheme.objects.select_related("authority")} == {
        "horizons": "region-occitanie",
        "aude": "cd11",
        "haute-garonne": "cd31",
    }


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("perm", PERMISSIONS)
def test_permission_matrix(world, perm, state):
    users, make_files = world
    files = make_files(state)
    actual = {(role, f): users[role].has_perm(perm, files[f]) for role in ROLES for f in FILES}
    wanted = {(role, f): expected(perm, role, f, state) for role in ROLES for f in FILES}
    wrong = {key: actual[key] for key in actual if actual[key] != wanted[key]}
    assert wrong == {}, f"{perm} in state {state}: (role, file) -> has_perm differs from the matrix"
    # Every refusal says why; an allowed action has no refusal reason.
    for (role, f), allowed in actual.items():
        reason = refusal_reason(users[role], perm, files[f])
        assert (reason is None) == allowed, (role, f, reason)
        if reason is not None:
            assert reason.endswith(".") and len(reason) > 20


@pytest.mark.parametrize("perm", PERMISSIONS)
def test_no_object_means_no_permission(world, perm):
    users, _ = world
    assert not any(users[role].has_perm(perm) for role in ROLES)


def test_superuser_cannot_act_in_anyones_place(world):
    # The Django admin is for administrators; on a file, only its student, establishment and
    # authority act, so the superuser shortcut does not apply to object permissions.
    _, make_files = world
    admin = UserFactory(is_superuser=True, is_staff=True)
    app = make_files(State.IN_INSTRUCTION)["aude_a"]
    assert not any(admin.has_perm(perm, app) for perm in PERMISSIONS)
    assert refusal_reason(admin, "applications.instruct_application", app) is not None
    assert admin.has_perm("applications.change_application")  # model permissions: the admin site


@pytest.mark.parametrize(
    ("perm", "role", "file", "state", "reason"),
    [
        (
            "applications.give_opinion",
            "officer_region",
            "horizons_a_e1",
            State.AWAITING_OPINION,
            "Seul l'établissement du dossier peut donner son avis.",
        ),
        (
            "applications.give_opinion",
            "staff_e2",
            "horizons_a_e1",
            State.AWAITING_OPINION,
            "Seul l'établissement du dossier peut donner son avis.",
        ),
        (
            "applications.give_opinion",
            "staff_e1",
            "horizons_a_e1",
            State.IN_INSTRUCTION,
            "L'avis de l'établissement n'est plus attendu sur ce dossier "
            "(état : « en cours d'instruction »).",
        ),
        (
            "applications.edit_application",
            "student_a",
            "aude_a",
            State.IN_INSTRUCTION,
            "La demande n'est plus modifiable : elle a été déposée.",
        ),
        (
            "applications.edit_application",
            "student_a",
            "aude_a",
            State.WITHDRAWN,
            "La demande n'est plus modifiable : elle a été retirée.",
        ),
        (
            "applications.edit_application",
            "student_b",
            "aude_a",
            State.DRAFT,
            "Seul l'étudiant qui a créé la demande peut la modifier.",
        ),
        (
            "applications.withdraw_application",
            "student_a",
            "aude_a",
            State.CLOSED,
            "La demande ne peut plus être retirée : elle est à l'état « classé sans suite ».",
        ),
        (
            "applications.view_application",
            "officer_cd31",
            "aude_a",
            State.IN_INSTRUCTION,
            "Ce dossier n'est visible que par l'étudiant, son établissement "
            "et la collectivité qui l'instruit.",
        ),
        (
            "applications.view_notes",
            "student_a",
            "aude_a",
            State.IN_INSTRUCTION,
            "Les notes internes ne sont visibles que des agents instructeurs de ce dispositif.",
        ),
        (
            "applications.view_application",
            "anonymous",
            "aude_a",
            State.IN_INSTRUCTION,
            "Connectez-vous pour accéder à ce dossier.",
        ),
    ],
)
def test_refusal_reasons(world, perm, role, file, state, reason):
    users, make_files = world
    assert refusal_reason(users[role], perm, make_files(state)[file]) == reason


def test_roles_are_read_once_per_user(world, django_assert_max_num_queries):
    users, make_files = world
    files = list(make_files(State.IN_INSTRUCTION).values())
    officer = users["officer_region"]
    # Establishment ids, officer's authority, its schemes: three queries for any number of
    # files and permissions, none per file.
    with django_assert_max_num_queries(3):
        for app in files:
            for perm in PERMISSIONS:
                officer.has_perm(perm, app)
