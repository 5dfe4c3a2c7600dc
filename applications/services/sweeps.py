"""This app's deadline sweeps: reminders before a document request's deadline, and the Horizons
incomplete-file rule (Art. 5). aid_portal.sweeps runs them with the later stages' own.

The incomplete-file rule is the Horizons règlement's only (deadlines.INCOMPLETE_REJECTION_SCHEMES):
an Aude or Haute-Garonne file past its request's deadline stays awaiting documents and shows as
overdue in the officer's queue (queues.officer_queue, filter "overdue")."""


from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.db import rows_update

from .. import deadlines
from ..models import Application, DocumentRequest
from ..signals import files_rejected
from ..states import State
from .outbox import outbox_put_many


# --- Deadline sweeps (Celery beat and `manage.py run_deadlines`) -----------------------------
def incomplete_files_reject(*, today: date) -> int:
    """Reject the Horizons files whose document request is past its (possibly extended) deadline
    (Art. 5), each by a motivated decision the decisions app records on `files_rejected` (Art. 8).

    Set-based: a fixed number of queries whatever the number of files. Running it twice rejects
    nothing more: the second run finds no file still awaiting documents past its deadline."""
    from ..events import compute_hash
    from ..models import Event

    now = timezone.now()
    with transaction.atomic():
        expired = list(
            DocumentRequest.objects.select_for_update(of=("self",))
            .filter(answered_at__isnull=True, expired_at__isnull=True, application__state=State.AWAITING_DOCUMENTS,
                    application__scheme__code__in=deadlines.INCOMPLETE_REJECTION_SCHEMES)
            .filter(_past_deadline(today))
            .order_by("application_id", "pk")
        )
        if not expired:
            return 0
        ids = sorted({r.application_id for r in expired})
        apps = {a.pk: a for a in Application.objects.select_for_update().filter(pk__in=ids, state=State.AWAITING_DOCUMENTS).order_by("pk")}
        events, reason = [], _("Pièces non reçues dans le délai de deux mois (art. 5).")
        requests_by_app = {r.application_id: r for r in expired}
        for app in apps.values():
            req = requests_by_app[app.pk]
            event = Event(
                application=app, seq=app.events_count + 1, kind="reject_incomplete", actor=None,
                actor_label="système", from_state=State.AWAITING_DOCUMENTS, to_state=State.REJECTED_INCOMPLETE,
                reason=str(reason), payload={"request": req.pk, "deadline": req.deadline.isoformat()},
                created_at=now, prev_hash=app.events_head,
            )
            event.hash = compute_hash(event)
            events.append(event)
            app.events_head, app.events_count, app.closing_reason = event.hash, event.seq, str(reason)
        Event.objects.bulk_create(events)
        # The FSM field is protected against attribute assignment, not against a queryset update:
        # this applies the transition `reject_incomplete` to the whole set at once.
        Application.objects.filter(pk__in=list(apps)).update(state=State.REJECTED_INCOMPLETE, updated_at=now)
        rows_update(list(apps.values()), ["events_head", "events_count", "closing_reason"])
        DocumentRequest.objects.filter(pk__in=[r.pk for r in expired if r.application_id in apps]).update(expired_at=now)
        # Art. 8: each rejection is a decision with a motivated letter, recorded by the decisions
        # app for the whole set at once (it re-reads the files under the locks this transaction
        # holds). One send, not one per file: the receivers' queries do not grow with the files.
        files_rejected.send(sender=Application, kind="incomplete", today=today, by=None,
                            rejections=[(app, _incomplete_motivation(requests_by_app[app.pk])) for app in apps.values()])
    return len(apps)


def _incomplete_motivation(request: DocumentRequest) -> str:
    from ..documents import KINDS

    items = ", ".join(str(KINDS.get(k, k)) for k in request.items)
    return _(
        "Les pièces demandées le %(asked)s (%(items)s) n'ont été ni fournies ni remplacées par une explication "
        "dans le délai de deux mois, qui expirait le %(due)s. Le dossier incomplet est rejeté (art. 5 du règlement)."
    ) % {"asked": request.requested_on.strftime("%d/%m/%Y"), "items": items or "—",
         "due": request.deadline.strftime("%d/%m/%Y")}


def _past_deadline(today: date):
    from django.db.models import Q

    return Q(extended_to__isnull=True, due_on__lt=today) | Q(extended_to__lt=today)


def document_reminders_send(*, today: date) -> int:
    """One reminder per request, in the 14 days before its deadline."""
    from django.db.models import Q

    window = today + deadlines.REMINDER_BEFORE
    with transaction.atomic():
        due = list(
            DocumentRequest.objects.select_for_update(of=("self",))
            .filter(answered_at__isnull=True, expired_at__isnull=True, reminder_sent_on__isnull=True,
                    application__state=State.AWAITING_DOCUMENTS)
            .filter(Q(extended_to__isnull=True, due_on__range=(today, window)) | Q(extended_to__range=(today, window)))
            .only("pk", "application_id", "due_on", "extended_to")
        )
        DocumentRequest.objects.filter(pk__in=[r.pk for r in due]).update(reminder_sent_on=today)
        # The e-mails _notify would write, one by one, written at once (outbox_put_many: same keys).
        outbox_put_many([
            ("applications.send_mail", [req.application_id, "documents_reminder", {"due": req.deadline.strftime("%d/%m/%Y")}],
             f"mail:documents_reminder:{req.application_id}:request-{req.pk}")
            for req in due
        ])
    return len(due)


def deadlines_run(*, today: date) -> dict:
    """This app's deadline sweeps, in order. aid_portal.sweeps runs them with the later stages'
    own sweeps (`run_deadlines`, beat)."""
    return {
        "documents_reminded": document_reminders_send(today=today),
        "incomplete_rejected": incomplete_files_reject(today=today),
    }
