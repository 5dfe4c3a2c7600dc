"""After the decision, through the test client: the student's appeal, change report and follow-up
pages, the officer's answers and queue. Others get a 404; bad input gets the form back, never a
500. Dates are frozen: the views read timezone.localdate()."""

import html
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse

from accounts.models import Establishment, EstablishmentMembership, OfficerMembership, User
from applications import services
from applications.documents import required_kinds
from applications.models import Application
from applications.states import State
from decisions import services as decision_services
from decisions.aftercare_forms import ChangeReportForm
from decisions.models import Appeal, ChangeReport, Decision, Letter
from schemes.models import Scheme
from tests.files import PDF

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
HORIZONS_DATA = {
    "student": {"level": "M1", "establishment_in_region": True, "recognised_diploma": True,
                "scholarship_holder": True, "apprentice": False},
    "mobility": {"kind": "study", "start_date": "2025-09-01", "end_date": "2025-12-19",
                 "country": "DE", "in_curriculum": True},
    "other_aid": {"erasmus": False, "other_collectivity_grant": False, "crous_mobility_aid": False},
}


def at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=PARIS), tick=False)


def user(email, **kw):
    return User.objects.create_user(username=email, email=email, password="pw-demo-2026", **kw)


@pytest.fixture
def actors():
    horizons = Scheme.objects.get(code="horizons")
    school = Establishment.objects.create(name="Université Toulouse Capitole", uai="0311382J")
    staff = user("scol@example.org")
    EstablishmentMembership.objects.create(user=staff, establishment=school)
    officer = user("agent@example.org")
    OfficerMembership.objects.create(user=officer, authority=horizons.authority)
    other_officer = user("agent-aude@example.org")
    OfficerMembership.objects.create(user=other_officer, authority=Scheme.objects.get(code="aude").authority)
    return {"scheme": horizons, "school": school, "staff": staff, "officer": officer,
            "other_officer": other_officer, "student": user("etu@example.org"),
            "other_student": user("autre@example.org")}


def granted_file(actors, student=None):
    """A Horizons grant of 1120.00 decided on 1 July 2025 and notified the same day."""
    student = student or actors["student"]
    app = services.application_create(student=student, scheme=actors["scheme"], aid="grant",
                                      establishment=actors["school"])
    services.application_update(application=app, by=student, data=HORIZONS_DATA, first_name="Léa", last_name="Martin")
    for kind in required_kinds("horizons", scholarship_holder=True):
        services.document_add(application=app, by=student, kind=kind, upload=SimpleUploadedFile(f"{kind}.pdf", PDF))
    services.application_submit(application=app, by=student, today=date(2025, 6, 1))
    services.opinion_record(application=app, by=actors["staff"], favourable=True)
    officer, on = actors["officer"], date(2025, 7, 1)
    services.application_mark_ready(application=app, by=officer)
    session = decision_services.session_create(scheme=actors["scheme"], title="Commission", meeting_date=on, by=officer)
    decision_services.session_add_files(session=session, applications=[app], by=officer, today=on)
    decision_services.session_entry_record(entry=session.entries.get(), by=officer, outcome="granted",
                                  amount=Decimal("1120.00"))
    decision_services.session_close_start(session=session, by=officer, today=on)
    decision_services.session_close_run(session_id=session.pk)
    app.refresh_from_db()
    decision_services.decision_notified(decision=app.current_decision, on=on)
    app.refresh_from_db()
    return app


@pytest.fixture
def app(actors):
    return granted_file(actors)


def text(response) -> str:
    """The page as a reader sees it: entities decoded, non-breaking spaces as spaces."""
    return html.unescape(response.content.decode()).replace("\xa0", " ").replace("\u202f", " ")


def as_user(client, who):
    client.force_login(who)
    return client


def student_urls(app):
    return [reverse(f"decisions:{name}", args=[app.pk]) for name in ("appeal_new", "change_new", "aftercare_status")]


# --- Access ----------------------------------------------------------------------------------------
def test_student_pages_are_the_owner_s_only(client, actors, app):
    for url in student_urls(app):
        assert client.get(url).status_code == 302  # to the sign-in page
    for who in ("other_student", "officer", "staff"):
        as_user(client, actors[who])
        for url in student_urls(app):
            assert client.get(url).status_code == 404, (who, url)
    as_user(client, actors["student"])
    with at(date(2025, 8, 1)):
        for url in student_urls(app):
            assert client.get(url).status_code == 200, url


