"""After the decision: recours gracieux (Horizons Art. 13) and changes reported by the
beneficiary (Art. 10), through the services, on the real database, with frozen dates.

The decided file is built the way production builds it: submission, opinion, instruction, a
commission session closed by its run, then the notification date (set by the letters task in
production, set here by hand so that no test depends on the letters)."""

from datetime import date
from decimal import Decimal

import pytest

from applications import deadlines, services
from applications.states import State
from decisions import services as decision_services
from decisions.aftercare_preview import change_preview
from decisions.models import Appeal, ChangeReport, Decision
from tests.flows import horizons_draft as draft

pytestmark = pytest.mark.django_db(transaction=False)
NOTIFIED = date(2025, 7, 1)


def ready(actors, app=None):
    if app is None:
        app = services.application_submit(application=draft(actors), by=actors["student"], today=date(2025, 6, 1))
        services.opinion_record(application=app, by=actors["staff"], favourable=True, comment="Bon dossier")
    services.application_mark_ready(application=app, by=actors["officer"])
    app.refresh_from_db()
    return app


def decide(actors, app, *, outcome="granted", amount=Decimal("1120.00"), on=date(2025, 7, 1)):
    """Put the file on a session, record the decision and close the session (run inline)."""
    officer = actors["officer"]
    session = decision_services.session_create(scheme=actors["scheme"], title=f"Commission du {on}", meeting_date=on, by=officer)
    assert decision_services.session_add_files(session=session, applications=[app], by=officer, today=on) == 1
    entry = session.entries.get(application=app)
    decision_services.session_entry_record(entry=entry, by=officer, outcome=outcome,
                                  amount=amount if outcome == "granted" else Decimal("0.00"),
                                  motivation="Dossier conforme au règlement")
    decision_services.session_close_start(session=session, by=officer, today=on)
    decision_services.session_close_run(session_id=session.pk)
    app.refresh_from_db()
    return app


@pytest.fixture
def granted(actors):
    app = decide(actors, ready(actors))
    decision_services.decision_notified(decision=app.current_decision, on=NOTIFIED)
    app.refresh_from_db()
    assert app.state == State.GRANTED and app.current_decision.amount == Decimal("1120.00")
    return app


# --- Art. 13: recours gracieux -------------------------------------------------------------------
def test_appeal_deadline_is_two_months_after_notification():
    assert deadlines.appeal_deadline(NOTIFIED) == date(2025, 9, 1)


def test_appeal_on_the_last_day_is_accepted(actors, granted):
    appeal = decision_services.appeal_file(application=granted, by=actors["student"], grounds="Durée mal comptée",
                                  today=date(2025, 9, 1))
    granted.refresh_from_db()
    assert appeal.status == Appeal.Status.PENDING and appeal.decision == granted.current_decision
    assert granted.state == State.UNDER_APPEAL


def test_appeal_the_day_after_is_refused_with_the_expiry_date(actors, granted):
    with pytest.raises(services.ServiceError) as exc:
        decision_services.appeal_file(application=granted, by=actors["student"], grounds="Trop tard", today=date(2025, 9, 2))
    assert "01/09/2025" in exc.value.message and "art. 13" in exc.value.message
    granted.refresh_from_db()
    assert granted.state == State.GRANTED and not granted.appeals.exists()


def test_only_the_student_appeals_and_grounds_are_required(actors, granted):
    with pytest.raises(services.ServiceError) as exc:
        decision_services.appeal_file(application=granted, by=actors["student"], grounds="  ", today=date(2025, 8, 1))
    assert exc.value.field == "grounds"
    with pytest.raises(services.ServiceError):
        decision_services.appeal_file(application=granted, by=actors["officer"], grounds="Motif", today=date(2025, 8, 1))


def test_uphold_returns_the_file_to_granted(actors, granted):
    appeal = decision_services.appeal_file(application=granted, by=actors["student"], grounds="Montant", today=date(2025, 8, 1))
    with pytest.raises(services.ServiceError) as exc:
        decision_services.appeal_decide(appeal=appeal, by=actors["other_officer"], uphold=True, answer="Non")
    assert "Région" in exc.value.message
    with pytest.raises(services.ServiceError) as exc:
        decision_services.appeal_decide(appeal=appeal, by=actors["officer"], uphold=True, answer=" ")
    assert exc.value.field == "answer"
    decision_services.appeal_decide(appeal=appeal, by=actors["officer"], uphold=True,
                           answer="Le calcul est conforme à l'art. 4.")
    appeal.refresh_from_db()
    granted.refresh_from_db()
    assert appeal.status == Appeal.Status.UPHELD and appeal.answer.startswith("Le calcul")
    assert granted.state == State.GRANTED and granted.decisions.count() == 1
    with pytest.raises(services.ServiceError):
        decision_services.appeal_decide(appeal=appeal, by=actors["officer"], uphold=False, answer="Encore")


