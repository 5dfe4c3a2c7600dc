"""The public page that checks a letter (/verifier-un-courrier/), signed out: a valid letter,
a tampered one, an unknown hash, garbage, and errors that name the field."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from applications.pdf import html_to_pdf, render_letter_html
from applications.signing import demo_certificate_create, sign_letter, sign_pdf
from decisions.letters import decision_letters_issue
from decisions.models import Letter
from tests.flows import decided_file, officer

pytestmark = pytest.mark.django_db

URL = reverse("decisions:letter_verify")


@pytest.fixture
def letter():
    app = decided_file("horizons", officer("horizons"))
    decision_letters_issue(decision_id=app.current_decision_id)
    return Letter.objects.select_related("application__scheme__authority").get(application=app, kind="award")


def stored(letter) -> bytes:
    with letter.pdf.open("rb") as f:
        return f.read()


def upload(client, content: bytes, name="courrier.pdf"):
    return client.post(URL, {"pdf": SimpleUploadedFile(name, content, "application/pdf")})


def text(response) -> str:
    return response.content.decode()


def test_the_page_is_public(client):
    response = client.get(URL)
    assert response.status_code == 200 and "Vérifier un courrier" in text(response)
    assert URL in text(client.get(reverse("schemes:home")))  # linked from every page's footer


def test_the_issued_letter_is_authentic_and_says_only_what_its_holder_reads(client, letter):
    response = upload(client, stored(letter))
    page = text(response)
    assert response.status_code == 200
    assert "Courrier authentique et inchangé." in page
    assert "Notification d&#x27;attribution" in page and letter.application.scheme.authority.name in page
    assert timezone.localtime(letter.created_at).strftime("%d/%m/%Y") in page
    assert "valide, du portail, couvrant tout le fichier" in page and letter.pdf_sha256 in page
    # Nothing of the content: no name, no address, no amount, no e-mail.
    for private in ("Martin", "Léa", letter.application.student.email, "1 120", "672"):
        assert private not in page


def test_reference_and_hash_find_the_letter(client, letter):
    response = client.post(URL, {"reference": letter.application.reference.lower(),
                                 "sha256": " ".join([letter.pdf_sha256[:32].upper(), letter.pdf_sha256[32:]])})
    assert response.status_code == 200 and "Courrier authentique et inchangé." in text(response)
    # The right hash with another file's reference is not this letter.
    response = client.post(URL, {"reference": "HZ-0000-9999", "sha256": letter.pdf_sha256})
    assert "Courrier inconnu du portail." in text(response) and "authentique" not in text(response)


def test_an_unknown_hash_is_unknown(client, letter):
    response = client.post(URL, {"reference": letter.application.reference, "sha256": "0" * 64})
    assert response.status_code == 200 and "Courrier inconnu du portail." in text(response)


def test_a_tampered_letter_is_called_modified(client, letter):
    pdf = stored(letter)
    # One byte changed inside the signed bytes (in the first stream: the file still parses).
    at = pdf.index(b"stream\n") + 40
    tampered = pdf[:at] + bytes([pdf[at] ^ 0xFF]) + pdf[at + 1:]
    page = text(upload(client, tampered))
    assert "Courrier modifié : ne vous y fiez pas." in page and "invalide : le contenu signé a été modifié" in page
    # Bytes added after the signature (an incremental update) are caught too.
    page = text(upload(client, pdf + b"\n1000 0 obj\n(added)\nendobj\n"))
    assert "Courrier modifié" in page and "complété après la signature" in page


def test_a_letter_signed_with_another_certificate_is_not_the_portals(client, letter, tmp_path):
    from pyhanko.sign import signers

    demo_certificate_create(cert_path=tmp_path / "c.pem", key_path=tmp_path / "k.pem", now=timezone.now())
    forger = signers.SimpleSigner.load(str(tmp_path / "k.pem"), str(tmp_path / "c.pem"))
    unsigned = html_to_pdf(render_letter_html(letter.template, letter.context))
    page = text(upload(client, sign_pdf(unsigned, signer=forger, reason="faux")))
    assert "Courrier modifié" in page and "intacte, mais pas d'un certificat du portail" in page


def test_an_unsigned_pdf_is_unknown(client, letter):
    unsigned = html_to_pdf(render_letter_html(letter.template, letter.context))
    page = text(upload(client, unsigned))
    assert "Courrier inconnu du portail." in page and "ne porte aucune signature" in page
    assert hashlib.sha256(unsigned).hexdigest() in page


@pytest.mark.parametrize(("data", "field", "message"), [
    ({}, None, "Déposez le courrier (PDF), ou indiquez la référence du dossier"),
    ({"reference": "HZ-2025-0001"}, "sha256", "Indiquez l&#x27;empreinte SHA-256"),
    ({"sha256": "a" * 64}, "reference", "Indiquez la référence du dossier"),
    ({"reference": "HZ-2025-0001", "sha256": "xyz"}, "sha256", "64 caractères"),
    ({"reference": "HZ-2025-0001", "sha256": "a" * 65}, "sha256", "64 caractères"),
    ({"reference": "R" * 300, "sha256": "a" * 64}, "reference", "20 caractères"),
])
def test_incomplete_or_malformed_input_names_the_field(client, data, field, message):
    response = client.post(URL, data)
    assert response.status_code == 400 and message in text(response)
    if field:
        assert response.context["form"].errors[field]


@pytest.mark.parametrize(("content", "message"), [
    (b"MZ\x90\x00 not a pdf", "n&#x27;est pas un fichier PDF"),
    (b"%PDF-1.7\n garbage \x00\xff" * 10, "ne peut pas être lu"),
    (b"", "Le fichier soumis est vide"),
])
def test_garbage_uploads_are_refused_on_the_pdf_field(client, content, message):
    response = upload(client, content)
    assert response.status_code == 400 and message in text(response)
    assert response.context["form"].errors["pdf"]


def test_an_oversized_upload_is_refused(client, monkeypatch):
    from decisions.views import verify

    monkeypatch.setattr(verify, "MAX_PDF_BYTES", 1000)
    response = upload(client, b"%PDF-1.7\n" + b"0" * 2000)
    assert response.status_code == 400 and "dépasse 5 Mo" in text(response)


def test_sign_letter_names_the_authority(letter):
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    unsigned = html_to_pdf(render_letter_html(letter.template, letter.context))
    signed = sign_letter(unsigned, authority="Région X", place="Toulouse")
    sig = PdfFileReader(BytesIO(signed)).embedded_signatures[-1].sig_object
    assert str(sig["/Reason"]) == "Courrier émis par Région X" and str(sig["/Location"]) == "Toulouse"


def test_a_letter_stored_before_signing_began_is_recognised_by_its_hash(client, letter):
    unsigned = html_to_pdf(render_letter_html(letter.template, letter.context))
    Letter.objects.filter(pk=letter.pk).update(pdf_sha256=hashlib.sha256(unsigned).hexdigest())
    page = text(upload(client, unsigned))
    assert "Courrier authentique et inchangé." in page and '<dd class="col-sm-8">aucune</dd>' in page
