"""The decisions app's models. What is decided about a file: commission sessions, decisions with their calculation snapshot,
the letters sent, appeals (Art. 13) and changes reported after the decision (Art. 10)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from applications.models.files import _unguessable_name
from schemes.engine.money import euros


class Outcome(models.TextChoices):
    GRANTED = "granted", _("Attribution")
    REJECTED = "rejected", _("Rejet")


class CommissionSession(models.Model):
    """A meeting of the attribution commission: files ready for decision are gathered, a
    decision recorded for each, and closing it makes the decision act (Horizons Art. 7)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Ouverte")
        CLOSING = "closing", _("Clôture en cours")
        # Not "Close": Django's own French catalogue translates that English word to "Fermer".
        CLOSED = "closed", _("Clôturée")

    scheme = models.ForeignKey(
        "schemes.Scheme", on_delete=models.PROTECT, related_name="sessions", verbose_name=_("dispositif")
    )
    title = models.CharField(_("intitulé"), max_length=200)
    meeting_date = models.DateField(_("date de la commission"))
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    act_number = models.CharField(_("numéro de l'arrêté"), max_length=40, blank=True)
    act_date = models.DateField(_("date de l'arrêté"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("créée par")
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("clôturée par"),
    )
    closed_at = models.DateTimeField(_("clôturée le"), null=True, blank=True)
    # Progress of a closing run in the background (entries decided / entries to decide).
    progress_total = models.PositiveIntegerField(_("dossiers à décider"), default=0)
    progress_done = models.PositiveIntegerField(_("dossiers décidés"), default=0)
    # When the progress last moved (or the closing was started or resumed): a closing whose
    # progress has not moved for a while has lost its worker and is resumed.
    progress_at = models.DateTimeField(_("clôture avancée pour la dernière fois le"), null=True, blank=True)

    class Meta:
        # The table keeps the name it had before the model moved here from applications.
        db_table = "applications_commissionsession"
        ordering = ["-meeting_date", "-pk"]
        verbose_name = _("séance de la commission")
        verbose_name_plural = _("séances de la commission")

    def __str__(self) -> str:
        return f"{self.title} ({self.meeting_date:%d/%m/%Y})"


class SessionEntry(models.Model):
    """One file on a session's agenda, with the decision the commission records for it."""

    session = models.ForeignKey(
        CommissionSession, on_delete=models.CASCADE, related_name="entries",
        verbose_name=_("séance de la commission"),
    )
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="session_entries",
        verbose_name=_("dossier"),
    )
    proposed_amount = models.DecimalField(_("montant proposé par le moteur"), max_digits=10, decimal_places=2)
    outcome = models.CharField(_("décision"), max_length=10, choices=Outcome.choices, blank=True)
    amount = models.DecimalField(_("montant attribué"), max_digits=10, decimal_places=2, null=True, blank=True)
    motivation = models.TextField(_("motivation"), blank=True)
    over_quota_confirmed = models.BooleanField(_("dépassement du quota ou de l'enveloppe confirmé"), default=False)
    # A fixed amount other than the texts' (every aid but the Horizons grant), and going over the
    # quota or envelope, are derogations: each is recorded with its reason.
    amount_derogation = models.TextField(_("motif de la dérogation au montant"), blank=True)
    quota_derogation = models.TextField(_("motif de la dérogation au quota ou à l'enveloppe"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("décision enregistrée par"),
    )
    recorded_at = models.DateTimeField(_("décision enregistrée le"), null=True, blank=True)
    decided = models.BooleanField(_("décision prise"), default=False)

    class Meta:
        # The table keeps the name it had before the model moved here from applications.
        db_table = "applications_sessionentry"
        ordering = ["session", "pk"]
        verbose_name = _("dossier inscrit en séance")
        verbose_name_plural = _("dossiers inscrits en séance")
        constraints = [
            models.UniqueConstraint(fields=["session", "application"], name="entry_once_per_session"),
            # A file waits on one agenda at a time.
            models.UniqueConstraint(fields=["application"], condition=Q(decided=False), name="entry_one_pending_per_file"),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0), name="entry_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.application}"


class Decision(models.Model):
    """A decision taken on a file. Immutable once written; a later decision (after an appeal or a
    reported change) supersedes it. `snapshot` holds everything it was computed from."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("Décision initiale")
        APPEAL = "appeal", _("Décision sur recours gracieux")
        AMENDMENT = "amendment", _("Décision modificative (art. 10)")
        # Decisions taken without the commission (Art. 8: every rejection is a motivated decision).
        INCOMPLETE = "incomplete", _("Rejet pour dossier incomplet (art. 5)")
        CLOSURE = "closure", _("Classement sans suite")

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="decisions", verbose_name=_("dossier")
    )
    session = models.ForeignKey(
        CommissionSession, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions",
        verbose_name=_("séance de la commission"),
    )
    entry = models.OneToOneField(
        SessionEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="decision",
        verbose_name=_("inscription en séance"),
    )
    kind = models.CharField(_("nature"), max_length=10, choices=Kind.choices, default=Kind.INITIAL)
    outcome = models.CharField(_("décision"), max_length=10, choices=Outcome.choices)
    amount = models.DecimalField(_("montant attribué"), max_digits=10, decimal_places=2)
    # What the texts give (the engine's amount when the decision was recorded); `amount` differs
    # from it only by a recorded derogation, or below it for the Horizons grant ("up to").
    engine_amount = models.DecimalField(_("montant du règlement"), max_digits=10, decimal_places=2, null=True, blank=True)
    amount_derogation = models.TextField(_("motif de la dérogation au montant"), blank=True)
    quota_derogation = models.TextField(_("motif de la dérogation au quota ou à l'enveloppe"), blank=True)
    motivation = models.TextField(_("motivation"), blank=True)
    decided_on = models.DateField(_("date de la décision"))
    act_number = models.CharField(_("numéro de l'arrêté"), max_length=40, blank=True)
    snapshot = models.JSONField(_("données de calcul"))
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by",
        verbose_name=_("remplace la décision"),
    )
    # Art. 13: the appeal period runs from the notification to the student: the day the letter is
    # made available on the portal and e-mailed (decisions.letters), or a receipt an officer records.
    notified_on = models.DateField(_("notifiée le"), null=True, blank=True)
    # None for the daily sweep's rejections of incomplete files (no one signs them in person).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("enregistrée par"),
    )
    created_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)

    class Meta:
        # The table keeps the name it had before the model moved here from applications.
        db_table = "applications_decision"
        ordering = ["application", "created_at", "pk"]
        verbose_name = _("décision")
        verbose_name_plural = _("décisions")
        # The right to decide beyond a scheme's quota or envelope: given to a role by the
        # authority (a group in the admin), not to every officer.
        permissions = [("derogate_quota", _("Déroger au quota ou à l'enveloppe d'un dispositif"))]
        indexes = [
            # The authority's dashboard sums the amounts granted by the decisions in force: the
            # granted decisions' amounts are read from this index alone, not from the decision
            # rows (each with its calculation snapshot).
            models.Index(fields=["id", "amount"], name="decision_granted_idx", condition=Q(outcome="granted")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="decision_amount_not_negative"),
            models.CheckConstraint(condition=Q(outcome="granted") | Q(amount=0), name="decision_rejection_is_zero"),
            # Two officers closing one session, or one double-clicking, give one decision per file.
            models.UniqueConstraint(fields=["application", "session"], condition=Q(kind="initial"), name="decision_once_per_session"),
        ]

    def __str__(self) -> str:
        return f"{self.application} : {self.get_outcome_display()} {euros(self.amount)}"


class Letter(models.Model):
    """A letter sent about a file, stored with everything needed to render it again byte for
    byte (`context`, `template`); the PDF is kept with its SHA-256."""

    class Kind(models.TextChoices):
        AWARD = "award", _("Notification d'attribution")
        REJECTION = "rejection", _("Notification de rejet motivé")
        AGREEMENT = "agreement", _("Convention (Aude)")
        COMMITMENT = "commitment", _("Engagement (Haute-Garonne)")
        APPEAL_UPHELD = "appeal_upheld", _("Réponse au recours gracieux : décision maintenue")
        APPEAL_REOPENED = "appeal_reopened", _("Réponse au recours gracieux : réexamen")
        AMENDMENT = "amendment", _("Décision modificative")
        CHANGE_REFUSED = "change_refused", _("Réponse à un signalement de modification")
        FORMAL_NOTICE = "formal_notice", _("Mise en demeure avant reversement (art. 11)")
        REPAYMENT_DEMAND = "repayment_demand", _("Demande de reversement après mise en demeure (art. 11)")

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="letters", verbose_name=_("dossier")
    )
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="letters", verbose_name=_("décision")
    )
    kind = models.CharField(_("nature"), max_length=20, choices=Kind.choices)
    template = models.CharField(_("modèle de courrier"), max_length=120)
    context = models.JSONField(_("données du courrier"))
    pdf = models.FileField(_("PDF signé"), upload_to=_unguessable_name, blank=True)
    pdf_sha256 = models.CharField(_("empreinte SHA-256 du PDF"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("émis le"), auto_now_add=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    requires_acceptance = models.BooleanField(_("acceptation requise"), default=False)
    accepted_at = models.DateTimeField(_("accepté le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("accepté par"),
    )

    class Meta:
        # The table keeps the name it had before the model moved here from applications.
        db_table = "applications_letter"
        ordering = ["application", "created_at", "pk"]
        verbose_name = _("courrier")
        verbose_name_plural = _("courriers")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.application}"


class Appeal(models.Model):
    """A recours gracieux to the President, within 2 months of notification (Art. 13)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En cours d'examen")
        UPHELD = "upheld", _("Décision maintenue")
        REOPENED = "reopened", _("Décision réformée : dossier réexaminé")

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="appeals", verbose_name=_("dossier")
    )
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("décision contestée")
    )
    grounds = models.TextField(_("motifs du recours"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("formé par")
    )
    # The day the authority received it: filed online, or the receipt of a paper appeal recorded
    # by an officer (`on_paper`); its timeliness is judged on that day (Art. 13).
    filed_on = models.DateField(_("reçu le"))
    on_paper = models.BooleanField(_("reçu par courrier"), default=False)
    # The state the file was appealed from, to which upholding the decision returns it.
    state_before = models.CharField(_("état du dossier avant le recours"), max_length=30, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("examiné par"),
    )
    reviewed_at = models.DateTimeField(_("examiné le"), null=True, blank=True)
    answer = models.TextField(_("réponse motivée"), blank=True)

    class Meta:
        # The table keeps the name it had before the model moved here from applications.
        db_table = "applications_appeal"
        ordering = ["-filed_on", "-pk"]
        verbose_name = _("recours gracieux")
        verbose_name_plural = _("recours gracieux")
        constraints = [
            models.UniqueConstraint(fields=["decision"], condition=Q(status="pending"), name="appeal_one_pending_per_decision"),
        ]

    def __str__(self) -> str:
        return f"Recours gracieux · {self.application}, reçu le {self.filed_on:%d/%m/%Y}"


class ChangeReport(models.Model):
    """A change reported by the beneficiary after the decision (Art. 10): dates, destination,
    interruption, cancellation, or a request for an extension made during the mobility."""

    class Kind(models.TextChoices):
        DATES = "dates", _("Modification des dates")
        DESTINATION = "destination", _("Changement de destination")
        INTERRUPTION = "interruption", _("Interruption anticipée")
        CANCELLATION = "cancellation", _("Annulation de la mobilité")
        EXTENSION = "extension", _("Demande de prolongation")

    class Status(models.TextChoices):
        PENDING = "pending", _("À examiner")
        ACCEPTED = "accepted", _("Pris en compte")
        REFUSED = "refused", _("Refusé")

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="change_reports",
        verbose_name=_("dossier"),
    )
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, related_name="change_reports", verbose_name=_("décision")
    )
    kind = models.CharField(_("nature"), max_length=15, choices=Kind.choices)
    description = models.TextField(_("description"))
    # The declared situation after the change, in the simulation contract's form (a patch).
    changes = models.JSONField(_("nouvelles données"), default=dict, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("signalé par")
    )
    reported_on = models.DateField(_("signalé le"))
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("examiné par"),
    )
    reviewed_at = models.DateTimeField(_("examiné le"), null=True, blank=True)
    answer = models.TextField(_("réponse"), blank=True)
    new_decision = models.OneToOneField(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="from_change",
        verbose_name=_("décision modificative"),
    )

    class Meta:
        # The table keeps the name it had before the model moved here from applications.
        db_table = "applications_changereport"
        ordering = ["-reported_on", "-pk"]
        verbose_name = _("signalement de modification")
        verbose_name_plural = _("signalements de modification")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.application}"

    # Aude and Haute-Garonne fund an internship, not a mobility: the same kinds in their words.
    INTERNSHIP_LABELS = {
        "destination": _("Changement de lieu de stage"),
        "cancellation": _("Annulation du stage"),
    }

    @classmethod
    def kind_label(cls, kind: str, scheme_code: str) -> str:
        if scheme_code != "horizons" and kind in cls.INTERNSHIP_LABELS:
            return str(cls.INTERNSHIP_LABELS[kind])
        return str(cls.Kind(kind).label)

    @classmethod
    def kind_choices(cls, scheme_code: str) -> list[tuple[str, str]]:
        return [(kind, cls.kind_label(kind, scheme_code)) for kind in cls.Kind.values]

    @property
    def kind_display(self) -> str:
        return self.kind_label(self.kind, self.application.scheme.code)
