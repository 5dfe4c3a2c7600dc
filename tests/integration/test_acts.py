"""Acts, rights and deadlines through a file's life, with frozen dates: every rejection is a
motivated decision with its letter and its appeal (Art. 5, 8, 13); the 2-month incomplete-file
rule is Horizons only; "J'ai transmis les pièces" needs something; the appeal period runs from
the notification; a paper appeal counts from its receipt; the documents each text asks for."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from applications import services
from applications.documents import required_kinds
from applications.events import verify_chain
from applications.models import DocumentRequest
from applications.pdf import RENDERERS
from applications.queues import officer_queue
from applications.states import State
from decisions import services as decision_services
from decisions.models import Appeal, Decision, Letter
from tests import flows

pytestmark = pytest.mark.django_db(transaction=False)
PARIS = ZoneInfo("Europe/Paris")


def on(day: date, hour: int = 10):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=PARIS))


def in_instruction(actors):
    with on(date(2025, 6, 1)):
        app = services.application_submit(application=flows.horizons_draft(actors), by=actors["student"],
                                          today=date(2025, 6, 1))
        services.opinion_record(application=app, by=actors["staff"], favourable=True)
    app.refresh_from_db()
    return app


def requested(actors, *, on_day=date(2025, 11, 15)):
    app = in_instruction(actors)
    with on(on_day):
        req = services.document_request_create(application=app, items=["scholarship_notice"], by=actors["officer"],
                                               message="Notification définitive de bourse", today=on_day)
    return app, req


def sweep(day: date, capture):
    with on(day, 3), capture(execute=True):
        return services.deadlines_run(today=day)


# --- 7. Every rejection is a decision (Art. 5, 8) ---------------------------------------------------
def test_incomplete_file_rejection_is_a_motivated_decision_with_its_appeal(actors, django_capture_on_commit_callbacks):
    app, req = requested(actors)
    mail.outbox.clear()
    assert sweep(date(2026, 1, 16), django_capture_on_commit_callbacks)["incomplete_rejected"] == 1
    app.refresh_from_db()
    decision = app.current_decision
    assert app.state == State.REJECTED_INCOMPLETE
    assert (decision.kind, decision.outcome, decision.amount) == (Decision.Kind.INCOMPLETE, "rejected", 0)
    assert decision.decided_on == date(2026, 1, 16) and decision.created_by is None
    assert "15/11/2025" in decision.motivation and "15/01/2026" in decision.motivation and "art. 5" in decision.motivation
    # The motivated letter, e-mailed: the notification from which the appeal runs (Art. 13).
    [letter] = Letter.objects.filter(application=app)
    html = RENDERERS[letter.kind](letter.context)
    assert letter.kind == Letter.Kind.REJECTION and letter.sent_at is not None
    assert "délai de deux mois prévu à l'article 5" in html and "Motifs de la décision (art. 8)" in html
    assert "Notification de bourse sur critères sociaux" in html
    assert "Voies et délais de recours" in html and "au plus tard le 16 mars 2026" in html
    assert decision.__class__.objects.get(pk=decision.pk).notified_on == date(2026, 1, 16)
    [message] = mail.outbox
    assert message.subject == f"Votre demande {app.reference} : décision de rejet" and message.attachments
    # Running the sweep again creates no second decision nor letter.
    assert sweep(date(2026, 1, 17), django_capture_on_commit_callbacks)["incomplete_rejected"] == 0
    assert app.decisions.count() == 1 and Letter.objects.filter(application=app).count() == 1

    # The student appeals on the letter's last day: accepted; upheld, the file is rejected again.
    with on(date(2026, 3, 16)):
        appeal = decision_services.appeal_file(application=app, by=actors["student"], today=date(2026, 3, 16),
                                               grounds="J'avais envoyé la notification par courrier.")
    app.refresh_from_db()
    assert app.state == State.UNDER_APPEAL and appeal.state_before == State.REJECTED_INCOMPLETE
    with on(date(2026, 3, 20)), django_capture_on_commit_callbacks(execute=True):
        decision_services.appeal_decide(appeal=appeal, by=actors["officer"], uphold=True,
                                        answer="Aucun courrier n'a été reçu.")
    app.refresh_from_db()
    assert app.state == State.REJECTED_INCOMPLETE
    assert Letter.objects.filter(application=app, kind=Letter.Kind.APPEAL_UPHELD).count() == 1
    assert verify_chain(app, app.events.all()) == []


def test_closure_is_a_decision_and_a_late_appeal_changes_nothing(actors, django_capture_on_commit_callbacks):
    app = in_instruction(actors)
    with on(date(2025, 7, 10)), django_capture_on_commit_callbacks(execute=True):
        services.application_close(application=app, by=actors["officer"], reason="Doublon du dossier HZ-2025-000009",
                                   today=date(2025, 7, 10))
    app.refresh_from_db()
    decision = app.current_decision
    assert app.state == State.CLOSED and decision.kind == Decision.Kind.CLOSURE
    assert decision.created_by == actors["officer"] and decision.motivation == "Doublon du dossier HZ-2025-000009"
    [letter] = Letter.objects.filter(application=app)
    html = RENDERERS[letter.kind](letter.context)
    assert "est classée sans suite" in html and "Doublon du dossier HZ-2025-000009" in html
    assert "au plus tard le 10 septembre 2025" in html
    events = app.events.count()
    with pytest.raises(services.ServiceError) as exc:
        decision_services.appeal_file(application=app, by=actors["student"], grounds="Ce n'est pas un doublon",
                                      today=date(2025, 9, 11))
    assert "10/09/2025" in exc.value.message
    app.refresh_from_db()
    assert app.state == State.CLOSED and not Appeal.objects.exists() and app.events.count() == events


def test_a_cancellation_can_be_appealed_and_upheld_back_to_cancelled(actors, django_capture_on_commit_callbacks):
    agent = flows.officer("haute-garonne")
    with on(date(2025, 7, 3)), django_capture_on_commit_callbacks(execute=True):
        app = flows.decided_file("haute-garonne", agent)
    with on(date(2025, 8, 1)):
        report = decision_services.change_report(application=app, by=app.student, kind="cancellation",
                                                 description="Stage annulé", changes={}, today=date(2025, 8, 1))
    with on(date(2025, 8, 4)), django_capture_on_commit_callbacks(execute=True):
        decision_services.change_review(report=report, by=agent, accept=True, answer="Aide sans objet.",
                                        today=date(2025, 8, 4))
    app.refresh_from_db()
    assert app.state == State.CANCELLED and app.current_decision.notified_on == date(2025, 8, 4)
    appeal = decision_services.appeal_file(application=app, by=app.student, grounds="Le stage est reporté",
                                           today=date(2025, 10, 4))
    decision_services.appeal_decide(appeal=appeal, by=agent, uphold=True, answer="Le report n'est pas justifié.")
    app.refresh_from_db()
    assert app.state == State.CANCELLED


# --- 8. The 2-month rule is Horizons only -----------------------------------------------------------
def test_an_aude_request_past_its_deadline_waits_and_shows_overdue(django_capture_on_commit_callbacks):
    agent = flows.officer("aude")
    app = _aude_in_instruction(agent)
    with on(date(2025, 10, 6)), django_capture_on_commit_callbacks(execute=True):
        req = services.document_request_create(application=app, items=["motivation_letter"], message="Lettre illisible",
                                               by=agent, today=date(2025, 10, 6))
    request_mail = mail.outbox[-1]
    assert "- Lettre de motivation" in request_mail.body and "06/12/2025" in request_mail.body
    assert "restera en attente" in request_mail.body and "rejet" not in request_mail.body
    mail.outbox.clear()
    assert sweep(date(2026, 1, 7), django_capture_on_commit_callbacks)["incomplete_rejected"] == 0
    app.refresh_from_db()
    req.refresh_from_db()
    assert app.state == State.AWAITING_DOCUMENTS and app.current_decision is None and req.expired_at is None
    assert not Decision.objects.filter(application=app).exists() and mail.outbox == []
    overdue = officer_queue(user=agent, filters={"overdue": True}, today=date(2026, 1, 7))
    assert list(overdue) == [app] and overdue[0].overdue is True
    assert list(officer_queue(user=agent, filters={"overdue": True}, today=date(2025, 12, 6))) == []


def _aude_in_instruction(agent):
    scheme = agent.officer_membership.authority.schemes.get(code="aude")
    student = flows.user("etu-aude")
    with on(date(2025, 10, 1)):
        app = services.application_create(student=student, scheme=scheme)
        services.application_update(application=app, by=student, data=flows.AUDE, first_name="Inès", last_name="Roux")
        for kind in required_kinds("aude"):
            services.document_add(application=app, by=student, kind=kind, upload=SimpleUploadedFile("p.pdf", flows.PDF))
        return services.application_submit(application=app, by=student, today=date(2025, 10, 1))


# --- 9. "J'ai transmis les pièces" needs something ---------------------------------------------------
def test_documents_submit_with_nothing_is_refused_and_changes_nothing(actors):
    app, req = requested(actors)
    events = app.events.count()
    with pytest.raises(services.ServiceError) as exc:
        services.documents_submit(application=app, by=actors["student"])
    assert "Notification de bourse sur critères sociaux" in exc.value.message
    app.refresh_from_db()
    req.refresh_from_db()
    assert app.state == State.AWAITING_DOCUMENTS and req.answered_at is None and app.events.count() == events
    # A written explanation in place of the piece is an answer (Art. 5).
    services.document_add(application=app, by=actors["student"], kind="scholarship_notice",
                          explanation="Le CROUS n'a pas encore émis la notification définitive.")
    services.documents_submit(application=app, by=actors["student"])
    app.refresh_from_db()
    req.refresh_from_db()
    assert app.state == State.IN_INSTRUCTION and req.answered_at is not None


# --- 10. The appeal period runs from the notification ------------------------------------------
def test_appeal_period_runs_from_the_letter_sent_not_from_the_act(django_capture_on_commit_callbacks):
    agent = flows.officer("horizons")
    app = flows.decided_file("horizons", agent, act_date=date(2025, 7, 3))  # letters task did not run
    from decisions.letters import decision_letters_issue

    with on(date(2025, 7, 10)):
        decision_letters_issue(decision_id=app.current_decision_id)
    app.refresh_from_db()
    assert app.current_decision.decided_on == date(2025, 7, 3) and app.current_decision.notified_on == date(2025, 7, 10)
    letter = Letter.objects.get(application=app, kind=Letter.Kind.AWARD)
    assert letter.context["appeal"]["last_day"] == "2025-09-10"
    # Two months from the act would end on 3 September: the portal follows the letter.
    appeal = decision_services.appeal_file(application=app, by=app.student, grounds="Durée mal comptée",
                                           today=date(2025, 9, 10))
    assert appeal.filed_on == date(2025, 9, 10) and not appeal.on_paper


def test_paper_appeal_counts_from_its_receipt(django_capture_on_commit_callbacks):
    agent = flows.officer("horizons")
    with on(date(2025, 7, 3)), django_capture_on_commit_callbacks(execute=True):
        app = flows.decided_file("horizons", agent, act_date=date(2025, 7, 3))
    # Received on 2 September, typed in on 12 September: in time.
    with pytest.raises(services.ServiceError) as exc:
        decision_services.appeal_record_paper(application=app, by=agent, grounds="Recours papier",
                                              received_on=date(2025, 9, 4), today=date(2025, 9, 12))
    assert "03/09/2025" in exc.value.message
    app.refresh_from_db()
    assert app.state == State.GRANTED and not app.appeals.exists()
    with pytest.raises(services.ServiceError):  # only an officer of the authority records it
        decision_services.appeal_record_paper(application=app, by=app.student, grounds="x",
                                              received_on=date(2025, 9, 2), today=date(2025, 9, 12))
    appeal = decision_services.appeal_record_paper(application=app, by=agent, grounds="Recours papier",
                                                   received_on=date(2025, 9, 2), today=date(2025, 9, 12))
    app.refresh_from_db()
    assert appeal.on_paper and appeal.filed_on == date(2025, 9, 2) and app.state == State.UNDER_APPEAL
    assert app.events.last().payload["received_on"] == "2025-09-02"


# --- 13. The documents each text asks for ----------------------------------------------------------
def test_cheque_apprentis_needs_the_employer_attestation():
    assert "employer_attestation" in required_kinds("horizons", scholarship_holder=False, aid="apprentice")
    assert "employer_attestation" not in required_kinds("horizons", scholarship_holder=True, aid="grant")


def test_aude_schooling_certificate_is_renewed_each_year():
    agent = flows.officer("aude")
    scheme = agent.officer_membership.authority.schemes.get(code="aude")
    student = flows.user("etu-aude")
    with on(date(2025, 8, 20)):
        app = services.application_create(student=student, scheme=scheme)
        services.application_update(application=app, by=student, data=flows.AUDE, first_name="Inès", last_name="Roux")
        for kind in required_kinds("aude"):
            services.document_add(application=app, by=student, kind=kind, upload=SimpleUploadedFile("p.pdf", flows.PDF))
    with on(date(2025, 9, 15)):
        with pytest.raises(services.ServiceError) as exc:
            services.application_submit(application=app, by=student, today=date(2025, 9, 15))
        assert "Certificat de scolarité de l'année universitaire en cours" in exc.value.message
        app.refresh_from_db()
        assert app.state == State.DRAFT
        services.document_add(application=app, by=student, kind="schooling_certificate",
                              upload=SimpleUploadedFile("c.pdf", flows.PDF))
        app = services.application_submit(application=app, by=student, today=date(2025, 9, 15))
    assert app.state == State.IN_INSTRUCTION


# --- 16. A document request lists required items only ------------------------------------------
def test_only_a_required_item_holds_up_the_file(actors):
    app = in_instruction(actors)
    for items in ([], ["employer_attestation"], ["other"]):
        with pytest.raises(services.ServiceError) as exc:
            services.document_request_create(application=app, items=items, message="Pièce", by=actors["officer"],
                                             today=date(2025, 7, 1))
        assert exc.value.field == "items"
    app.refresh_from_db()
    assert app.state == State.IN_INSTRUCTION and not DocumentRequest.objects.filter(application=app).exists()
