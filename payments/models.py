"""Money: planned instalments, payment runs, the immutable ledger, balances and recovery.

Every euro paid, repaid or waived is a LedgerEntry (never updated, never deleted). Each file has
an Account whose running totals are updated in the same transaction as its ledger entries, with
database CHECK constraints that keep the paid total within the notified amount and what is
repaid or waived within what was paid: a bug cannot pay a cent too much, the database refuses.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from schemes.engine.money import euros


class Instalment(models.Model):
    """One planned payment of a decision (schemes/engine/schedule.py says which)."""

    class Kind(models.TextChoices):
        ADVANCE = "advance", _("Avance (60 %)")
        BALANCE = "balance", _("Solde")
        SINGLE = "single", _("Versement unique")
        MONTHLY = "monthly", _("Mensualité")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Prévue")
        IN_RUN = "in_run", _("Dans un lot de paiement")
        PAID = "paid", _("Payée")
        CANCELLED = "cancelled", _("Annulée")
        LAPSED = "lapsed", _("Caduque")

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="instalments", verbose_name=_("dossier")
    )
    decision = models.ForeignKey(
        "decisions.Decision", on_delete=models.PROTECT, related_name="instalments", verbose_name=_("décision")
    )
    # The file's scheme, copied when the instalment is planned (a file never changes scheme): the
    # payable list then starts from the officer's schemes in `instalment_payable_idx` instead of
    # joining every planned instalment of every authority to its file to find its authority.
    scheme = models.ForeignKey(
        "schemes.Scheme", on_delete=models.PROTECT, related_name="instalments", verbose_name=_("dispositif")
    )
    kind = models.CharField(_("nature"), max_length=10, choices=Kind.choices)
    sequence = models.PositiveSmallIntegerField(_("numéro d'ordre"), default=1)
    label = models.CharField(_("libellé"), max_length=120)
    amount = models.DecimalField(_("montant"), max_digits=10, decimal_places=2)
    # Part co-funded by the State (Apprentis chèque, Art. 3); the rest is the authority's.
    state_share = models.DecimalField(_("part de l'État"), max_digits=10, decimal_places=2, default=0)
    due_on = models.DateField(_("payable à partir du"))
    latest_on = models.DateField(_("caduque après le"), null=True, blank=True)
    # The texts' last day to pay it (Aude: the internship's last day); paid after it, it is late.
    pay_by = models.DateField(_("à verser au plus tard le"), null=True, blank=True)
    condition = models.CharField(_("condition de versement"), max_length=300, blank=True)
    article = models.CharField(_("article"), max_length=60, blank=True)
    # Horizons balance: payable once a balance request is accepted (Art. 9).
    awaiting_proof = models.BooleanField(_("en attente des justificatifs"), default=False)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PLANNED, db_index=True)
    run = models.ForeignKey(
        "PaymentRun", on_delete=models.PROTECT, null=True, blank=True, related_name="instalments",
        verbose_name=_("lot de paiement"),
    )
    paid_on = models.DateField(_("payée le"), null=True, blank=True)

    class Meta:
        ordering = ["application", "due_on", "sequence"]
        verbose_name = _("échéance")
        verbose_name_plural = _("échéances")
        indexes = [
            # The payable list (payments.selectors.payable_instalments): the planned instalments
            # not waiting for proofs of the officer's schemes, due by today, oldest due first.
            models.Index(fields=["scheme", "due_on"], name="instalment_payable_idx",
                         condition=Q(status="planned", awaiting_proof=False)),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="instalment_amount_not_negative"),
            models.CheckConstraint(condition=Q(state_share__gte=0) & Q(state_share__lte=F("amount")), name="instalment_state_share_within_amount"),
            models.UniqueConstraint(fields=["application"], condition=Q(kind="advance") & ~Q(status="cancelled"), name="one_advance_per_award"),
            models.UniqueConstraint(fields=["decision", "kind", "sequence"], name="instalment_once_per_decision"),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.label} · {euros(self.amount)}"


class PaymentRun(models.Model):
    """A batch of instalments sent to the treasury as one SEPA credit transfer file (pain.001)."""

    class Status(models.TextChoices):
        PREPARED = "prepared", _("Préparé (fichier émis)")
        CONFIRMED = "confirmed", _("Payé (confirmé par la paierie)")
        CANCELLED = "cancelled", _("Annulé")

    authority = models.ForeignKey(
        "schemes.Authority", on_delete=models.PROTECT, related_name="payment_runs", verbose_name=_("collectivité")
    )
    reference = models.CharField(_("référence"), max_length=35, unique=True)
    execution_date = models.DateField(_("date d'exécution demandée"))
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PREPARED)
    total = models.DecimalField(_("montant total"), max_digits=12, decimal_places=2)
    count = models.PositiveIntegerField(_("nombre de virements"))
    sepa_xml = models.TextField(_("fichier de virements SEPA (XML)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("préparé par")
    )
    created_at = models.DateTimeField(_("préparé le"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("paiement confirmé par"),
    )
    confirmed_on = models.DateField(_("paiement confirmé le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("lot de paiement")
        verbose_name_plural = _("lots de paiement")
        constraints = [models.CheckConstraint(condition=Q(total__gte=0), name="run_total_not_negative")]

    def __str__(self) -> str:
        return f"Lot de paiement {self.reference}"


class Account(models.Model):
    """A file's running totals, guarded by the database (see the module's docstring)."""

    application = models.OneToOneField(
        "applications.Application", on_delete=models.PROTECT, related_name="account", verbose_name=_("dossier")
    )
    ceiling = models.DecimalField(_("montant notifié le plus élevé"), max_digits=10, decimal_places=2, default=0)
    paid = models.DecimalField(_("total versé"), max_digits=10, decimal_places=2, default=0)
    repaid = models.DecimalField(_("total reversé"), max_digits=10, decimal_places=2, default=0)
    waived = models.DecimalField(_("total des remises"), max_digits=10, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("compte du dossier")
        verbose_name_plural = _("comptes des dossiers")
        constraints = [
            models.CheckConstraint(condition=Q(paid__gte=0) & Q(repaid__gte=0) & Q(waived__gte=0), name="account_totals_not_negative"),
            models.CheckConstraint(condition=Q(paid__lte=F("ceiling")), name="account_paid_within_award"),
            models.CheckConstraint(condition=Q(repaid__lte=F("paid") - F("waived")), name="account_repaid_within_paid"),
            models.CheckConstraint(condition=Q(waived__lte=F("paid")), name="account_waived_within_paid"),
        ]

    def __str__(self) -> str:
        return f"Compte du dossier {self.application}"

    @property
    def net_paid(self):
        return self.paid - self.repaid - self.waived


class RepaymentOrder(models.Model):
    """A claim for sums unduly paid, preceded by a formal notice (Art. 11: one month from its
    receipt to answer)."""

    class Reason(models.TextChoices):
        SETTLEMENT = "settlement", _("Durée réalisée inférieure (art. 9)")
        LAPSED = "lapsed", _("Solde non demandé dans le délai : avance non justifiée (art. 9)")
        CHANGE = "change", _("Modification ou annulation de la mobilité (art. 10)")
        BREACH = "breach", _("Non-respect des engagements : remboursement intégral")
        # Art. 10: a change never reported, or a breach found at a control (Art. 12), declared
        # by the Région itself: the aid is lost and everything received is to be repaid.
        LOST = "lost", _("Aide perdue : modification non signalée ou manquement constaté (art. 10 et 11)")

    class Status(models.TextChoices):
        NOTICE_SENT = "notice_sent", _("Mise en demeure envoyée")
        ANSWERED = "answered", _("Réponse de l'étudiant reçue")
        WAIVED = "waived", _("Remise accordée (circonstances exceptionnelles)")
        STANDING = "standing", _("Reversement exigé")
        SETTLED = "settled", _("Soldé")

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="repayment_orders", verbose_name=_("dossier")
    )
    reason = models.CharField(_("motif"), max_length=12, choices=Reason.choices)
    amount = models.DecimalField(_("montant à reverser"), max_digits=10, decimal_places=2)
    explanation = models.TextField(_("exposé des faits"), blank=True)
    status = models.CharField(
        _("statut"), max_length=12, choices=Status.choices, default=Status.NOTICE_SENT, db_index=True
    )
    notice_letter = models.ForeignKey(
        "decisions.Letter", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("lettre de mise en demeure"),
    )
    # Art. 11: the letter telling the student the claim is upheld (wholly or, after a partial
    # waiver, for the rest), issued once the officer has ruled.
    demand_letter = models.ForeignKey(
        "decisions.Letter", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("lettre de demande de reversement"),
    )
    created_on = models.DateField(_("émis le"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("émis par"),
    )
    notice_received_on = models.DateField(_("mise en demeure reçue le"), null=True, blank=True)
    response_due = models.DateField(_("réponse attendue au plus tard le"), null=True, blank=True)
    reminder_sent_on = models.DateField(_("relance envoyée le"), null=True, blank=True)
    answer = models.TextField(_("réponse de l'étudiant"), blank=True)
    answered_at = models.DateTimeField(_("réponse reçue le"), null=True, blank=True)
    decision_note = models.TextField(_("motivation de la décision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("décidé par"),
    )
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_on", "-pk"]
        verbose_name = _("ordre de reversement")
        verbose_name_plural = _("ordres de reversement")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="repayment_order_positive")]

    def __str__(self) -> str:
        return f"Ordre de reversement de {euros(self.amount)} · {self.application}"


class Control(models.Model):
    """Art. 12: a documentary or on-the-spot control, within three years of the balance's
    payment. While it is open the file's payments are suspended (Art. 11, last paragraph); it is
    concluded either with nothing due (payments resume) or with the aid declared lost."""

    class Status(models.TextChoices):
        OPEN = "open", _("Contrôle en cours (paiements suspendus)")
        COMPLIANT = "compliant", _("Clos : aide conforme, rien à reverser")
        RECOVERY = "recovery", _("Clos : aide perdue, reversement demandé")

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="controls", verbose_name=_("dossier")
    )
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    reason = models.TextField(_("objet du contrôle"))
    requested_items = models.TextField(_("pièces demandées"))
    documents_due = models.DateField(_("pièces à fournir au plus tard le"))
    opened_on = models.DateField(_("ouvert le"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("ouvert par")
    )
    closed_on = models.DateField(_("clos le"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("clos par"),
    )
    conclusion = models.TextField(_("conclusions du contrôle"), blank=True)
    order = models.ForeignKey(
        RepaymentOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("ordre de reversement"),
    )

    class Meta:
        ordering = ["-opened_on", "-pk"]
        verbose_name = _("contrôle")
        verbose_name_plural = _("contrôles")
        constraints = [
            models.UniqueConstraint(fields=["application"], condition=Q(status="open"), name="one_open_control_per_file"),
        ]

    def __str__(self) -> str:
        return f"Contrôle du {self.opened_on:%d/%m/%Y} · {self.application}"


class BalanceRequest(models.Model):
    """Horizons: the request for the balance, with the proofs of the actual dates (Art. 9). The
    aid is acquired only once the stay is proved: an officer checks the proofs and the real
    dates; only then is the settlement computed and the balance planned."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Justificatifs à vérifier")
        VALIDATED = "validated", _("Justificatifs validés")
        REJECTED = "rejected", _("Justificatifs refusés")

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="balance_requests", verbose_name=_("dossier")
    )
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    actual_end_date = models.DateField(_("date de fin effective déclarée"))
    requested_on = models.DateField(_("demandée le"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("demandée par")
    )
    # The proofs as attached to the file (applications.Document ids), in the order given.
    documents = models.JSONField(_("justificatifs (pièces du dossier)"), default=list, blank=True)
    # The dates the officer read on the attestation; the settlement uses the checked end date.
    checked_start_date = models.DateField(_("date de début attestée"), null=True, blank=True)
    checked_end_date = models.DateField(_("date de fin attestée"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("vérifiée par"),
    )
    reviewed_at = models.DateTimeField(_("vérifiée le"), null=True, blank=True)
    review_note = models.TextField(_("observations de l'agent"), blank=True)
    # The engine's settlement on the checked duration, computed at the validation.
    settlement = models.JSONField(_("calcul du solde"), default=dict)
    final_amount = models.DecimalField(_("montant définitif de l'aide"), max_digits=10, decimal_places=2, null=True, blank=True)
    balance = models.DecimalField(_("solde à verser"), max_digits=10, decimal_places=2, null=True, blank=True)
    repayment = models.DecimalField(_("somme à reverser"), max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["-requested_on", "-pk"]
        verbose_name = _("demande de solde")
        verbose_name_plural = _("demandes de solde")
        constraints = [
            # A refused request may be followed by another; one is examined or validated at a time.
            models.UniqueConstraint(fields=["application"], condition=~Q(status="rejected"), name="one_balance_request_per_file"),
            models.CheckConstraint(condition=Q(balance__gte=0) & Q(repayment__gte=0), name="balance_figures_not_negative"),
        ]

    def __str__(self) -> str:
        return f"Demande de solde · {self.application}"


class LedgerQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Ledger entries are never updated.")

    def delete(self):
        raise PermissionError("Ledger entries are never deleted.")


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Paiement")
        REPAYMENT = "repayment", _("Reversement reçu")
        WAIVER = "waiver", _("Remise de dette")

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="ledger", verbose_name=_("dossier")
    )
    kind = models.CharField(_("nature"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("montant"), max_digits=10, decimal_places=2)
    state_share = models.DecimalField(_("part de l'État"), max_digits=10, decimal_places=2, default=0)
    instalment = models.ForeignKey(
        Instalment, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries",
        verbose_name=_("échéance"),
    )
    repayment_order = models.ForeignKey(
        RepaymentOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries",
        verbose_name=_("ordre de reversement"),
    )
    booked_on = models.DateField(_("date de l'opération"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("enregistrée par")
    )
    recorded_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["application", "booked_on", "pk"]
        verbose_name = _("écriture")
        verbose_name_plural = _("grand livre")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_amount_positive"),
            # An instalment is paid once, whatever replays a run or retries a task.
            models.UniqueConstraint(fields=["instalment"], condition=Q(kind="payment"), name="ledger_instalment_paid_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {euros(self.amount)} · {self.application}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Ledger entries are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Ledger entries are never deleted.")


class FollowUp(models.Model):
    """Aude indicator: whether a student helped later settled as a doctor in the department,
    as recorded by an officer."""

    application = models.OneToOneField(
        "applications.Application", on_delete=models.PROTECT, related_name="follow_up", verbose_name=_("dossier")
    )
    installed_in_department = models.BooleanField(_("installé(e) dans le département après ses études"))
    installed_on = models.DateField(_("date d'installation"), null=True, blank=True)
    commune = models.CharField(_("commune d'installation"), max_length=120, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("saisi par")
    )
    recorded_at = models.DateTimeField(_("mis à jour le"), auto_now=True)

    class Meta:
        verbose_name = _("suivi après les études")
        verbose_name_plural = _("suivis après les études")

    def __str__(self) -> str:
        return f"Suivi après les études · {self.application}"
