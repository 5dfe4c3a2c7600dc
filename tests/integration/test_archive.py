"""Minimisation after the control period (Horizons Art. 12: control within three years of the
balance's payment): identity blanked and stored files deleted, the accounts kept intact."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from aid_portal.archive import files_archive
from applications.archive import REMOVED_DOCUMENT
from applications.events import verify_chain
from applications.models import Application, Document, Message
from payments import archive
from payments.models import Account, Instalment, LedgerEntry
from tests.flows import PDF, decided_file, officer
from tests.integration.test_indicators import accept_agreement, pay_planned

pytestmark = pytest.mark.django_db

PAID_OLD, PAID_RECENT = date(2026, 3, 20), date(2026, 9, 1)  # control ends 2029-03-20 and 2029-09-01


@pytest.fixture
def files():
    agent = officer("aude")
    old, recent = (decided_file("aude", agent, act_date=date(2025, 12, 1)) for _ in range(2))
    for app, paid_on in ((old, PAID_OLD), (recent, PAID_RECENT)):
        accept_agreement(app)
        pay_planned([app], agent, paid_on)
        Application.objects.filter(pk=app.pk).update(birth_date=date(2001, 5, 4), phone="0601020304",
                                                     address="3 rue de la Cité, 11000 Carcassonne")
        Message.objects.create(application=app, author=app.student, body="Voici l'attestation",
                               attachment=SimpleUploadedFile("attestation.pdf", PDF), attachment_name="attestation.pdf")
    return old, recent


def stored_names(app) -> list[str]:
    docs = list(Document.objects.filter(application=app).exclude(file="").values_list("file", flat=True))
    attachments = Message.objects.filter(application=app).exclude(attachment="").values_list("attachment", flat=True)
    return docs + list(attachments)


def accounts_of(app):
    return (
        list(LedgerEntry.objects.filter(application=app).values_list("kind", "amount", "state_share", "booked_on")),
        Account.objects.filter(application=app).values_list("ceiling", "paid", "repaid", "waived").get(),
        list(Instalment.objects.filter(application=app).values_list("kind", "amount", "status", "paid_on")),
        list(app.decisions.values_list("outcome", "amount")),
    )


def test_control_period_is_three_years_after_the_balance(files):
    old, recent = files
    assert list(archive.files_past_control(date(2029, 3, 20))) == []  # the last day of control
    assert list(archive.files_past_control(date(2029, 3, 21))) == [old]
    assert set(archive.files_past_control(date(2029, 9, 2))) == {old, recent}


def test_file_past_control_is_minimised_and_its_accounts_kept(files, django_capture_on_commit_callbacks):
    old, recent = files
    old_names, recent_names = stored_names(old), stored_names(recent)
    assert len(old_names) >= 2 and all(default_storage.exists(n) for n in old_names + recent_names)
    accounts_before, recent_before = accounts_of(old), Application.objects.filter(pk=recent.pk).values().get()
    documents_before = list(Document.objects.filter(application=old).values_list("pk", "kind", "sha256"))

    with django_capture_on_commit_callbacks(execute=True):
        assert files_archive(today=date(2029, 6, 1)) == 1

    old.refresh_from_db()
    assert (old.first_name, old.last_name, old.birth_date, old.phone, old.address, old.iban, old.account_holder) == (
        "Archivé", "Archivé", None, "", "", "", "")
    assert old.archived_at is not None and old.data["internship"]["specialty"] == "general_medicine"
    # The stored files are gone; the rows say what was provided, and why it is no longer there.
    assert not any(default_storage.exists(n) for n in old_names)
    assert list(Document.objects.filter(application=old).values_list("pk", "kind", "sha256")) == documents_before
    rows = set(Document.objects.filter(application=old).values_list("file", "explanation"))
    assert rows == {("", REMOVED_DOCUMENT)}
    assert Message.objects.get(application=old).attachment.name == ""
    assert Message.objects.get(application=old).body == "Voici l'attestation"
    # The accounts are intact, to the cent.
    assert accounts_of(old) == accounts_before
    assert accounts_before[1][1] == Decimal("1800.00") and old.current_decision.amount == Decimal("1800.00")
    event = old.events.get(kind="archived")
    assert event.payload["balance_paid_on"] == "2026-03-20" and event.payload["documents_removed"] == len(old_names) - 1
    assert verify_chain(old, old.events.all()) == []
    # Still under control: untouched.
    assert Application.objects.filter(pk=recent.pk).values().get() == recent_before
    assert all(default_storage.exists(n) for n in recent_names)


def test_running_twice_changes_nothing(files, django_capture_on_commit_callbacks):
    old, _recent = files
    with django_capture_on_commit_callbacks(execute=True):
        assert files_archive(today=date(2029, 6, 1)) == 1
    snapshot = Application.objects.filter(pk=old.pk).values().get()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert files_archive(today=date(2029, 6, 2)) == 0
    assert callbacks == [] and Application.objects.filter(pk=old.pk).values().get() == snapshot
    assert old.events.filter(kind="archived").count() == 1


def test_dry_run_changes_nothing(files, django_capture_on_commit_callbacks):
    old, recent = files
    before = list(Application.objects.filter(pk__in=[old.pk, recent.pk]).order_by("pk").values())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert files_archive(today=date(2029, 9, 2), dry_run=True) == 2
    assert callbacks == []
    assert list(Application.objects.filter(pk__in=[old.pk, recent.pk]).order_by("pk").values()) == before
    assert all(default_storage.exists(n) for n in stored_names(old) + stored_names(recent))


def test_balance_still_to_pay_keeps_the_file():
    """A Horizons advance paid long ago, the balance never requested nor lapsed: the balance has
    not been paid, so the control period has not even begun."""
    agent = officer("horizons")
    app = decided_file("horizons", agent)
    pay_planned([app], agent, date(2025, 7, 12), kind="advance")
    assert app.instalments.filter(status="planned").exists()
    assert files_archive(today=date(2035, 1, 1)) == 0


def test_management_command(files, capsys):
    call_command("archive_files", "--date", "2029-06-01", "--dry-run")
    assert "would archive: 1" in capsys.readouterr().out
    assert not Application.objects.filter(archived_at__isnull=False).exists()
    call_command("archive_files", "--date", "2029-06-01")
    assert "archived: 1" in capsys.readouterr().out
    call_command("archive_files", "--date", "2029-06-01")
    assert "archived: 0" in capsys.readouterr().out
    with pytest.raises(Exception, match="YYYY-MM-DD"):
        call_command("archive_files", "--date", "01/06/2029")