def test_officer_pages_are_the_authority_s_only(client, actors, app):
    appeal = decision_services.appeal_file(application=app, by=actors["student"], grounds="Motif", today=date(2025, 8, 1))
    url = reverse("decisions:appeal_review", args=[app.pk, appeal.pk])
    for who in ("other_officer", "student", "staff"):
        as_user(client, actors[who])
        assert client.get(url).status_code == 404, who
        assert client.post(url, {"outcome": "uphold", "answer": "x", "confirm": "on"}).status_code == 404
    as_user(client, actors["other_officer"])
    assert client.get(url).status_code == 404
    # An appeal of another file, under this file's number, does not exist.
    other = granted_file(actors, student=actors["other_student"])
    as_user(client, actors["officer"])
    assert client.get(reverse("decisions:appeal_review", args=[other.pk, appeal.pk])).status_code == 404
    assert client.get(reverse("decisions:change_review", args=[app.pk, 999999])).status_code == 404
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.PENDING


# --- Student: recours gracieux ----------------------------------------------------------------------
def test_appeal_page_shows_the_decision_and_the_last_day(client, actors, app):
    as_user(client, actors["student"])
    with at(date(2025, 8, 1)):
        page = text(client.get(reverse("decisions:appeal_new", args=[app.pk])))
    assert "1 120,00" in page and "01/07/2025" in page and "01/09/2025" in page
    assert 'name="grounds"' in page and 'enctype="multipart/form-data"' in page


def test_appeal_form_errors_are_shown_not_a_500(client, actors, app):
    as_user(client, actors["student"])
    url = reverse("decisions:appeal_new", args=[app.pk])
    with at(date(2025, 8, 1)):
        response = client.post(url, {"grounds": ""})
        assert response.status_code == 200
        assert "Exposez les motifs" in text(response) and "Cochez cette case" in text(response)
        bad = SimpleUploadedFile("preuve.pdf", b"not really a pdf", content_type="application/pdf")
        response = client.post(url, {"grounds": "Motif", "confirm": "on", "documents": [bad]})
        assert response.status_code == 200 and "format non accepté" in text(response).lower()
    assert not Appeal.objects.exists()


