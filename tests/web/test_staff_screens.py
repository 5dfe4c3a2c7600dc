"""Staff screens through the test client: opinion, officer queue, file page, exports."""

import csv
import io
import itertools
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Establishment, EstablishmentMembership, OfficerMembership, User
from applications import services
from applications.documents import required_kinds
from applications.models import Application, DocumentRequest, Opinion
from applications.states import State
from schemes.models import Scheme
from tests.files import PDF

pytestmark = pytest.mark.django_db

HORIZONS_DATA = {
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
    "other_aid": {"erasmus": False, "other_collectivity_grant": False, "crous_mobility_aid": False},
}


STUDENT_NUMBERS = itertools.count(1)


def user(email, **kw):
    return User.objects.create_user(username=email, email=email, password="pw-demo-2026", **kw)


@pytest.fixture
def actors():
    horizons = Scheme.objects.get(code="horizons")
    school = Establishment.objects.create(name="Université Toulouse Capitole", uai="0311382J")
    other_school = Establishment.objects.create(name="INSA Toulouse", uai="0310152T")
    staff = user("scol@example.org")
    EstablishmentMembership.objects.create(user=staff, establishment=school)
    other_staff = user("scol-insa@example.org")
    EstablishmentMembership.objects.create(user=other_staff, establishment=other_school)
    officer = user("agent@example.org")
    OfficerMembership.objects.create(user=officer, authority=horizons.authority)
    other_officer = user("agent-aude@example.org")
    OfficerMembership.objects.create(
        user=other_officer, authority=Scheme.objects.get(code="aude").authority
    )
    return {
        "scheme": horizons,
        "school": school,
        "other_school": other_school,
        "staff": staff,
        "other_staff": other_staff,
        "officer": officer,
        "other_officer": other_officer,
    }


def submitted(actors, *, last_name="Martin", first_name="Léa", school=None):
    student = user(f"etu{next(STUDENT_NUMBERS)}@example.org")
    app = services.application_create(
        student=student,
        scheme=actors["scheme"],
        aid="grant",
        establishment=school or actors["school"],
    )
    app = services.application_update(
        application=app, by=student, data=HORIZONS_DATA, first_name=first_name, last_name=last_name
    )
    for kind in required_kinds("horizons", scholarship_holder=True):
        services.document_add(application=app, by=student, kind=kind, explanation="Pièce à venir")
    return services.application_submit(application=app, by=student, today=date(2025, 6, 1))


def in_instruction(actors, **kw):
    app = submitted(actors, **kw)
    services.opinion_record(application=app, by=actors["staff"], favourable=True)
    app.refresh_from_db()
    return app


# --- Establishment ---------------------------------------------------------------------------
def test_establishment_queue_lists_only_own_files(client, actors):
    mine = submitted(actors, last_name="Durand")
    theirs = submitted(actors, last_name="Bernard", school=actors["other_school"])
    client.force_login(actors["staff"])
    response = client.get(reverse("applications:establishment_queue"))
    assert response.status_code == 200
    assert mine.reference in response.text and theirs.reference not in response.text


def test_establishment_queue_s_first_column_leads_to_the_opinion(client, actors):
    # On a phone the table scrolls sideways and the "Donner l'avis" button sits in the last
    # column: the reference, always on screen, is a link to the same page.
    app = submitted(actors, last_name="Durand")
    client.force_login(actors["staff"])
    html = client.get(reverse("applications:establishment_queue")).text
    opinion = reverse("applications:establishment_opinion", args=[app.pk])
    assert f'<td class="text-nowrap"><a href="{opinion}"' in html