def test_reopen_then_a_new_session_supersedes_the_decision(actors, granted):
    first = granted.current_decision
    appeal = decision_services.appeal_file(application=granted, by=actors["student"], grounds="Semaines", today=date(2025, 8, 1))
    decision_services.appeal_decide(appeal=appeal, by=actors["officer"], uphold=False, answer="Réexamen du calcul")
    granted.refresh_from_db()
    assert granted.state == State.IN_INSTRUCTION
    app = decide(actors, ready(actors, granted), on=date(2025, 9, 15))
    new = app.current_decision
    assert app.state == State.GRANTED
    assert new.pk != first.pk and new.kind == Decision.Kind.APPEAL and new.supersedes == first
    assert new.amount == Decimal("1120.00") and first.superseded_by == new
    assert list(app.decisions.order_by("pk")) == [first, new]


# --- Art. 10: changes after the decision ---------------------------------------------------------
def test_shorter_mobility_accepted_gives_an_amending_decision(actors, granted):
    patch = {"mobility": {"end_date": "2025-11-28"}}
    report = decision_services.change_report(application=granted, by=actors["student"], kind="dates",
                                    description="Fin du semestre avancée", changes=patch, today=date(2025, 10, 1))
    preview = change_preview(application=granted, changes=report.changes, today=date(2025, 10, 2))
    assert preview.verdict is not None and preview.verdict.amount == Decimal("910.00")
    with pytest.raises(services.ServiceError):
        decision_services.change_review(report=report, by=actors["other_officer"], accept=True, answer="Non",
                               today=date(2025, 10, 2))
    decision_services.change_review(report=report, by=actors["officer"], accept=True, answer="Durée réduite à 13 semaines",
                           today=date(2025, 10, 2))
    report.refresh_from_db()
    granted.refresh_from_db()
    new = granted.current_decision
    assert report.status == ChangeReport.Status.ACCEPTED and report.new_decision == new
    assert new.kind == Decision.Kind.AMENDMENT and new.amount == Decimal("910.00")  # 13 weeks × 70 €
    assert new.supersedes.amount == Decimal("1120.00")
    assert granted.state == State.GRANTED and granted.data["mobility"]["end_date"] == "2025-11-28"


def test_refused_change_keeps_the_decision(actors, granted):
    report = decision_services.change_report(application=granted, by=actors["student"], kind="destination",
                                    description="Autriche plutôt qu'Allemagne", changes={"mobility": {"country": "AT"}},
                                    today=date(2025, 8, 1))
    decision_services.change_review(report=report, by=actors["officer"], accept=False, answer="Justificatif manquant",
                           today=date(2025, 8, 2))
    report.refresh_from_db()
    granted.refresh_from_db()
    assert report.status == ChangeReport.Status.REFUSED and report.new_decision is None
    assert granted.data["mobility"]["country"] == "DE" and granted.current_decision.amount == Decimal("1120.00")


def test_cancellation_accepted_cancels_the_aid(actors, granted):
    report = decision_services.change_report(application=granted, by=actors["student"], kind="cancellation",
                                    description="Mobilité annulée", changes={}, today=date(2025, 8, 10))
    decision_services.change_review(report=report, by=actors["officer"], accept=True, answer="Annulation prise en compte",
                           today=date(2025, 8, 11))
    granted.refresh_from_db()
    assert granted.state == State.CANCELLED
    decision = granted.current_decision
    assert decision.amount == Decimal("0.00") and decision.kind == Decision.Kind.AMENDMENT


def test_extension_after_the_mobility_is_refused(actors, granted):
    with pytest.raises(services.ServiceError) as exc:
        decision_services.change_report(application=granted, by=actors["student"], kind="extension",
                               description="Un mois de plus", changes={"mobility": {"end_date": "2026-01-30"}},
                               today=date(2025, 12, 20))
    assert "19/12/2025" in exc.value.message and "art. 10" in exc.value.message
    assert not granted.change_reports.exists()
    # During the mobility, the same request is received.
    report = decision_services.change_report(application=granted, by=actors["student"], kind="extension",
                                    description="Un mois de plus", changes={"mobility": {"end_date": "2026-01-30"}},
                                    today=date(2025, 12, 19))
    assert report.status == ChangeReport.Status.PENDING


def test_letters_run_after_commit_without_breaking(actors, granted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        appeal = decision_services.appeal_file(application=granted, by=actors["student"], grounds="Motif",
                                               today=date(2025, 8, 1))
        decision_services.appeal_decide(appeal=appeal, by=actors["officer"], uphold=True, answer="Maintenue")
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UPHELD
    assert granted.letters.filter(kind="appeal_upheld").count() == 1
