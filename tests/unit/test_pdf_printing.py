"""applications/pdf.py prints with the shipped fonts only, fetches nothing else, and gives the
same bytes for the same HTML whatever the clock (issue "The house")."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest
import time_machine

from applications import pdf as printing
from tests.pdf_inspect import assert_archivable_and_tagged

HTML = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Essai</title>
<meta name="dcterms.created" content="2025-07-03"><style>html { font-family: "Portail Sans"; }</style></head>
<body><h2>Décision</h2><p>Ça coûte 1 120,00 € : « déjà vu », œuvre.</p><p><b>Gras</b> <i>italique</i></p>
<table><tr><th>Échéance</th><td>672,00 €</td></tr></table></body></html>"""


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("printing tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_same_html_same_bytes_whatever_the_day(no_network):
    with time_machine.travel(datetime(2025, 7, 3, 9, tzinfo=UTC), tick=False):
        first = printing.html_to_pdf(HTML)
    with time_machine.travel(datetime(2031, 1, 15, 17, tzinfo=UTC), tick=False):
        again = printing.html_to_pdf(HTML)
    assert first == again
    facts = assert_archivable_and_tagged(first, tags=("Document", "H2", "P", "Table", "TH", "TD"))
    # Regular, bold and italic: each from its own shipped file, none synthesised from another.
    assert facts.fonts == {"Portail-Sans", "Portail-Sans-Bold", "Portail-Sans-Italic"}
    # The date is the document's (its context), not the clock's.
    assert b"2025-07-03" in _xmp(first) and b"2031" not in _xmp(first)


def _xmp(pdf: bytes) -> bytes:
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    return PdfFileReader(BytesIO(pdf)).root["/Metadata"].data


def test_the_fetcher_serves_the_shipped_fonts_only():
    font = printing.FONTS_DIR / "liberation" / "LiberationSans-Regular.ttf"
    url, body = printing.font_url_fetch(font.as_uri())
    assert body == font.read_bytes() and url == font.as_uri()
    for refused in (
        "http://example.org/font.ttf",
        "https://fonts.example.org/LiberationSans-Regular.ttf",
        "data:font/ttf;base64,AAAA",
        "ftp://example.org/x.ttf",
        "file:///etc/passwd",
        "file://evil.example.org" + str(font),
        printing.FONTS_DIR.as_uri() + "/liberation/../../../manage.py",
        printing.FONTS_DIR.as_uri() + "/liberation/missing.ttf",
        printing.FONTS_DIR.as_uri() + "/liberation",
    ):
        with pytest.raises(printing.ResourceRefused):
            printing.font_url_fetch(refused)


@pytest.mark.parametrize("element", [
    '<img src="http://127.0.0.1:9/logo.png" alt="logo">',
    '<link rel="stylesheet" href="https://example.org/style.css">',
    '<style>@import url("file:///etc/hostname");</style>',
    '<style>p { background: url("http://example.org/x.png"); }</style>',
])
def test_a_page_asking_for_anything_else_is_not_printed(no_network, element):
    html = HTML.replace("<body>", f"<body>{element}")
    with pytest.raises(printing.LetterPrintingError):
        printing.html_to_pdf(html)


def test_no_printing_without_harfbuzz_subset(monkeypatch):
    weasyprint, fetcher, _ = printing._weasyprint()
    monkeypatch.setattr(printing, "_weasyprint", lambda: (weasyprint, fetcher, False))
    with pytest.raises(printing.LetterPrintingError, match="libharfbuzz-subset0"):
        printing.html_to_pdf(HTML)


def test_the_fonts_are_loaded_once_per_thread_and_change_nothing_printed(no_network):
    """A worker process loads the fonts when it starts (aid_portal.celery) and every later print
    reuses them: the same bytes as a print with fonts freshly loaded."""
    from aid_portal.celery import _load_printing

    printing._printer.__dict__.pop("fonts", None)
    fresh = printing.html_to_pdf(HTML)  # loads them
    printing._printer.__dict__.pop("fonts", None)
    _load_printing()
    loaded = printing._printer.fonts
    assert printing.html_to_pdf(HTML) == fresh == printing.html_to_pdf(HTML)
    assert printing._printer.fonts is loaded
