"""Hostile uploads: an oversized body is refused before it is read, a file over the cap as soon as
it passes it, and a file that is not what it claims (polyglot, renamed, truncated) is refused,
each time with nothing stored."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications import services
from applications.documents import MAX_UPLOAD_BYTES
from applications.models import Application, Document
from applications.uploads import UploadRefused, upload_content_type
from tests.files import JPEG, PDF, PNG, pdf_bytes
from tests.flows import horizons_actors, horizons_draft

pytestmark = pytest.mark.django_db
BOUNDARY = "hostileboundary"


class CountingStream:
    """A request body of `size` bytes, produced on demand; `consumed` counts what was read."""

    def __init__(self, head: bytes, size: int):
        self.head, self.size, self.consumed = head, size, 0

    def read(self, n=-1):
        remaining = self.size - self.consumed
        n = remaining if n is None or n < 0 else min(n, remaining)
        start = self.consumed
        self.consumed += n
        head = self.head[start : start + n]
        return head + b"A" * (n - len(head))

    def readline(self, n=-1):
        return self.read(n if n and n > 0 else 65536)


def multipart_head(field: str, filename: str) -> bytes:
    return (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"doc_kind\"\r\n\r\nbank_details\r\n"
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
    ).encode()


@pytest.fixture
def draft(client):
    actors = horizons_actors()
    app = horizons_draft(actors, documents=False)
    client.force_login(app.student)
    return app


def upload_url(app):
    return reverse("applications:draft_step", args=[app.pk, 4])


def stored(app):
    return sorted(Document.objects.filter(application=app).values_list("kind", "sha256", "superseded"))


def post_stream(client, app, stream, length):
    # The test client sets the body's headers only for a body it holds itself: set them here.
    return client.generic("POST", upload_url(app), **{
        "wsgi.input": stream, "CONTENT_LENGTH": str(length),
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
    })


def test_a_50_mb_body_is_refused_before_a_byte_is_read(client, draft):
    size = 50 * 1024 * 1024
    stream = CountingStream(multipart_head("bank_details-file", "rib.pdf"), size)
    before = stored(draft)
    response = post_stream(client, draft, stream, size)
    assert response.status_code == 413
    assert stream.consumed == 0
    page = response.content.decode()
    assert "Envoi trop volumineux" in page and "30 Mo au total" in page and "10 Mo" in page
    assert stored(draft) == before


def test_a_file_over_10_mb_is_cut_off_while_it_streams_and_its_field_named(client, draft):
    size = 14 * 1024 * 1024  # under the request cap, over the file cap
    stream = CountingStream(multipart_head("bank_details-file", "rib.pdf"), size)
    before = stored(draft)
    response = post_stream(client, draft, stream, size)
    assert response.status_code == 413
    assert "bank_details-file" in response.content.decode()
    # Stopped just past the cap (one parser chunk of slack), not read to the end.
    assert MAX_UPLOAD_BYTES < stream.consumed < MAX_UPLOAD_BYTES + 1024 * 1024 < size
    assert stored(draft) == before


def polyglots():
    return {
        "jpeg with a pdf appended": ("photo.jpg", JPEG + PDF),
        "png with a pdf appended": ("scan.png", PNG + PDF),
        "pdf header then garbage": ("rib.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 40),
        "pdf cut short": ("rib.pdf", PDF[: len(PDF) // 2]),
        "html named .pdf": ("rib.pdf", b"<!doctype html><html><script>alert(1)</script></html>"),
        "jpeg header then garbage": ("photo.jpg", JPEG[:20] + b"\x00garbage" * 100 + b"\xff\xd9"),
    }


@pytest.mark.parametrize("name", list(polyglots()))
def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_changes(client, draft, name):
    filename, content = polyglots()[name]
    good = client.post(upload_url(draft), {"doc_kind": "bank_details",
                                           "bank_details-file": SimpleUploadedFile("rib.pdf", PDF)})
    assert good.status_code == 302
    before = stored(draft)
    response = client.post(upload_url(draft), {"doc_kind": "bank_details",
                                               "bank_details-file": SimpleUploadedFile(filename, content)})
    assert response.status_code == 200
    page = response.content.decode()
    assert any(words in page for words in ("Format non accepté", "pas un PDF lisible", "ne peut pas être lue",
                                            "fichier composite")), name
    assert stored(draft) == before
    assert Application.objects.get(pk=draft.pk).data == draft.data


@pytest.mark.parametrize(("filename", "content", "mime"), [
    ("rib.pdf", PDF, "application/pdf"),
    ("rib-3-pages.pdf", pdf_bytes(3), "application/pdf"),
    ("photo.jpg", JPEG, "image/jpeg"),
    ("scan.png", PNG, "image/png"),
])
def test_real_files_pass(client, draft, filename, content, mime):
    response = client.post(upload_url(draft), {"doc_kind": "bank_details",
                                               "bank_details-file": SimpleUploadedFile(filename, content)})
    assert response.status_code == 302
    doc = Document.objects.get(application=draft, kind="bank_details", superseded=False)
    assert doc.content_type == mime and doc.size == len(content)


def test_the_service_refuses_a_polyglot_too():
    # Forms are one door; the service, called by every view, checks again before storing.
    actors = horizons_actors()
    app = horizons_draft(actors, documents=False)
    with pytest.raises(services.ServiceError, match="composite"):
        services.document_add(application=app, by=app.student, kind="bank_details",
                              upload=SimpleUploadedFile("photo.jpg", JPEG + PDF))
    assert not Document.objects.filter(application=app).exists()


def test_encrypted_pdf_is_refused_with_the_reason():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(PDF)))
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(UploadRefused, match="mot de passe"):
        upload_content_type(SimpleUploadedFile("locked.pdf", out.getvalue()))


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary=\x01bad"])
def test_a_malformed_multipart_body_is_a_400_not_a_500(client, draft, content_type):
    client.raise_request_exception = False
    before = stored(draft)
    body = b"--x\r\nContent-Disposition: form-data; name=\"doc_kind\"\r\n\r\nbank_details\r\n--x--\r\n"
    response = client.generic("POST", upload_url(draft), body, content_type=content_type)
    assert response.status_code == 400
    assert stored(draft) == before
