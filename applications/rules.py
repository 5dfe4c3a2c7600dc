"""Who may do what on an application (django-rules), and why not.

Each permission is written once as a list of requirements, each with the French sentence that
explains a refusal. The permission is their conjunction (`rules.add_perm`), and
`refusal_reason` walks the same list, so what is checked and what is said cannot drift apart.
Views (PermissionRequiredMixin), templates (`{% has_perm %}`) and services use these names.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce

import rules

from accounts.rules import is_establishment_staff, is_officer, roles_of

from .states import UNDECIDED, State

__all__ = [
    "is_establishment_staff",
    "is_officer",
    "is_student_owner",
    "is_establishment_staff_of",
    "is_officer_of",
    "refusal_reason",
]


# --- Predicates on (user, application) -------------------------------------------------------
@rules.predicate
def is_authenticated(user) -> bool:
    return bool(user and user.is_authenticated)


@rules.predicate
def is_student_owner(user, application) -> bool:
    return application is not None and user.is_authenticated and application.student_id == user.pk


@rules.predicate
def is_establishment_staff_of(user, application) -> bool:
    return (
        application is not None
        and application.establishment_id is not None
        and application.establishment_id in roles_of(user).establishment_ids
    )


@rules.predicate
def is_officer_of(user, application) -> bool:
    """An officer of the authority that funds the application's scheme."""
    return application is not None and application.scheme_id in roles_of(user).officer_scheme_ids


@rules.predicate
def is_draft(user, application) -> bool:
    return application is not None and application.state == State.DRAFT


@rules.predicate
def is_undecided(user, application) -> bool:
    return application is not None and application.state in UNDECIDED


@rules.predicate
def is_awaiting_opinion(user, application) -> bool:
    return application is not None and application.state == State.AWAITING_OPINION


@rules.predicate
def accepts_documents(user, application) -> bool:
    from .services.workflow import ACCEPTS_DOCUMENTS

    return application is not None and application.state in ACCEPTS_DOCUMENTS


is_party = is_student_owner | is_establishment_staff_of | is_officer_of


# --- Refusal sentences -------------------------------------------------------------------------
def _state_label(application) -> str:
    return str(State(application.state).label).lower() if application is not None else ""


def _not_editable(application) -> str:
    if application is not None and application.state == State.WITHDRAWN:
        return "La demande n'est plus modifiable : elle a été retirée."
    return "La demande n'est plus modifiable : elle a été déposée."


def _not_withdrawable(application) -> str:
    return (
        f"La demande ne peut plus être retirée : elle est à l'état « {_state_label(application)} »."
    )


def _no_opinion_expected(application) -> str:
    if application is not None and not application.scheme.requires_establishment_opinion:
        return "Ce dispositif ne prévoit pas d'avis de l'établissement."
    return (
        "L'avis de l'établissement n'est plus attendu sur ce dossier "
        f"(état : « {_state_label(application)} »)."
    )


SIGN_IN = (is_authenticated, "Connectez-vous pour accéder à ce dossier.")
NOT_YOURS = (
    "Ce dossier n'est visible que par l'étudiant, son établissement "
    "et la collectivité qui l'instruit."
)

# permission -> requirements, in the order a refusal is explained.
Reason = str | Callable[[object], str]
REQUIREMENTS: dict[str, tuple[tuple[rules.Predicate, Reason], ...]] = {
    "applications.view_application": (SIGN_IN, (is_party, NOT_YOURS)),
    # The establishment sees what its opinion needs (Horizons Art. 5), once the file is submitted:
    # officers too see nothing of a draft. What came after the decision (an appeal's evidence, the
    # balance's proofs) is under view_decision: DocumentDownloadView asks for it.
    "applications.view_document": (
        SIGN_IN,
        (is_party, NOT_YOURS),
        (is_student_owner | ~is_draft, "Les pièces d'un brouillon ne sont visibles que de l'étudiant."),
    ),
    # The decision, its letters and the money are the student's and the instructing authority's
    # business, not the establishment's.
    "applications.view_decision": (
        SIGN_IN,
        (is_student_owner | is_officer_of,
         "La décision, ses courriers et les versements ne sont visibles que de l'étudiant et des agents instructeurs."),
    ),
    # Messages are between the student and the officers; so are their attachments.
    "applications.view_messages": (
        SIGN_IN,
        (is_student_owner | is_officer_of,
         "Les messages ne sont visibles que de l'étudiant et des agents instructeurs du dossier."),
    ),
    "applications.edit_application": (
        SIGN_IN,
        (is_student_owner, "Seul l'étudiant qui a créé la demande peut la modifier."),
        (is_draft, _not_editable),
    ),
    "applications.withdraw_application": (
        SIGN_IN,
        (is_student_owner, "Seul l'étudiant qui a déposé la demande peut la retirer."),
        (is_undecided, _not_withdrawable),
    ),
    "applications.give_opinion": (
        SIGN_IN,
        (is_establishment_staff_of, "Seul l'établissement du dossier peut donner son avis."),
        (is_awaiting_opinion, _no_opinion_expected),
    ),
    "applications.instruct_application": (
        SIGN_IN,
        (
            is_officer_of,
            lambda application: f"Seuls les agents de {application.scheme.authority.name} instruisent ce dossier.",
        ),
    ),
    "applications.view_notes": (
        SIGN_IN,
        (
            is_officer_of,
            "Les notes internes ne sont visibles que des agents instructeurs de ce dispositif.",
        ),
    ),
    "applications.add_document": (
        SIGN_IN,
        (is_student_owner, "Seul l'étudiant du dossier peut y joindre des pièces."),
        (accepts_documents, "Le dossier n'accepte plus de pièces."),
    ),
    "applications.post_message": (
        SIGN_IN,
        (
            is_student_owner | is_officer_of,
            "Seuls l'étudiant et les agents instructeurs du dossier peuvent échanger des messages.",
        ),
    ),
}

for _perm, _requirements in REQUIREMENTS.items():
    rules.add_perm(_perm, reduce(lambda a, b: a & b, (predicate for predicate, _ in _requirements)))


def refusal_reason(user, perm: str, obj=None) -> str | None:
    """None when `user` may `perm` on `obj` (as `user.has_perm` answers: on a file, a superuser is
    no student, staff member or officer of it), else a French sentence saying why not."""
    if user.has_perm(perm, obj):
        return None
    for predicate, reason in REQUIREMENTS.get(perm, ()):
        if not predicate.test(user, obj):
            return reason(obj) if callable(reason) else reason
    return "Vous n'avez pas le droit d'effectuer cette action."
