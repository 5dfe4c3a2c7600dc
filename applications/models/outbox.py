"""The outbox: background work written down in the transaction that makes it necessary.

A letter to send or an e-mail to deliver is a row written with the decision or the transition
that calls for it, so it commits or rolls back with it. A Celery message published after commit
can be lost (a worker killed, Redis down); a row cannot. The rows are delivered right after
commit when the broker answers, and by a periodic sweep otherwise (applications.services.outbox).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    # A registered Celery task name and its positional arguments (ids and short strings only:
    # the work reads everything else from the database when it runs).
    task = models.CharField(_("tâche"), max_length=100)
    args = models.JSONField(_("arguments"), default=list)
    # What makes the work unique ("decision-letters:42"): writing it twice writes one row.
    key = models.CharField(_("clé"), max_length=200, unique=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    # Not before: a claim pushes it forward by the lease, a failure by the backoff.
    available_at = models.DateTimeField(_("à exécuter à partir du"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("tentatives"), default=0)
    delivered_at = models.DateTimeField(_("exécutée le"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)

    class Meta:
        ordering = ["available_at", "pk"]
        verbose_name = _("tâche différée")
        verbose_name_plural = _("tâches différées")
        indexes = [
            # The sweep's question: what is undelivered and due, oldest first.
            models.Index(
                fields=["available_at"], name="outbox_pending_idx", condition=models.Q(delivered_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"Tâche {self.key} ({'exécutée' if self.delivered_at else 'en attente'})"
