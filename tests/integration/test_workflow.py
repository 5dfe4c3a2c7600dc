"""The application workflow through its services, on the real database."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from applications import services
from applications.documents import required_kinds
from applications.events import verify_chain
from applications.models import Document, Event
from applications.states import State
from tests.flows import HORIZONS_DATA, PDF
from tests.flows import horizons_draft as draft

pytestmark = pytest.mark.django_db(transaction=False)
PARIS = ZoneInfo("Europe/Paris")

def in_instruction(actors):
    app = services.application_submit(application=draft(actors), by=actors["student"], today=date(2025, 6, 1))
    services.opinion_record(application=app, by=actors["staff"], favourable=True, comment="Bon dossier")
    app.refresh_from_db()
    return app


def test_submit_goes_to_establishment_then_authority(actors, django_capture_on_commit_callbacks):
    app = draft(actors)
    with django_capture_on_commit_callbacks(execute=True):
        app = services.application_submit(application=app, by=actors["student"], today=date(2025, 6, 1))
    assert app.state == State.AWAITING_OPINION
    assert app.reference.startswith("HZ-2025-")
    assert app.estimate_eligible is True and str(app.estimate_amount) == "1120.00"
    assert len(mail.outbox) == 1 and app.reference in mail.outbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        services.opinion_record(application=app, by=actors["staff"], favourable=False, comment="Projet flou")
    app.refresh_from_db()
    assert app.state == State.IN_INSTRUCTION
    assert app.opinion.favourable is False
    assert [e.kind for e in app.events.all()] == ["created"] + ["document_added"] * 4 + ["submit", "record_opinion"]
    assert verify_chain(app, app.events.all()) == []


def test_submission_refused_when_no_document_could_cure(actors):
    app = draft(actors)
    with pytest.raises(services.ServiceError) as exc:
        services.application_submit(application=app, by=actors["student"], today=date(2025, 9, 1))
    assert "avant le début de la mobilité" in exc.value.message
    app.refresh_from_db()
    assert app.state == State.DRAFT and app.reference is None


def test_each_missing_document_needs_an_explanation(actors):
    app = draft(actors, documents=False)
    with pytest.raises(services.ServiceError) as exc:
        services.application_submit(application=app, by=actors["student"], today=date(2025, 6, 1))
    assert "Relevé d'identité bancaire" in exc.value.message
    for kind in required_kinds("horizons", scholarship_holder=True):
        services.document_add(application=app, by=actors["student"], kind=kind,
                              explanation="Pièce en cours d'obtention auprès du CROUS")
    app = services.application_submit(application=app, by=actors["student"], today=date(2025, 6, 1))
    assert app.state == State.AWAITING_OPINION


@time_machine.travel(datetime(2025, 6, 1, 10, tzinfo=PARIS))
def test_draft_estimate_kept_current(actors):
    # A draft is estimated as if sent today (here, before the mobility starts).
    app = draft(actors, documents=False)
    assert app.estimate_eligible is True and str(app.estimate_amount) == "1120.00"
    app = services.application_update(application=app, by=actors["student"], data={"student": {"scholarship_holder": False}})
    assert app.estimate_eligible is False and app.estimate_amount == 0


def test_submission_lists_invalid_fields(actors):
    app = draft(actors, data={"mobility": {"start_date": "2025-09-01"}})
    with pytest.raises(services.ServiceError) as exc:
        services.application_submit(application=app, by=actors["student"], today=date(2025, 6, 1))
    fields = [f for f, _ in exc.value.errors]
    assert "mobility.end_date" in fields and "student" in fields


def test_only_the_establishment_and_the_authority_act(actors):
    app = services.application_submit(application=draft(actors), by=actors["student"], today=date(2025, 6, 1))
    with pytest.raises(services.ServiceError):
        services.opinion_record(application=app, by=actors["officer"], favourable=True)
    services.opinion_record(application=app, by=actors["staff"], favourable=True)
    with pytest.raises(services.ServiceError) as exc:
        services.application_mark_ready(application=app, by=actors["other_officer"])
    assert "Région" in exc.value.message
    services.application_mark_ready(application=app, by=actors["officer"])
    app.refresh_from_db()
    assert app.state == State.READY_FOR_DECISION


def test_state_cannot_be_assigned_directly(actors):
    app = draft(actors)
    with pytest.raises(AttributeError):
        app.state = State.CLOSED


def _request(actors, requested_on):
    app = in_instruction(actors)
    req = services.document_request_create(application=app, items=["scholarship_notice"], message="Notification définitive",
                                           by=actors["officer"], today=requested_on)
    return app, req


def test_request_due_two_months_later(actors):
    _, req = _request(actors, date(2025, 12, 31))
    assert req.due_on == date(2026, 2, 28)


@pytest.mark.parametrize(
    "run_on, extended_to, answered, expected_state",
    [
        (date(2026, 1, 15), None, False, State.AWAITING_DOCUMENTS),  # the due day itself is in time
        (date(2026, 1, 16), None, False, State.REJECTED_INCOMPLETE),  # due
        (date(2026, 1, 16), date(2026, 2, 15), False, State.AWAITING_DOCUMENTS),  # extended
        (date(2026, 2, 16), date(2026, 2, 15), False, State.REJECTED_INCOMPLETE),  # extension over
        (date(2026, 1, 16), None, True, State.IN_INSTRUCTION),  # answered in time
    ],
    ids=["due-day", "due", "extended", "extension-over", "answered"],
)
def test_deadline_sweep(actors, run_on, extended_to, answered, expected_state, django_capture_on_commit_callbacks):
    app, req = _request(actors, date(2025, 11, 15))
    assert req.due_on == date(2026, 1, 15)
    if extended_to:
        services.document_request_extend(request=req, until=extended_to, reason="Hospitalisation", by=actors["officer"])
    if answered:
        services.document_add(application=app, by=actors["student"], kind="scholarship_notice",
                              upload=SimpleUploadedFile("n.pdf", PDF, content_type="application/pdf"))
        services.documents_submit(application=app, by=actors["student"])
    mail.outbox.clear()
    with time_machine.travel(datetime(run_on.year, run_on.month, run_on.day, 3, tzinfo=PARIS)):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("run_deadlines", "--date", run_on.isoformat())
        with django_capture_on_commit_callbacks(execute=True):
            second = services.deadlines_run(today=run_on)
    app.refresh_from_db()
    assert app.state == expected_state
    assert second["incomplete_rejected"] == 0  # running twice changes nothing
    rejected = expected_state == State.REJECTED_INCOMPLETE
    assert any("rejet" in m.subject for m in mail.outbox) is rejected
    assert verify_chain(app, app.events.all()) == []
    if rejected:
        # Art. 8: the rejection is a decision act with its motivated letter, sent once.
        kinds = [e.kind for e in app.events.all()]
        assert kinds[-3:] == ["reject_incomplete", "decision_act", "letters_sent"]
        assert app.current_decision.kind == "incomplete" and app.current_decision.amount == 0
        assert [m.subject for m in mail.outbox] == [f"Votre demande {app.reference} : décision de rejet"]


def test_reminder_sent_once(actors, django_capture_on_commit_callbacks):
    app, req = _request(actors, date(2025, 11, 15))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deadlines_run(today=date(2026, 1, 5))["documents_reminded"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deadlines_run(today=date(2026, 1, 6))["documents_reminded"] == 0
    assert len(mail.outbox) == 1 and "Rappel" in mail.outbox[0].subject


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("fake.pdf", b"MZ\x90\x00 this is an executable", "Format non accepté"),
        ("empty.pdf", b"", "vide"),
        ("big.pdf", PDF + b"0" * (10 * 1024 * 1024), "taille maximale"),
    ],
    ids=["lying-type", "empty", "oversized"],
)
def test_bad_uploads_are_refused_and_nothing_is_lost(actors, name, content, message):
    app = draft(actors, documents=False)
    services.document_add(application=app, by=actors["student"], kind="enrolment_certificate",
                          upload=SimpleUploadedFile("ok.pdf", PDF, content_type="application/pdf"))
    with pytest.raises(services.ServiceError) as exc:
        services.document_add(application=app, by=actors["student"], kind="enrolment_certificate",
                              upload=SimpleUploadedFile(name, content, content_type="application/pdf"))
    assert message in exc.value.message and exc.value.field == "file"
    app.refresh_from_db()
    docs = Document.objects.filter(application=app)
    assert docs.count() == 1 and not docs.get().superseded
    assert app.data == HORIZONS_DATA and app.first_name == "Léa"


def test_explanation_may_replace_a_document(actors):
    app = draft(actors, documents=False)
    doc = services.document_add(application=app, by=actors["student"], kind="scholarship_notice",
                                explanation="Notification définitive attendue fin septembre")
    assert doc.file.name == "" and doc.explanation.startswith("Notification")


def test_stored_name_is_unguessable(actors):
    app = draft(actors, documents=False)
    doc = services.document_add(application=app, by=actors["student"], kind="bank_details",
                                upload=SimpleUploadedFile("RIB Léa Martin.pdf", PDF))
    assert "Martin" not in doc.file.name and doc.file.name.endswith(".pdf") and len(doc.sha256) == 64


def test_withdraw_only_undecided_and_only_by_student(actors):
    app = in_instruction(actors)
    with pytest.raises(services.ServiceError):
        services.application_withdraw(application=app, by=actors["officer"])
    services.application_withdraw(application=app, by=actors["student"])
    app.refresh_from_db()
    assert app.state == State.WITHDRAWN
    with pytest.raises(services.ServiceError):
        services.application_withdraw(application=app, by=actors["student"])


def test_close_needs_a_reason(actors):
    app = in_instruction(actors)
    with pytest.raises(services.ServiceError):
        services.application_close(application=app, by=actors["officer"], reason=" ")
    services.application_close(application=app, by=actors["officer"], reason="Doublon de HZ-2025-000001")
    app.refresh_from_db()
    assert app.state == State.CLOSED and app.closing_reason.startswith("Doublon")


def test_events_cannot_be_changed_and_tampering_is_reported(actors, capsys):
    app = in_instruction(actors)
    event = app.events.first()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        Event.objects.filter(pk=event.pk).update(reason="x")
    call_command("verify_events")
    assert "0 problem(s)" in capsys.readouterr().out
    # Tamper below the ORM, as someone with database access would.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE applications_event SET reason = %s WHERE id = %s", ["falsifié", event.pk])
    with pytest.raises(SystemExit):
        call_command("verify_events")
    assert "content altered" in capsys.readouterr().err
    last = app.events.order_by("-seq").first()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE applications_event SET reason = %s WHERE id = %s", [event.reason, event.pk])
        cursor.execute("DELETE FROM applications_event WHERE id = %s", [last.pk])
    with pytest.raises(SystemExit):
        call_command("verify_events")
    assert "last events removed" in capsys.readouterr().err


def test_messages_notify_the_other_side(actors, django_capture_on_commit_callbacks):
    app = in_instruction(actors)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(application=app, by=actors["student"], body="Mon attestation arrive")
    assert mail.outbox[-1].to == ["agent@example.org"]  # the officers of the Région, not of the Aude
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(application=app, by=actors["officer"], body="Bien reçu")
    assert mail.outbox[-1].to == ["etu@example.org"]


def test_transitions_carry_the_same_permissions(actors):
    from django_fsm import has_transition_perm

    app = in_instruction(actors)
    assert has_transition_perm(app.withdraw, actors["student"])
    assert not has_transition_perm(app.withdraw, actors["officer"])
    assert has_transition_perm(app.mark_ready, actors["officer"])
    assert not has_transition_perm(app.mark_ready, actors["other_officer"])
    assert not has_transition_perm(app.mark_ready, actors["student"])