def test_appeal_filed_with_evidence(client, actors, app):
    as_user(client, actors["student"])
    url = reverse("decisions:appeal_new", args=[app.pk])
    with at(date(2025, 9, 1)):  # the last day is still in time
        response = client.post(url, {"grounds": "Les semaines sont mal comptées", "confirm": "on",
                                     "documents": [SimpleUploadedFile("attestation.pdf", PDF)]}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("decisions:aftercare_status", args=[app.pk])
    appeal = Appeal.objects.get()
    assert appeal.filed_on == date(2025, 9, 1) and appeal.decision == app.current_decision
    app.refresh_from_db()
    assert app.state == State.UNDER_APPEAL
    page = text(response)
    assert "Les semaines sont mal comptées" in page
    # The evidence is attached, or (while document_add refuses decided files) the reason is said.
    assert app.documents.filter(kind="other").exists() or "attestation.pdf" in page


def test_appeal_after_the_deadline_says_why(client, actors, app):
    as_user(client, actors["student"])
    url = reverse("decisions:appeal_new", args=[app.pk])
    with at(date(2025, 9, 2)):
        page = text(client.get(url))
        assert "n'est pas possible" in page and "a expiré le 01/09/2025" in page
        assert 'name="grounds"' not in page
        # A form opened the day before and sent too late: the service's own reason.
        response = client.post(url, {"grounds": "Motif", "confirm": "on"})
    assert response.status_code == 200
    assert "a expiré le 01/09/2025 (art. 13)" in text(response)
    assert not Appeal.objects.exists()


# --- Student: change report ----------------------------------------------------------------------------
def test_change_report_builds_the_contract_patch(client, actors, app):
    as_user(client, actors["student"])
    url = reverse("decisions:change_new", args=[app.pk])
    with at(date(2025, 10, 1)):
        response = client.post(url, {"kind": "dates", "description": "Fin avancée"})
        assert response.status_code == 200 and "Indiquez-la" in text(response)
        response = client.post(url, {"kind": "dates", "description": "Fin avancée", "end_date": "2025-11-28"})
    assert response.status_code == 302
    report = ChangeReport.objects.get()
    assert report.kind == "dates" and report.changes == {"mobility": {"end_date": "2025-11-28"}}
    assert report.reported_on == date(2025, 10, 1)


def test_destination_change_patch(client, actors, app):
    as_user(client, actors["student"])
    url = reverse("decisions:change_new", args=[app.pk])
    with at(date(2025, 8, 1)):
        response = client.post(url, {"kind": "destination", "description": "Espagne", "country": "ES",
                                     "subdivision": "FR-31"})
        assert response.status_code == 200 and "n'appartient pas" in text(response)
        assert client.post(url, {"kind": "destination", "description": "Espagne", "country": "ES",
                                 "subdivision": "es-ct"}).status_code == 302
    assert ChangeReport.objects.get().changes == {"mobility": {"country": "ES", "subdivision": "ES-CT"}}


def test_extension_after_the_end_is_refused_with_the_reason(client, actors, app):
    as_user(client, actors["student"])
    with at(date(2025, 12, 20)):
        response = client.post(reverse("decisions:change_new", args=[app.pk]),
                               {"kind": "extension", "description": "Un mois de plus", "end_date": "2026-01-30"})
    assert response.status_code == 200
    assert "s'est terminée le 19/12/2025 (art. 10)" in text(response)
    assert not ChangeReport.objects.exists()


def test_change_page_on_a_file_not_granted(client, actors, app):
    decision_services.appeal_file(application=app, by=actors["student"], grounds="Motif", today=date(2025, 8, 1))
    as_user(client, actors["student"])
    url = reverse("decisions:change_new", args=[app.pk])
    with at(date(2025, 8, 2)):
        assert "aide attribuée" in text(client.get(url))
        response = client.post(url, {"kind": "cancellation", "description": "Annulée"})
    assert response.status_code == 200 and "aide attribuée" in text(response)


# --- Student: follow-up ---------------------------------------------------------------------------
def test_status_page_lists_decisions_appeals_changes_and_letters(client, actors, app):
    decision = app.current_decision
    letter = Letter.objects.create(application=app, decision=decision, kind=Letter.Kind.AWARD,
                                   template="letters/award.html", context={},
                                   sent_at=datetime(2025, 7, 1, tzinfo=PARIS))
    Letter.objects.create(application=app, decision=decision, kind=Letter.Kind.AGREEMENT,
                          template="letters/agreement.html", context={})  # not sent: not shown
    appeal = decision_services.appeal_file(application=app, by=actors["student"], grounds="Mes motifs", today=date(2025, 8, 1))
    decision_services.appeal_decide(appeal=appeal, by=actors["officer"], uphold=True, answer="Calcul conforme")
    decision_services.change_report(application=app, by=actors["student"], kind="dates", description="Fin avancée",
                           changes={"mobility": {"end_date": "2025-11-28"}}, today=date(2025, 10, 1))
    as_user(client, actors["student"])
    with at(date(2025, 10, 2)):
        page = text(client.get(reverse("decisions:aftercare_status", args=[app.pk])))
    assert "1 120,00" in page and "Mes motifs" in page and "Calcul conforme" in page and "Fin avancée" in page
    try:  # the letters' view is another module's work: its route may not exist yet
        letter_url = reverse("decisions:letter_pdf", args=[letter.pk])
    except NoReverseMatch:
        letter_url = f"/courriers/{letter.pk}/pdf/"
    assert f'href="{letter_url}"' in page
    assert "Convention (Aude)" not in page
    assert reverse("decisions:change_new", args=[app.pk]) in page
    assert reverse("decisions:appeal_new", args=[app.pk]) not in page  # the deadline has passed


# --- Officer ------------------------------------------------------------------------------------------
def test_officer_answers_an_appeal(client, actors, app):
    appeal = decision_services.appeal_file(application=app, by=actors["student"], grounds="Durée mal comptée",
                                  today=date(2025, 8, 1))
    url = reverse("decisions:appeal_review", args=[app.pk, appeal.pk])
    as_user(client, actors["officer"])
    page = text(client.get(url))
    assert "Durée mal comptée" in page and "Art. 6" in page and "semaine(s) complète(s)" in page
    response = client.post(url, {"outcome": "reopen", "answer": ""})
    assert response.status_code == 200 and "Cochez cette case" in text(response)
    response = client.post(url, {"outcome": "reopen", "answer": "Réexamen", "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("decisions:aftercare_queue")
    appeal.refresh_from_db()
    app.refresh_from_db()
    assert appeal.status == Appeal.Status.REOPENED and app.state == State.IN_INSTRUCTION
    # Answered twice: the service's refusal, on the page, not a 500.
    response = client.post(url, {"outcome": "uphold", "answer": "Encore", "confirm": "on"}, follow=True)
    assert response.status_code == 200 and "déjà reçu une réponse" in text(response)


def test_officer_previews_and_accepts_a_change(client, actors, app):
    report = decision_services.change_report(application=app, by=actors["student"], kind="dates", description="Fin avancée",
                                    changes={"mobility": {"end_date": "2025-11-28"}}, today=date(2025, 10, 1))
    url = reverse("decisions:change_review", args=[app.pk, report.pk])
    as_user(client, actors["officer"])
    with at(date(2025, 10, 2)):
        page = text(client.get(url))
        assert "19/12/2025" in page and "28/11/2025" in page
        assert "910,00" in page  # 13 weeks × 70 €, not saved yet
        assert app.decisions.count() == 1
        assert client.post(url, {"outcome": "accept", "confirm": "on"}).status_code == 200
        assert client.post(url, {"outcome": "accept", "answer": "Durée réduite", "confirm": "on"}).status_code == 302
    app.refresh_from_db()
    assert app.current_decision.kind == Decision.Kind.AMENDMENT and app.current_decision.amount == Decimal("910.00")
    assert app.state == State.GRANTED
    page = text(client.get(url))
    assert "Durée réduite" in page and "19/12/2025" in page  # the situation before, from the decision


def test_cancellation_preview_is_zero(client, actors, app):
    report = decision_services.change_report(application=app, by=actors["student"], kind="cancellation",
                                    description="Annulée", changes={}, today=date(2025, 8, 1))
    as_user(client, actors["officer"])
    page = text(client.get(reverse("decisions:change_review", args=[app.pk, report.pk])))
    assert "0,00 €" in page


def test_queue_lists_the_authority_s_pending_items_oldest_first(client, actors, app):
    other = granted_file(actors, student=actors["other_student"])
    report = decision_services.change_report(application=other, by=actors["other_student"], kind="cancellation",
                                    description="Annulée", changes={}, today=date(2025, 7, 20))
    appeal = decision_services.appeal_file(application=app, by=actors["student"], grounds="Motif", today=date(2025, 8, 1))
    as_user(client, actors["officer"])
    page = text(client.get(reverse("decisions:aftercare_queue"), {"page": "abc"}))
    change_url = reverse("decisions:change_review", args=[other.pk, report.pk])
    appeal_url = reverse("decisions:appeal_review", args=[app.pk, appeal.pk])
    assert change_url in page and appeal_url in page
    assert page.index(change_url) < page.index(appeal_url)
    assert "Annulation de la mobilité" in page
    decision_services.appeal_decide(appeal=appeal, by=actors["officer"], uphold=True, answer="Maintenue")
    assert appeal_url not in text(client.get(reverse("decisions:aftercare_queue")))
    as_user(client, actors["other_officer"])
    page = text(client.get(reverse("decisions:aftercare_queue")))
    assert change_url not in page and "Aucun recours" in page
    as_user(client, actors["student"])
    assert client.get(reverse("decisions:aftercare_queue")).status_code == 403


@pytest.mark.parametrize("code, data, post, expected", [
    ("aude", {"internship": {"start_date": "2025-06-02", "end_date": "2025-08-29"}},
     {"kind": "destination", "commune_insee": "11069"}, {"internship": {"supervisor_commune_insee": "11069"}}),
    ("haute-garonne", {"internship": {"start_date": "2025-06-02", "end_date": "2025-08-29"}},
     {"kind": "extension", "end_date": "2025-09-26"}, {"internship": {"end_date": "2025-09-26"}}),
    ("horizons", HORIZONS_DATA, {"kind": "interruption", "end_date": "2025-11-07"},
     {"mobility": {"actual_end_date": "2025-11-07"}}),
    ("horizons", HORIZONS_DATA, {"kind": "dates", "start_date": "2025-09-08", "end_date": "2025-12-12"},
     {"mobility": {"start_date": "2025-09-08", "end_date": "2025-12-12"}}),
    ("horizons", HORIZONS_DATA, {"kind": "cancellation"}, {}),
])
def test_change_form_patch_per_scheme(code, data, post, expected):
    application = Application(scheme=Scheme.objects.get(code=code), data=data)
    form = ChangeReportForm({"description": "Changement", **post}, application=application)
    assert form.is_valid(), form.errors
    assert form.changes() == expected


def test_change_form_rejects_an_end_before_the_start():
    application = Application(scheme=Scheme.objects.get(code="horizons"), data=HORIZONS_DATA)
    data = {"description": "x", "kind": "extension", "end_date": "2025-08-01"}
    form = ChangeReportForm(data, application=application)
    assert not form.is_valid() and "end_date" in form.errors
