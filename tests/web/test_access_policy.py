"""Who sees what, tried by direct URL (issue "Nothing lost, nothing exposed", point 9): the
establishment sees the pieces its opinion needs and nothing of the decision, the letters, the
money or the messages; no one but the student sees a draft's pieces."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import EstablishmentMembership
from applications import services
from applications.models import Document
from decisions import services as decision_services
from decisions.models import Letter
from tests.flows import PDF, decided_file, officer, user

pytestmark = pytest.mark.django_db


@pytest.fixture
def granted(django_capture_on_commit_callbacks):
    agent = officer("horizons")
    with django_capture_on_commit_callbacks(execute=True):  # the letters are issued after commit
        app = decided_file("horizons", agent)
    staff = EstablishmentMembership.objects.filter(establishment=app.establishment).latest("pk").user
    return app, agent, staff


def _status(client, who, url) -> int:
    client.force_login(who)
    return client.get(url).status_code


def test_staff_see_the_application_pieces_not_the_letters(client, granted):
    app, agent, staff = granted
    letters = list(Letter.objects.filter(application=app))
    assert {letter.kind for letter in letters} == {"award"}
    piece = app.documents.filter(appeal__isnull=True).first()
    assert _status(client, staff, reverse("applications:document_download", args=[piece.pk])) == 200
    for letter in letters:
        url = reverse("decisions:letter_pdf", args=[letter.pk])
        assert _status(client, staff, url) == 404
        assert _status(client, app.student, url) == 200
        assert _status(client, agent, url) == 200


def test_staff_cannot_open_a_message_attachment(client, granted):
    app, agent, staff = granted
    message = services.message_post(application=app, by=agent, body="Voici le RIB attendu.",
                                    attachment=SimpleUploadedFile("rib.pdf", PDF, content_type="application/pdf"))
    url = reverse("applications:message_attachment", args=[message.pk])
    assert _status(client, staff, url) == 404
    assert _status(client, app.student, url) == 200
    assert _status(client, agent, url) == 200


def test_staff_cannot_open_an_appeal_s_evidence(client, granted):
    app, agent, staff = granted
    decision_services.decision_notified(decision=app.current_decision, on=date(2025, 7, 4))
    decision_services.appeal_file(application=app, by=app.student, grounds="Semaines oubliées", today=date(2025, 8, 1),
                                  documents=[SimpleUploadedFile("preuve.pdf", PDF, content_type="application/pdf")])
    evidence = Document.objects.get(application=app, appeal__isnull=False)
    url = reverse("applications:document_download", args=[evidence.pk])
    assert _status(client, staff, url) == 404
    assert _status(client, app.student, url) == 200
    assert _status(client, agent, url) == 200


def test_nobody_but_the_student_sees_a_draft_s_pieces(client):
    from applications.models import Application
    from schemes.models import Scheme

    agent = officer("aude")
    student = user("etu")
    draft = services.application_create(student=student, scheme=Scheme.objects.get(code="aude"))
    services.document_add(application=draft, by=student, kind="bank_details",
                          upload=SimpleUploadedFile("rib.pdf", PDF, content_type="application/pdf"))
    piece = Document.objects.get(application=draft)
    url = reverse("applications:document_download", args=[piece.pk])
    assert _status(client, agent, url) == 404
    assert _status(client, student, url) == 200
    assert Application.objects.get(pk=draft.pk).state == "draft"
