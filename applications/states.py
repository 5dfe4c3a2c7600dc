"""The application workflow as data: states, who may act, and the allowed transitions.

The model (applications.models.Application) declares the same transitions with django-fsm-2;
this table is what the documentation's diagram, the timeline labels and the permission checks
read. `python manage.py graph_transitions` draws the diagram from the model itself.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    AWAITING_OPINION = "awaiting_opinion", _("En attente de l'avis de l'établissement")
    IN_INSTRUCTION = "in_instruction", _("En cours d'instruction")
    AWAITING_DOCUMENTS = "awaiting_documents", _("Pièces demandées")
    READY_FOR_DECISION = "ready_for_decision", _("Prêt pour décision")
    GRANTED = "granted", _("Aide attribuée")
    REJECTED = "rejected", _("Demande rejetée")
    UNDER_APPEAL = "under_appeal", _("Recours gracieux en cours")
    CANCELLED = "cancelled", _("Aide annulée")
    CLOSED = "closed", _("Classé sans suite")
    REJECTED_INCOMPLETE = "rejected_incomplete", _("Rejeté : dossier incomplet")
    WITHDRAWN = "withdrawn", _("Retiré par l'étudiant")


# States in which the student may still withdraw (nothing has been decided yet).
UNDECIDED = (
    State.DRAFT,
    State.AWAITING_OPINION,
    State.IN_INSTRUCTION,
    State.AWAITING_DOCUMENTS,
    State.READY_FOR_DECISION,
)
# States in which the file is the authority's to instruct.
INSTRUCTION = (State.IN_INSTRUCTION, State.AWAITING_DOCUMENTS, State.READY_FOR_DECISION)
# Art. 13 (and art. L411-2 CRPA for the départements): a recours gracieux lies against every
# decision of the authority, a rejection for incompleteness, a closure or a cancellation as much
# as a commission's. Upholding it returns the file to the state it was appealed from.
APPEALABLE = (State.GRANTED, State.REJECTED, State.REJECTED_INCOMPLETE, State.CLOSED, State.CANCELLED)
FINAL = (State.CLOSED, State.REJECTED_INCOMPLETE, State.WITHDRAWN, State.CANCELLED)

# (transition, sources, target(s), actor role, label)
TRANSITIONS = [
    ("submit", [State.DRAFT], [State.AWAITING_OPINION, State.IN_INSTRUCTION], "student", _("Déposer la demande")),
    ("record_opinion", [State.AWAITING_OPINION], [State.IN_INSTRUCTION], "establishment", _("Valider l'avis de l'établissement")),
    ("request_documents", [State.IN_INSTRUCTION], [State.AWAITING_DOCUMENTS], "officer", _("Demander des pièces")),
    ("documents_received", [State.AWAITING_DOCUMENTS], [State.IN_INSTRUCTION], "student", _("Transmettre les pièces demandées")),
    ("reject_incomplete", [State.AWAITING_DOCUMENTS], [State.REJECTED_INCOMPLETE], "system", _("Rejeter le dossier incomplet (délai de 2 mois dépassé)")),
    ("mark_ready", [State.IN_INSTRUCTION], [State.READY_FOR_DECISION], "officer", _("Déclarer prêt pour décision")),
    ("close", list(INSTRUCTION), [State.CLOSED], "officer", _("Classer sans suite")),
    ("withdraw", list(UNDECIDED), [State.WITHDRAWN], "student", _("Retirer la demande")),
    ("decide", [State.READY_FOR_DECISION], [State.GRANTED, State.REJECTED], "officer", _("Décider (clôture de la séance)")),
    ("appeal", list(APPEALABLE), [State.UNDER_APPEAL], "student", _("Former un recours gracieux")),
    ("uphold", [State.UNDER_APPEAL], list(APPEALABLE), "officer", _("Maintenir la décision")),
    ("reopen", [State.UNDER_APPEAL], [State.IN_INSTRUCTION], "officer", _("Réformer : rouvrir l'instruction")),
    ("cancel", [State.GRANTED], [State.CANCELLED], "officer", _("Annuler l'aide (annulation de la mobilité)")),
]