def test_establishment_gives_opinion(client, actors):
    app = submitted(actors)
    client.force_login(actors["staff"])
    url = reverse("applications:establishment_opinion", args=[app.pk])
    page = client.get(url)
    assert page.status_code == 200 and app.reference in page.text
    # Without the explicit confirmation nothing happens.
    response = client.post(url, {"favourable": "1", "comment": "Bon dossier"})
    assert response.status_code == 200
    app.refresh_from_db()
    assert app.state == State.AWAITING_OPINION
    response = client.post(url, {"favourable": "0", "comment": "Projet flou", "confirm": "on"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.state == State.IN_INSTRUCTION and app.opinion.favourable is False
    validated = client.get(reverse("applications:establishment_queue") + "?onglet=valides")
    assert app.reference in validated.text
    # A second opinion is refused (not a 500), and the first one stands.
    assert client.post(url, {"favourable": "1", "confirm": "on"}).status_code == 403
    app.refresh_from_db()
    assert app.state == State.IN_INSTRUCTION and (app.opinion.favourable, app.opinion.comment) == (False, "Projet flou")


def test_other_establishment_gets_404(client, actors):
    app = submitted(actors)
    client.force_login(actors["other_staff"])
    url = reverse("applications:establishment_opinion", args=[app.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"favourable": "1", "confirm": "on"}).status_code == 404
    app.refresh_from_db()
    assert app.state == State.AWAITING_OPINION and not Opinion.objects.filter(application=app).exists()


def test_officer_cannot_open_establishment_queue(client, actors):
    client.force_login(actors["officer"])
    assert client.get(reverse("applications:establishment_queue")).status_code == 403


# --- Officer queue ---------------------------------------------------------------------------
def test_officer_queue_scoped_filtered_and_searched(client, actors):
    waiting = submitted(actors, last_name="Durand")
    instructing = in_instruction(actors, last_name="Petit")
    client.force_login(actors["officer"])
    url = reverse("applications:officer_queue")
    response = client.get(url)
    assert response.status_code == 200
    assert waiting.reference in response.text and instructing.reference in response.text
    filtered = client.get(url, {"state": "in_instruction"})
    assert instructing.reference in filtered.text and waiting.reference not in filtered.text
    searched = client.get(url, {"q": waiting.reference[-4:]})
    assert waiting.reference in searched.text and instructing.reference not in searched.text
    by_name = client.get(url, {"q": "peti"})
    assert instructing.reference in by_name.text and waiting.reference not in by_name.text
    # Another authority's officer sees none of them.
    client.force_login(actors["other_officer"])
    other = client.get(url)
    assert other.status_code == 200 and waiting.reference not in other.text


@pytest.mark.parametrize(
    "params",
    [
        {"state": "nonsense"},
        {"year": "abc"},
        {"establishment": "999999"},
        {"establishment": "x"},
        {"aid": "<script>"},
        {"page": "-3"},
        {"page": "zzz"},
        {"scheme": "0"},
        {"q": "x" * 500},
    ],
)
def test_bad_filter_values_are_ignored(client, actors, params):
    app = in_instruction(actors)
    client.force_login(actors["officer"])
    response = client.get(reverse("applications:officer_queue"), params)
    assert response.status_code == 200
    assert app.reference in response.text


def test_officer_queue_paginates_and_keeps_filters(client, actors):
    apps = [submitted(actors, last_name=f"Nom{i:02d}") for i in range(30)]
    client.force_login(actors["officer"])
    url = reverse("applications:officer_queue")
    first = client.get(url, {"state": "awaiting_opinion"})
    assert first.context["page_obj"].paginator.count == 30
    assert len(first.context["page_obj"].object_list) == 25
    assert "page=2" in first.text and "state=awaiting_opinion" in first.text
    second = client.get(url, {"state": "awaiting_opinion", "page": "2"})
    assert len(second.context["page_obj"].object_list) == 5
    # Sorted by submission date, oldest first.
    assert apps[-1].reference in second.text and apps[0].reference in first.text
    counts = dict((state, n) for state, _label, n in first.context["counts"])
    assert counts["awaiting_opinion"] == 30


def test_due_soon_filter(client, actors):
    soon = in_instruction(actors, last_name="Bientot")
    later = in_instruction(actors, last_name="Plustard")
    today = timezone.localdate()
    services.document_request_create(
        application=soon,
        items=["bank_details"],
        message="RIB",
        by=actors["officer"],
        today=today - timedelta(days=55),
    )
    services.document_request_create(
        application=later, items=["bank_details"], message="RIB", by=actors["officer"], today=today
    )
    client.force_login(actors["officer"])
    response = client.get(reverse("applications:officer_queue"), {"due_soon": "on"})
    assert soon.reference in response.text and later.reference not in response.text


# --- Officer file page -----------------------------------------------------------------------
def test_officer_file_page_shows_the_file(client, actors):
    app = in_instruction(actors)
    doc = services.document_add(
        application=app,
        by=app.student,
        kind="bank_details",
        upload=SimpleUploadedFile("rib.pdf", PDF, content_type="application/pdf"),
    )
    client.force_login(actors["officer"])
    response = client.get(reverse("applications:officer_application", args=[app.pk]))
    assert response.status_code == 200
    text = response.text
    assert f"/documents/{doc.pk}/" in text and "rib.pdf" in text
    assert "Martin" in text and "Date de début de la mobilité" in text
    assert "Éligible" in text and "Art." in text  # verdict recomputed with its articles
    assert (
        "Valider l&#x27;avis de l&#x27;établissement" in text or "Valider l'avis" in text
    )  # timeline


def test_other_authority_gets_404_on_file_page(client, actors):
    app = in_instruction(actors)
    client.force_login(actors["other_officer"])
    assert client.get(reverse("applications:officer_application", args=[app.pk])).status_code == 404
    post = client.post(
        reverse("applications:officer_mark_ready", args=[app.pk]), {"ready-confirm": "on"}
    )
    assert post.status_code == 404
    client.force_login(actors["staff"])
    assert client.get(reverse("applications:officer_application", args=[app.pk])).status_code == 404


def test_request_documents_from_the_page(client, actors):
    app = in_instruction(actors)
    client.force_login(actors["officer"])
    url = reverse("applications:officer_request_documents", args=[app.pk])
    # Without the confirmation: the page again, with the error, and nothing changed.
    response = client.post(url, {"req-items": ["bank_details"], "req-message": "RIB manquant"})
    assert response.status_code == 200
    app.refresh_from_db()
    assert app.state == State.IN_INSTRUCTION
    response = client.post(
        url,
        {
            "req-items": ["bank_details", "scholarship_notice"],
            "req-message": "RIB manquant",
            "req-confirm": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    app.refresh_from_db()
    assert app.state == State.AWAITING_DOCUMENTS
    due = DocumentRequest.objects.get(application=app).due_on
    assert due.strftime("%d/%m/%Y") in response.text
    assert (
        "Relevé d&#x27;identité bancaire" in response.text
        or "Relevé d'identité bancaire" in response.text
    )
    # Requesting again from this state is refused with a message, not a 500.
    again = client.post(url, {"req-items": ["bank_details"], "req-message": "Encore", "req-confirm": "on"})
    assert again.status_code == 200 and "Action impossible" in again.text


def test_extend_deadline_and_close(client, actors):
    app = in_instruction(actors)
    req = services.document_request_create(
        application=app, items=["bank_details"], message="RIB", by=actors["officer"]
    )
    client.force_login(actors["officer"])
    url = reverse("applications:officer_extend_request", args=[app.pk, req.pk])
    too_early = client.post(
        url, {"ext-until": req.due_on.isoformat(), "ext-reason": "Hospitalisation"}
    )
    assert too_early.status_code == 200 and "postérieure" in too_early.text
    until = req.due_on + timedelta(days=30)
    assert (
        client.post(
            url, {"ext-until": until.isoformat(), "ext-reason": "Hospitalisation"}
        ).status_code
        == 302
    )
    req.refresh_from_db()
    assert req.extended_to == until
    assert client.post(url, {"ext-until": "pas une date", "ext-reason": "x"}).status_code == 200
    close = reverse("applications:officer_close", args=[app.pk])
    assert client.post(close, {"close-reason": "Doublon"}).status_code == 200  # no confirmation
    assert client.post(close, {"close-reason": "Doublon", "close-confirm": "on"}).status_code == 302
    app.refresh_from_db()
    assert app.state == State.CLOSED and app.closing_reason == "Doublon"


def test_mark_ready_and_message(client, actors):
    app = in_instruction(actors)
    client.force_login(actors["officer"])
    msg = reverse("applications:officer_message", args=[app.pk])
    assert client.post(msg, {"msg-body": "Bonjour, votre dossier est complet."}).status_code == 302
    assert client.post(msg, {"msg-body": "   "}).status_code == 200
    ready = reverse("applications:officer_mark_ready", args=[app.pk])
    assert client.post(ready, {"ready-confirm": "on"}).status_code == 302
    app.refresh_from_db()
    assert app.state == State.READY_FOR_DECISION
    page = client.get(reverse("applications:officer_application", args=[app.pk]))
    assert "votre dossier est complet" in page.text
    assert client.get(ready).status_code == 405


def test_notes_are_private(client, actors):
    app = in_instruction(actors)
    client.force_login(actors["officer"])
    note_url = reverse("applications:officer_note", args=[app.pk])
    assert client.post(note_url, {"note-body": "Appeler le service RI"}).status_code == 302
    assert (
        "Appeler le service RI"
        in client.get(reverse("applications:officer_application", args=[app.pk])).text
    )
    # Nobody else may add or read them.
    for who in ("other_officer", "staff"):
        client.force_login(actors[who])
        assert client.post(note_url, {"note-body": "intrusion"}).status_code == 404
        assert not app.notes.filter(body="intrusion").exists()
        assert (
            client.get(reverse("applications:officer_application", args=[app.pk])).status_code
            == 404
        )
    client.force_login(actors["staff"])
    assert (
        "Appeler le service RI"
        not in client.get(reverse("applications:establishment_queue") + "?onglet=valides").text
    )
    client.force_login(app.student)
    assert client.get(reverse("applications:officer_application", args=[app.pk])).status_code == 404
    for url in (
        reverse("applications:student_application", args=[app.pk]),
        reverse("applications:dashboard"),
    ):
        page = client.get(url)
        assert page.status_code == 200 and "Appeler le service RI" not in page.text


def test_anonymous_is_sent_to_sign_in(client, actors):
    response = client.get(reverse("applications:officer_queue"))
    assert response.status_code == 302 and "/comptes/" in response["Location"]


# --- Exports ---------------------------------------------------------------------------------
def test_csv_export_honours_filters_and_neutralises_formulas(client, actors):
    evil = in_instruction(actors, last_name='=HYPERLINK("http://evil.example","x")')
    plain = submitted(actors, last_name="Durand")
    client.force_login(actors["officer"])
    response = client.get(reverse("applications:officer_export_csv"), {"state": "in_instruction"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = response.getvalue()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Référence"
    assert [r[0] for r in rows[1:]] == [evil.reference]
    assert plain.reference not in content.decode()
    name = rows[1][1]
    assert name.startswith("'") and "HYPERLINK" in name
    assert rows[1][2] == "Léa"
    assert rows[1][5] == "En cours d'instruction" and rows[1][6] == "2025-2026"
    assert rows[1][9] == "1120,00"


def test_xlsx_export_honours_filters_and_neutralises_formulas(client, actors):
    from openpyxl import load_workbook

    evil = in_instruction(actors, last_name='=HYPERLINK("http://evil.example","x")')
    plain = submitted(actors, last_name="Durand")
    client.force_login(actors["officer"])
    response = client.get(reverse("applications:officer_export_xlsx"), {"q": "hyperlink"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    ws = load_workbook(io.BytesIO(response.getvalue())).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Référence"
    assert [r[0] for r in rows[1:]] == [evil.reference]
    assert all(plain.reference not in str(r) for r in rows)
    assert ws.cell(row=2, column=2).data_type == "s"
    assert str(ws.cell(row=2, column=2).value).startswith("'=")
    assert float(rows[1][9]) == 1120.0


def test_csv_export_streams_in_chunks_with_a_fixed_number_of_queries(client, actors, monkeypatch):
    from django.db import connection
    from django.db.models import QuerySet
    from django.test.utils import CaptureQueriesContext

    from applications import exports

    monkeypatch.setattr(exports, "CHUNK_SIZE", 3)
    monkeypatch.setattr(exports, "CSV_ROWS_PER_CHUNK", 2)
    chunk_sizes = []
    iterator = QuerySet.iterator

    def spy(self, chunk_size=None):
        chunk_sizes.append(chunk_size)
        return iterator(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    client.force_login(actors["officer"])

    def export() -> tuple[int, list[bytes]]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("applications:officer_export_csv"))
            assert response.streaming
            chunks = list(response.streaming_content)
        return len(captured), chunks

    submitted(actors)
    few, _ = export()
    for _ in range(9):
        submitted(actors)
    many, chunks = export()
    assert few == many
    assert chunk_sizes == [3, 3]
    assert len(chunks) == 6  # 10 rows, 2 a chunk, and the last (empty) one
    assert len(b"".join(chunks).decode("utf-8-sig").splitlines()) == 11


def test_exports_are_scoped_to_the_authority(client, actors):
    app = in_instruction(actors)
    client.force_login(actors["other_officer"])
    response = client.get(reverse("applications:officer_export_csv"))
    assert response.status_code == 200 and app.reference not in response.getvalue().decode()
    client.force_login(actors["staff"])
    assert client.get(reverse("applications:officer_export_csv")).status_code == 403
    assert Application.objects.count() == 1
