"""Minimisation of a file's personal data once nothing needs it any more (GDPR storage
limitation; for a paid file, Horizons Art. 12's three-year control period is over).

When a file may be minimised is for the stages that hold its obligations to say (payments: the
control period after the balance); aid_portal.archive asks them, then calls this.
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from .events import event_record
from .models import Application, Document, Message

ARCHIVED_NAME = "Archivé"
REMOVED_DOCUMENT = "Pièce supprimée à l'archivage (art. 12)"
# Blanked on archiving; "Archivé" for the names, so that lists still read naturally.
IDENTITY_BLANK = {
    "first_name": ARCHIVED_NAME, "last_name": ARCHIVED_NAME, "birth_date": None, "phone": "", "address": "",
    "iban": "", "account_holder": "",
}


def _delete_stored(names: list[str]) -> None:
    """Delete stored files; one already gone is not an error (a rerun after a crash)."""
    for name in names:
        default_storage.delete(name)


def application_minimise(*, application: Application, reason: str, payload: dict) -> None:
    """Blank the identity, bank details, stored documents and message attachments of `application`.
    Call inside a transaction holding the file's row lock, after checking it may be minimised.

    The Document rows stay (kind, sha256, dates: what was provided, and when); the CHECK "file or
    explanation" is met by the explanation saying why the file is gone. The declared situation
    (`data`: facts the rules read, not the identity) stays, so indicators still add up."""
    documents = list(Document.objects.filter(application=application).exclude(file="").order_by("pk"))
    attachments = list(Message.objects.filter(application=application).exclude(attachment="").order_by("pk"))
    stored = [d.file.name for d in documents] + [m.attachment.name for m in attachments]
    Document.objects.filter(pk__in=[d.pk for d in documents]).update(file="", explanation=REMOVED_DOCUMENT, original_name="")
    Message.objects.filter(pk__in=[m.pk for m in attachments]).update(attachment="", attachment_name="")
    for name, value in IDENTITY_BLANK.items():
        setattr(application, name, value)
    application.archived_at = timezone.now()
    application.save(update_fields=[*IDENTITY_BLANK, "archived_at", "updated_at"])
    event_record(application=application, kind="archived", reason=reason, payload={
        **payload, "documents_removed": len(documents), "attachments_removed": len(attachments),
    })
    # Storage is not transactional: delete the files only once the rows no longer name them, so a
    # rollback never leaves a row pointing at a deleted file.
    transaction.on_commit(lambda: _delete_stored(stored))
