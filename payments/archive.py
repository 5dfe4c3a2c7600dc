"""Control period and minimisation of personal data (Horizons Art. 12, and the GDPR's storage
limitation).

Art. 12: the Region may control the use of the aid, on documents or on the spot, within three
years of the payment of its balance. Until then the file keeps everything a control needs.
Once that period is over, what identifies the student is no longer needed: the names, contact
and bank details are blanked and the stored documents and message attachments deleted. What
accounts for public money stays: decisions, letters (with their amounts), instalments, the
ledger and the repayment orders, as well as the declared situation (`data`: facts the rules
read, not the identity), so the indicators and the accounts still add up.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from applications.events import event_record
from applications.models import Application, Document, Message

from . import deadlines
from .indicators import OPEN_ORDERS
from .models import Instalment, RepaymentOrder

ARCHIVED_NAME = "Archivé"
REMOVED_DOCUMENT = "Pièce supprimée à l'archivage (art. 12)"
# Blanked on archiving; "Archivé" for the names, so that lists still read naturally.
IDENTITY_BLANK = {
    "first_name": ARCHIVED_NAME, "last_name": ARCHIVED_NAME, "birth_date": None, "phone": "", "address": "",
    "iban": "", "account_holder": "",
}


def files_past_control(today: date) -> QuerySet[Application]:
    """Files not yet archived whose control period (three years after the last paid instalment,
    the balance) ended before `today`, annotated with `balance_paid_on`.

    A file with an instalment still to pay (planned or in a run) has not had its balance paid, and
    one with an open repayment order still needs the debtor's identity: neither is archived.
    `balance_paid_on < today - 3 years` is the SQL form of `control_ends(balance_paid_on) < today`
    (on a 29 February it archives one day late, never early)."""
    unpaid = Instalment.objects.filter(application=OuterRef("pk"),
                                       status__in=[Instalment.Status.PLANNED, Instalment.Status.IN_RUN])
    open_order = RepaymentOrder.objects.filter(application=OuterRef("pk"), status__in=OPEN_ORDERS)
    return (
        Application.objects.filter(archived_at__isnull=True)
        .annotate(balance_paid_on=Max("instalments__paid_on", filter=Q(instalments__status=Instalment.Status.PAID)))
        .filter(balance_paid_on__lt=today - deadlines.CONTROL_PERIOD)
        .exclude(Exists(unpaid))
        .exclude(Exists(open_order))
        .order_by("pk")
    )


def _delete_stored(names: list[str]) -> None:
    """Delete stored files; one already gone is not an error (a rerun after a crash)."""
    from django.core.files.storage import default_storage

    for name in names:
        default_storage.delete(name)


def file_archive(*, application_id: int, today: date) -> bool:
    """Minimise one file. Takes its row lock; returns False when there was nothing to do
    (archived meanwhile, or no longer past its control period)."""
    with transaction.atomic():
        app = Application.objects.select_for_update().get(pk=application_id)
        # Re-check under the lock: a payment, an order or another run may have come in between.
        balance_paid_on = files_past_control(today).filter(pk=app.pk).values_list("balance_paid_on", flat=True).first()
        if balance_paid_on is None or deadlines.control_ends(balance_paid_on) >= today:
            return False
        documents = list(Document.objects.filter(application=app).exclude(file="").order_by("pk"))
        attachments = list(Message.objects.filter(application=app).exclude(attachment="").order_by("pk"))
        stored = [d.file.name for d in documents] + [m.attachment.name for m in attachments]
        # The Document rows stay (kind, sha256, dates: what was provided, and when); the CHECK
        # "file or explanation" is met by the explanation saying why the file is gone.
        Document.objects.filter(pk__in=[d.pk for d in documents]).update(
            file="", explanation=REMOVED_DOCUMENT, original_name="")
        Message.objects.filter(pk__in=[m.pk for m in attachments]).update(attachment="", attachment_name="")
        for name, value in IDENTITY_BLANK.items():
            setattr(app, name, value)
        app.archived_at = timezone.now()
        app.save(update_fields=[*IDENTITY_BLANK, "archived_at", "updated_at"])
        event_record(application=app, kind="archived", reason="Art. 12 : fin de la période de contrôle", payload={
            "balance_paid_on": balance_paid_on.isoformat(),
            "control_ended": deadlines.control_ends(balance_paid_on).isoformat(),
            "documents_removed": len(documents), "attachments_removed": len(attachments),
        })
        # Storage is not transactional: delete the files only once the rows no longer name them,
        # so a rollback never leaves a row pointing at a deleted file.
        transaction.on_commit(lambda: _delete_stored(stored))
    return True


def files_archive(*, today: date, dry_run: bool = False) -> int:
    """Minimise every file past its control period; returns how many were (or, with `dry_run`,
    would be) archived. One transaction per file; running it twice changes nothing."""
    candidates = files_past_control(today)
    if dry_run:
        return candidates.count()
    # The ids first: each file is then read again under its own lock.
    ids = list(candidates.values_list("pk", flat=True))
    return sum(file_archive(application_id=pk, today=today) for pk in ids)
