"""Applications and everything attached to them.

The state field is protected: only the transitions below change it, and only services call
them (applications/services.py), under the row lock, writing an Event each time.
"""

from __future__ import annotations

import secrets
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from ..documents import KINDS
from ..states import APPEALABLE, INSTRUCTION, UNDECIDED, State


def _may(perm: str):
    """A transition's permission is the django-rules permission the views and services check
    (applications/rules.py), so `has_transition_perm` answers as they do."""
    return lambda instance, user: user.has_perm(perm, instance)


class Application(FSMModelMixin, models.Model):
    reference = models.CharField(_("référence"), max_length=20, unique=True, null=True, blank=True)
    scheme = models.ForeignKey(
        "schemes.Scheme", on_delete=models.PROTECT, related_name="applications", verbose_name=_("dispositif")
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications", verbose_name=_("étudiant")
    )
    establishment = models.ForeignKey(
        "accounts.Establishment", on_delete=models.PROTECT, null=True, blank=True, related_name="applications",
        verbose_name=_("établissement"),
    )
    aid = models.CharField(_("aide demandée"), max_length=20, blank=True)
    # The situation as the simulation contract describes it (schemes/inputs.py): the engine reads
    # the same JSON for a stored file as for the simulator, so both always agree.
    data = models.JSONField(_("situation déclarée"), default=dict, blank=True)
    # Identity and bank details of the applicant, kept apart from the rule facts.
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    address = models.TextField(_("adresse postale"), blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    account_holder = models.CharField(_("titulaire du compte"), max_length=150, blank=True)

    state = FSMField(_("état"), default=State.DRAFT, choices=State.choices, protected=True, db_index=True)
    # The decision in force (the last one taken: initial, after an appeal, or amended, Art. 10).
    # The one reference from a file to a later stage: the decision in force, kept here so that every
    # list can show it without a join through decisions. A lazy reference, never an import.
    current_decision = models.ForeignKey(
        "decisions.Decision", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("décision en vigueur")
    )
    academic_year = models.PositiveSmallIntegerField(
        _("année universitaire"), null=True, blank=True, db_index=True,
        help_text=_("Première année civile de l'année universitaire (2025 pour 2025-2026)."),
    )
    # The engine's last answer on the declared situation, kept for lists and filters; the file
    # page always recomputes it.
    estimate_eligible = models.BooleanField(_("éligibilité estimée"), null=True, blank=True)
    estimate_amount = models.DecimalField(_("montant estimé"), max_digits=10, decimal_places=2, null=True, blank=True)
    draft_step = models.PositiveSmallIntegerField(_("étape du brouillon"), default=1)
    submitted_at = models.DateTimeField(_("déposée le"), null=True, blank=True)
    closing_reason = models.TextField(_("motif"), blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    # Head of the file's event chain (applications.events): removing the last event shows.
    events_head = models.CharField(_("empreinte du dernier événement"), max_length=64, blank=True)
    events_count = models.PositiveIntegerField(_("nombre d'événements"), default=0)
    # Art. 12: once the 3-year control period after the balance is over, personal data are
    # minimised (names, contact and bank details, documents); amounts and the ledger stay.
    archived_at = models.DateTimeField(_("archivé le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("demande")
        verbose_name_plural = _("demandes")
        indexes = [
            models.Index(fields=["scheme", "state", "academic_year"]),
            # The officer's queue, oldest submission first (queues.officer_queue): PostgreSQL
            # walks these in order and stops at the page's 25 rows instead of sorting the
            # authority's tens of thousands of files; the second serves the state tabs.
            models.Index(fields=["scheme", "submitted_at", "id"], name="application_queue_idx"),
            models.Index(fields=["scheme", "state", "submitted_at", "id"], name="application_queue_state_idx"),
            # The authority's dashboard (payments.indicators) groups an authority's files by
            # scheme and year and joins their decision in force or their ledger: PostgreSQL reads
            # all four columns from this index alone (an index-only scan of a few hundred pages
            # at 100,000 files) instead of visiting every file row of the authority.
            models.Index(fields=["scheme", "academic_year", "current_decision", "id"], name="application_dashboard_idx"),
            # The dashboard's Chèque Apprentis split: the few apprentice files, without reading
            # every file of the Region to find them.
            models.Index(fields=["scheme", "academic_year", "id"], name="application_apprentice_idx",
                         condition=models.Q(aid="apprentice")),
            # The payable list counts and totals the authority's payable instalments (often tens
            # of thousands) by hashing the granted files: from this index alone, with the decision
            # in force that the acceptance letter must answer.
            models.Index(fields=["id", "current_decision"], name="application_granted_idx",
                         condition=models.Q(state="granted")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(estimate_amount__isnull=True) | models.Q(estimate_amount__gte=0),
                name="application_estimate_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or f"brouillon n° {self.pk}"

    @property
    def applicant_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or str(self.student)

    @property
    def is_undecided(self) -> bool:
        return self.state in UNDECIDED

    # --- Transitions (called by services only) --------------------------------------------
    @transition(field=state, source=State.DRAFT, target=RETURN_VALUE(State.AWAITING_OPINION, State.IN_INSTRUCTION), permission=_may("applications.edit_application"))
    def submit(self):
        return State.AWAITING_OPINION if self.scheme.requires_establishment_opinion else State.IN_INSTRUCTION

    @transition(field=state, source=State.AWAITING_OPINION, target=State.IN_INSTRUCTION, permission=_may("applications.give_opinion"))
    def record_opinion(self):
        pass

    @transition(field=state, source=State.IN_INSTRUCTION, target=State.AWAITING_DOCUMENTS, permission=_may("applications.instruct_application"))
    def request_documents(self):
        pass

    @transition(field=state, source=State.AWAITING_DOCUMENTS, target=State.IN_INSTRUCTION, permission=_may("applications.add_document"))
    def documents_received(self):
        pass

    @transition(field=state, source=State.AWAITING_DOCUMENTS, target=State.REJECTED_INCOMPLETE)
    def reject_incomplete(self):
        pass

    @transition(field=state, source=State.IN_INSTRUCTION, target=State.READY_FOR_DECISION, permission=_may("applications.instruct_application"))
    def mark_ready(self):
        pass

    @transition(field=state, source=list(INSTRUCTION), target=State.CLOSED, permission=_may("applications.instruct_application"))
    def close(self):
        pass

    @transition(field=state, source=list(UNDECIDED), target=State.WITHDRAWN, permission=_may("applications.withdraw_application"))
    def withdraw(self):
        pass

    @transition(field=state, source=State.READY_FOR_DECISION, target=RETURN_VALUE(State.GRANTED, State.REJECTED))
    def decide(self, *, granted: bool):
        return State.GRANTED if granted else State.REJECTED

    @transition(field=state, source=list(APPEALABLE), target=State.UNDER_APPEAL)
    def appeal(self):
        pass

    @transition(field=state, source=State.UNDER_APPEAL, target=RETURN_VALUE(*APPEALABLE), permission=_may("applications.instruct_application"))
    def uphold(self, *, to: str):
        """Back to the state the file was appealed from (the decision stands)."""
        if to not in APPEALABLE:
            raise ValueError(f"cannot uphold to {to}")
        return to

    @transition(field=state, source=State.UNDER_APPEAL, target=State.IN_INSTRUCTION, permission=_may("applications.instruct_application"))
    def reopen(self):
        pass

    @transition(field=state, source=State.GRANTED, target=State.CANCELLED, permission=_may("applications.instruct_application"))
    def cancel(self):
        pass


def _unguessable_name(instance, filename: str) -> str:
    """Stored names carry no personal data and cannot be guessed; the original name is kept in
    the row. The extension comes from the detected content type (set before saving)."""
    suffix = PurePosixPath(filename).suffix.lower()[:5]
    return f"files/{secrets.token_hex(2)}/{secrets.token_urlsafe(24)}{suffix}"


class Document(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="documents", verbose_name=_("dossier")
    )
    kind = models.CharField(_("pièce"), max_length=30, choices=list(KINDS.items()))
    file = models.FileField(_("fichier"), upload_to=_unguessable_name, blank=True)
    # Horizons Art. 5: a written explanation may stand in for a document the student cannot give.
    explanation = models.TextField(_("explication à la place de la pièce"), blank=True)
    original_name = models.CharField(_("nom du fichier déposé"), max_length=255, blank=True)
    content_type = models.CharField(_("type de fichier"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("taille (octets)"), default=0)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("déposée par")
    )
    uploaded_at = models.DateTimeField(_("déposée le"), auto_now_add=True)
    request = models.ForeignKey(
        "DocumentRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="documents",
        verbose_name=_("demande de pièces"),
    )
    superseded = models.BooleanField(_("pièce remplacée"), default=False)
    # Evidence filed with a recours gracieux (Art. 13).
    appeal = models.ForeignKey(
        "decisions.Appeal", on_delete=models.PROTECT, null=True, blank=True, related_name="documents",
        verbose_name=_("recours gracieux"),
    )

    class Meta:
        ordering = ["kind", "-uploaded_at"]
        verbose_name = _("pièce justificative")
        verbose_name_plural = _("pièces justificatives")
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(file="") & models.Q(explanation="")),
                name="document_has_file_or_explanation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.original_name or 'explication'})"


    @property
    def after_decision(self) -> bool:
        """Filed after the file's first decision (an appeal's evidence, the balance's proofs, a
        reported change): part of what is decided, not of what the establishment reviews."""
        if self.appeal_id is not None:
            return True
        first = self.application.decisions.order_by("created_at").values_list("created_at", flat=True).first()
        return first is not None and self.uploaded_at >= first


class DocumentRequest(models.Model):
    """Missing or non-compliant documents asked of the student (Horizons Art. 5: 2 months)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="document_requests", verbose_name=_("dossier")
    )
    items = models.JSONField(_("pièces demandées"), default=list)
    message = models.TextField(_("message"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("demandées par")
    )
    requested_on = models.DateField(_("demandé le"))
    due_on = models.DateField(_("à fournir au plus tard le"))
    extended_to = models.DateField(_("délai prolongé jusqu'au"), null=True, blank=True)
    extension_reason = models.TextField(_("motif de la prolongation"), blank=True)
    answered_at = models.DateTimeField(_("pièces transmises le"), null=True, blank=True)
    reminder_sent_on = models.DateField(_("relance envoyée le"), null=True, blank=True)
    expired_at = models.DateTimeField(_("délai expiré le"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_on", "-pk"]
        verbose_name = _("demande de pièces")
        verbose_name_plural = _("demandes de pièces")

    def __str__(self) -> str:
        return f"Pièces demandées · {self.application} (au plus tard le {self.deadline:%d/%m/%Y})"

    @property
    def deadline(self):
        return self.extended_to or self.due_on


class Opinion(models.Model):
    """The establishment's opinion on a file (Horizons Art. 5), validated once."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="opinion", verbose_name=_("dossier")
    )
    favourable = models.BooleanField(_("avis favorable"))
    comment = models.TextField(_("commentaire"), blank=True)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("donné par")
    )
    given_at = models.DateTimeField(_("donné le"), auto_now_add=True)

    class Meta:
        verbose_name = _("avis de l'établissement")
        verbose_name_plural = _("avis des établissements")

    def __str__(self) -> str:
        return f"Avis {'favorable' if self.favourable else 'défavorable'} · {self.application}"


class Message(models.Model):
    """The thread between the student and the officers of a file."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="messages", verbose_name=_("dossier")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("auteur")
    )
    body = models.TextField(_("message"))
    attachment = models.FileField(_("pièce jointe"), upload_to=_unguessable_name, blank=True)
    attachment_name = models.CharField(_("nom de la pièce jointe"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("envoyé le"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"Message · {self.application} · {self.created_at:%d/%m/%Y}"


class Note(models.Model):
    """A private note: officers only, never shown to the student or the establishment."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="notes", verbose_name=_("dossier")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("auteur")
    )
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(_("rédigée le"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("note interne")
        verbose_name_plural = _("notes internes")

    def __str__(self) -> str:
        return f"Note · {self.application} · {self.created_at:%d/%m/%Y}"


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Events are never updated.")

    def delete(self):
        raise PermissionError("Events are never deleted.")


class Event(models.Model):
    """One line of a file's history. Append-only: each row stores the SHA-256 of its content
    chained to the previous event of the same file (see applications/events.py)."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="events", verbose_name=_("dossier")
    )
    seq = models.PositiveIntegerField(_("numéro d'ordre"))
    kind = models.CharField(_("nature"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("auteur"),
    )
    # The author's name when the event was written, or "système" for the sweeps and letters.
    actor_label = models.CharField(_("nom de l'auteur"), max_length=200, blank=True)
    # Choices for the labels only (admin columns and filters); nothing validates an event.
    from_state = models.CharField(_("état de départ"), max_length=30, blank=True, choices=State.choices)
    to_state = models.CharField(_("état d'arrivée"), max_length=30, blank=True, choices=State.choices)
    reason = models.TextField(_("motif"), blank=True)
    payload = models.JSONField(_("données"), default=dict, blank=True)
    created_at = models.DateTimeField(_("date"))
    prev_hash = models.CharField(_("empreinte de l'événement précédent"), max_length=64, blank=True)
    hash = models.CharField(_("empreinte"), max_length=64)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["application_id", "seq"]
        verbose_name = _("événement")
        verbose_name_plural = _("historique")
        constraints = [models.UniqueConstraint(fields=["application", "seq"], name="event_seq_unique")]

    def __str__(self) -> str:
        from ..queues import EVENT_LABELS  # the timeline's labels; queues imports this module

        return f"{self.application} · événement n° {self.seq} : {EVENT_LABELS.get(self.kind, self.kind)}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Events are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Events are never deleted.")
