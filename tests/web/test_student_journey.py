"""The student's journey through the test client: create, fill the steps, upload, submit, follow."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Establishment, User
from applications import services
from applications.models import Application, Document
from applications.states import State
from schemes.models import Scheme
from tests.files import PDF

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
BEFORE_MOBILITY = datetime(2025, 6, 1, 10, 0, tzinfo=PARIS)
AFTER_START = datetime(2025, 9, 2, 10, 0, tzinfo=PARIS)
VALID_IBAN = "FR76 3000 6000 0112 3456 7890 189"

IDENTITY = {
    "first_name": "Léa",
    "last_name": "Martin",
    "birth_date": "2003-04-12",
    "phone": "0611223344",
    "address": "1 rue du Taur\n31000 Toulouse",
}
SITUATION = {
    "aid": "grant",
    "level": "M1",
    "establishment_in_region": "true",
    "recognised_diploma": "true",
    "scholarship_holder": "true",
    "kind": "study",
    "start_date": "2025-09-01",
    "end_date": "2025-12-19",
    "country": "DE",
    "subdivision": "",
    "in_curriculum": "true",
    "monthly_gratification": "",
    "ects_credits": "",
    "employer_contribution": "",
}
DATA = {
    "student": {
        "level": "M1",
        "establishment_in_region": True,
        "recognised_diploma": True,
        "scholarship_holder": True,
        "apprentice": False,
    },
    "mobility": {
        "kind": "study",
        "start_date": "2025-09-01",
        "end_date": "2025-12-19",
        "country": "DE",
        "in_curriculum": True,
    },
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    if "location" in settings.STORAGES["default"].get("OPTIONS", {}):
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path)}},
        }


def make_user(email):
    return User.objects.create_user(username=email, email=email, password="pw-demo-2026")


@pytest.fixture
def school():
    return Establishment.objects.create(name="Université Toulouse Capitole", uai="0311382J")


@pytest.fixture
def student(client):
    user = make_user("etu@example.org")
    client.force_login(user)
    return user


@pytest.fixture
def draft(student, school):
    app = services.application_create(
        student=student,
        scheme=Scheme.objects.get(code="horizons"),
        aid="grant",
        establishment=school,
    )
    return services.application_update(
        application=app, by=student, data=DATA, step=4, first_name="Léa", last_name="Martin"
    )


def step_url(app, step):
    return reverse("applications:draft_step", args=[app.pk, step])


def pdf(name="piece.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def upload(client, app, kind, file):
    return client.post(
        step_url(app, 4), {"doc_kind": kind, f"{kind}-file": file, f"{kind}-explanation": ""}
    )


def test_happy_path_horizons_grant(client, student, school, django_capture_on_commit_callbacks):
    with time_machine.travel(BEFORE_MOBILITY, tick=False):
        response = client.get(reverse("applications:dashboard"))
        assert response.status_code == 200 and "Nouvelle demande" in response.content.decode()
        horizons = Scheme.objects.get(code="horizons")
        response = client.post(
            reverse("applications:application_new"),
            {"scheme": horizons.pk, "aid": "grant", "establishment": school.pk},
        )
        app = Application.objects.get(student=student)
        assert response.status_code == 302 and response["Location"] == step_url(app, 1)

        page = client.get(step_url(app, 1)).content.decode()
        assert 'aria-current="step"' in page and "Il manque encore" in page
        assert client.post(step_url(app, 1), IDENTITY)["Location"] == step_url(app, 2)
        assert client.post(step_url(app, 2), SITUATION)["Location"] == step_url(app, 3)
        assert client.post(step_url(app, 3), {"iban": VALID_IBAN, "account_holder": "Léa Martin"})[
            "Location"
        ] == step_url(app, 4)
        app.refresh_from_db()
        assert (
            app.data["mobility"]["start_date"] == "2025-09-01"
            and app.data["student"]["scholarship_holder"] is True
        )
        assert app.iban == "FR7630006000011234567890189"

        response = client.get(step_url(app, 4))
        # The live estimate: 16 full weeks x 70 EUR (Art. 6).
        assert (
            response.context["verdict"].amount == Decimal("1120.00")
            and "Art. 6" in response.content.decode()
        )
        for kind in (
            "enrolment_certificate",
            "scholarship_notice",
            "mobility_agreement",
            "bank_details",
        ):
            assert upload(client, app, kind, pdf(f"{kind}.pdf")).status_code == 302
        assert Document.objects.filter(application=app, superseded=False).count() == 4

        review = client.get(step_url(app, 5)).content.decode()
        assert "Je certifie" in review and "Pièces manquantes" not in review
        assert "certify" in client.post(step_url(app, 5), {}).context["form"].errors
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(step_url(app, 5), {"certify": "on"})
        assert response["Location"] == reverse("applications:submitted", args=[app.pk])

    app.refresh_from_db()
    assert app.state == State.AWAITING_OPINION and app.reference.startswith("HZ-2025-")
    page = client.get(response["Location"]).content.decode()
    assert app.reference in page and "courriel de confirmation" in page
    assert len(mail.outbox) == 1 and app.reference in mail.outbox[0].subject
    # The draft is closed to edits; the file page shows it.
    assert client.get(step_url(app, 1))["Location"] == reverse(
        "applications:student_application", args=[app.pk]
    )
    doc = app.documents.first()
    download = client.get(reverse("applications:document_download", args=[doc.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert (
        download["Content-Type"] == "application/pdf"
        and download["X-Content-Type-Options"] == "nosniff"
    )
    assert (
        "inline" in download["Content-Disposition"]
        and doc.original_name in download["Content-Disposition"]
    )


def test_invalid_iban_refused_on_the_field(client, draft):
    response = client.post(
        step_url(draft, 3), {"iban": "FR76 3000 6000 0112 3456 7890 188", "account_holder": "Léa"}
    )
    assert response.status_code == 200
    assert "IBAN n'est pas valide" in response.context["form"].errors["iban"][0]
    draft.refresh_from_db()
    assert draft.iban == ""


def test_lying_upload_refused_and_nothing_lost(client, draft):
    assert upload(client, draft, "bank_details", pdf("rib.pdf")).status_code == 302
    response = upload(
        client, draft, "enrolment_certificate", pdf("certificat.pdf", b"MZ not a pdf at all")
    )
    assert response.status_code == 200
    assert "Format non accepté" in response.content.decode()
    assert Document.objects.filter(application=draft, kind="enrolment_certificate").count() == 0
    assert (
        Document.objects.filter(application=draft, kind="bank_details", superseded=False).count()
        == 1
    )
    draft.refresh_from_db()
    assert draft.data["mobility"]["start_date"] == "2025-09-01"


def test_explanation_instead_of_a_document(client, draft):
    kind = "scholarship_notice"
    response = client.post(
        step_url(draft, 4), {"doc_kind": kind, f"{kind}-explanation": "Notification en attente"}
    )
    assert response.status_code == 302
    assert (
        Document.objects.get(application=draft, kind=kind).explanation == "Notification en attente"
    )


def test_submission_refused_after_mobility_start(client, draft):
    with time_machine.travel(AFTER_START, tick=False):
        response = client.post(step_url(draft, 5), {"certify": "on"})
    assert response.status_code == 200
    assert "avant le début de la mobilité" in response.content.decode()
    draft.refresh_from_db()
    assert draft.state == State.DRAFT and draft.reference is None


def test_submission_lists_missing_fields(client, student, school):
    app = services.application_create(
        student=student,
        scheme=Scheme.objects.get(code="horizons"),
        aid="grant",
        establishment=school,
    )
    services.application_update(application=app, by=student, first_name="Léa", last_name="Martin")
    response = client.post(step_url(app, 5), {"certify": "on"})
    page = response.content.decode()
    assert (
        response.status_code == 200
        and "Des informations manquent" in page
        and "votre mobilité" in page
    )


def test_other_students_files_do_not_exist(client, draft):
    doc = services.document_add(
        application=draft, by=draft.student, kind="bank_details", upload=pdf()
    )
    before = Application.objects.filter(pk=draft.pk).values().get()
    client.force_login(make_user("autre@example.org"))
    urls = [
        reverse("applications:student_application", args=[draft.pk]),
        reverse("applications:submitted", args=[draft.pk]),
        reverse("applications:student_withdraw", args=[draft.pk]),
        reverse("applications:document_download", args=[doc.pk]),
        *(step_url(draft, step) for step in range(1, 6)),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert client.post(step_url(draft, 1), IDENTITY).status_code == 404
    assert Application.objects.filter(pk=draft.pk).values().get() == before
    client.logout()
    assert client.get(reverse("applications:document_download", args=[doc.pk])).status_code == 404
    assert client.get(step_url(draft, 1)).status_code == 302  # to the login page


def test_withdraw_with_confirmation(client, draft):
    page = client.get(reverse("applications:student_application", args=[draft.pk])).content.decode()
    assert "Retirer ma demande" in page
    url = reverse("applications:student_withdraw", args=[draft.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Oui, retirer ma demande" in confirm.content.decode()
    draft.refresh_from_db()
    assert draft.state == State.DRAFT
    response = client.post(url, {"reason": "Projet abandonné"})
    assert response["Location"] == reverse("applications:student_application", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.state == State.WITHDRAWN
    assert client.get(url)["Location"] == response["Location"]  # nothing left to withdraw
    assert "Retirer ma demande" not in client.get(response["Location"]).content.decode()


def test_message_thread(client, draft):
    url = reverse("applications:student_message_post", args=[draft.pk])
    assert client.post(url, {"body": "   "}).status_code == 200
    assert client.post(url, {"body": "Bonjour", "attachment": pdf("note.pdf")}).status_code == 302
    page = client.get(reverse("applications:student_application", args=[draft.pk])).content.decode()
    assert "Bonjour" in page and "note.pdf" in page


@pytest.mark.parametrize(
    "code, situation, section",
    [
        (
            "aude",
            {
                "cycle": "2",
                "faculty": "toulouse",
                "passed_first_year_exam": "true",
                "start_date": "2025-11-03",
                "end_date": "2026-05-02",
                "specialty": "general_medicine",
                "supervisor_commune_insee": "11069",
            },
            "internship",
        ),
        (
            "haute-garonne",
            {
                "cycle": "3",
                "specialty": "general_medicine",
                "scholarship_holder": "on",
                "start_date": "2025-11-03",
                "end_date": "2026-05-02",
                "commune_insee": "31555",
                "indemnities": ["travel", "housing"],
            },
            "internship",
        ),
    ],
)
def test_medical_schemes_situation_step(client, student, code, situation, section):
    app = services.application_create(student=student, scheme=Scheme.objects.get(code=code))
    assert client.get(step_url(app, 2)).status_code == 200
    bad = client.post(step_url(app, 2), {**situation, "end_date": "2025-10-01"})
    assert bad.status_code == 200 and "end_date" in bad.context["form"].errors
    assert client.post(step_url(app, 2), situation)["Location"] == step_url(app, 3)
    app.refresh_from_db()
    assert app.data[section]["start_date"] == "2025-11-03"
    assert client.get(step_url(app, 3)).context["verdict"] is not None
