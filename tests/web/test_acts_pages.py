"""The pages of acts, rights and deadlines, clicked through the test client with frozen dates:
the acknowledgement of receipt, "J'ai transmis les pièces", the overdue queue, the paper appeal,
the rules page generated from the engine, the personal-data notice and the retention rule."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from aid_portal.archive import files_archive
from applications import services
from applications.states import State
from schemes.engine.parameters import PARAMETER_SPECS
from schemes.engine.reasons import CATALOGUE
from schemes.models import Authority, Parameter, Scheme
from tests import flows

pytestmark = pytest.mark.django_db(transaction=False)
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def actors():
    return flows.horizons_actors()


def on(day: date, hour: int = 10):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=PARIS))


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def submitted(actors):
    Authority.objects.filter(schemes__code="horizons").update(email="mobilite@region.example")
    with on(date(2025, 6, 1)):
        return services.application_submit(application=flows.horizons_draft(actors), by=actors["student"],
                                           today=date(2025, 6, 1))


# --- 16. Acknowledgement of receipt ----------------------------------------------------------------
def test_submission_sends_an_acknowledgement_of_receipt_downloadable_as_pdf(actors, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        app = submitted(actors)
    [message] = mail.outbox
    assert "ACCUSÉ DE RÉCEPTION ÉLECTRONIQUE" in message.body and "reçue le 01/06/2025 10:00" in message.body
    assert "22 boulevard du Maréchal Juin" in message.body and "mobilite@region.example" in message.body
    assert "réputée rejetée (article L231-4" in message.body
    receipt = app.events.get(kind="submit").payload["receipt"]
    assert receipt["received_on"] == "2025-06-01" and receipt["authority"]["email"] == "mobilite@region.example"
    page = client_of(actors["student"]).get(reverse("applications:student_application", args=[app.pk]))
    url = reverse("applications:student_receipt", args=[app.pk])
    assert url in page.content.decode()
    response = client_of(actors["student"]).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    # Someone else's file does not exist for a student.
    assert client_of(flows.user("intrus")).get(url).status_code == 404


# --- 9. "J'ai transmis les pièces" through the page ------------------------------------------------
def test_documents_submitted_with_nothing_is_refused_on_the_page(actors):
    app = submitted(actors)
    services.opinion_record(application=app, by=actors["staff"], favourable=True)
    with on(date(2025, 7, 1)):
        services.document_request_create(application=app, items=["bank_details"], message="RIB illisible",
                                         by=actors["officer"], today=date(2025, 7, 1))
    student = client_of(actors["student"])
    response = student.post(reverse("applications:student_documents_submit", args=[app.pk]), follow=True)
    assert "Relevé d&#x27;identité bancaire" in response.content.decode()
    app.refresh_from_db()
    assert app.state == State.AWAITING_DOCUMENTS and app.document_requests.get().answered_at is None


# --- 8. Overdue files in the officer's queue ----------------------------------------------------------
def test_overdue_filter_in_the_queue(actors):
    app = submitted(actors)
    services.opinion_record(application=app, by=actors["staff"], favourable=True)
    services.document_request_create(application=app, items=["bank_details"], message="RIB", by=actors["officer"],
                                     today=date(2025, 7, 1))
    officer = client_of(actors["officer"])
    with on(date(2025, 9, 2)):
        page = officer.get(reverse("applications:officer_queue"), {"overdue": "on"}).content.decode()
    assert app.reference in page and "Délai dépassé" in page
    with on(date(2025, 8, 31)):
        page = officer.get(reverse("applications:officer_queue"), {"overdue": "on"}).content.decode()
    assert app.reference not in page


# --- 10. An appeal received on paper ------------------------------------------------------------------
def test_officer_records_a_paper_appeal_and_a_late_one_is_refused(django_capture_on_commit_callbacks):
    agent = flows.officer("horizons")
    with on(date(2025, 7, 3)), django_capture_on_commit_callbacks(execute=True):
        app = flows.decided_file("horizons", agent)
    url = reverse("decisions:appeal_paper", args=[app.pk])
    officer = client_of(agent)
    with on(date(2025, 9, 12)):
        assert officer.get(url).status_code == 200
        late = officer.post(url, {"received_on": "2025-09-05", "grounds": "Contestation", "confirm": "on"})
        assert late.status_code == 200 and "03/09/2025" in late.content.decode()
        app.refresh_from_db()
        assert app.state == State.GRANTED and not app.appeals.exists()
        assert officer.post(url, {"received_on": "pas une date", "grounds": "x", "confirm": "on"}).status_code == 200
        response = officer.post(url, {"received_on": "2025-09-01", "grounds": "Contestation", "confirm": "on"})
    appeal = app.appeals.get()
    assert response.status_code == 302 and response["Location"] == reverse("decisions:appeal_review", args=[app.pk, appeal.pk])
    assert appeal.on_paper and appeal.filed_on == date(2025, 9, 1)
    # The student cannot reach the officer's page.
    assert client_of(app.student).get(url).status_code in (403, 404)


# --- 15. The rules page is the engine's ---------------------------------------------------------------
def test_rules_pages_show_every_condition_and_parameter_and_follow_new_values():
    client = Client()
    seen = set()
    for scheme in Scheme.objects.all():
        page = client.get(reverse("schemes:rules", args=[scheme.code])).content.decode()
        seen |= {code for code in CATALOGUE if f'id="condition-{code}"' in page}
        for (code, key) in PARAMETER_SPECS:
            if code == scheme.code:
                assert f'id="parameter-{key}"' in page, key
    assert seen == set(CATALOGUE)
    horizons = Scheme.objects.get(code="horizons")
    Parameter.objects.create(scheme=horizons, key="weekly_rate", valid_from=date(2031, 9, 1), value="75.00",
                             source="Délibération de test")
    page = client.get(reverse("schemes:rules", args=["horizons"])).content.decode()
    assert "01/09/2031" in page and "75.00" in page and "Délibération de test" in page
    assert client.get("/regles/inconnu/").status_code == 404


def test_an_engine_decision_letter_says_it_and_where_the_rules_are(django_capture_on_commit_callbacks):
    from applications.pdf import RENDERERS
    from decisions.models import Letter

    agent = flows.officer("haute-garonne")
    with on(date(2025, 7, 3)), django_capture_on_commit_callbacks(execute=True):
        app = flows.decided_file("haute-garonne", agent)
    letter = Letter.objects.get(application=app, kind=Letter.Kind.AWARD)
    html = RENDERERS[letter.kind](letter.context)
    assert "traitement algorithmique" in html and "http://localhost:8000/regles/haute-garonne/" in html


# --- 14. Personal data ------------------------------------------------------------------------------------
def test_the_notice_is_linked_from_every_form_and_gives_the_retention(actors):
    notice = reverse("portal:personal_data")
    page = Client().get(notice).content.decode()
    for scheme in Scheme.objects.all():
        assert scheme.name in page
    assert "24 mois après sa dernière modification" in page and "01/09/2026" in page and "CNIL" in page
    assert notice in Client().get(reverse("account_signup")).content.decode()
    simulator = Client().get(reverse("schemes:simulator")).content.decode()
    assert notice in simulator and "ne conserve rien" in simulator
    app = flows.horizons_draft(actors)
    step = client_of(actors["student"]).get(reverse("applications:draft_step", args=[app.pk, 1])).content.decode()
    assert notice in step


def test_never_paid_files_are_minimised_after_their_retention(actors):
    with on(date(2025, 6, 1)):
        draft = flows.horizons_draft(actors)
        services.application_withdraw(application=draft, by=actors["student"])
    with on(date(2026, 9, 2)):
        assert files_archive(today=date(2026, 9, 2)) == 0  # rule in force, but kept 24 months
    with on(date(2027, 6, 2)):
        assert files_archive(today=date(2027, 6, 2)) == 1
        assert files_archive(today=date(2027, 6, 2)) == 0
    draft.refresh_from_db()
    assert draft.archived_at is not None and draft.first_name == "Archivé" and draft.events.last().kind == "archived"
