"""Letters as HTML, and HTML as PDF (STYLE 10).

`render_<kind>_html(context)` renders `templates/letters/<kind>.html` from a context of pure JSON
data (what decisions.letters stores in `Letter.context`); `html_to_pdf(html)` prints it with
WeasyPrint as a tagged PDF/A-3u: archivable by the authority's electronic archive, and read
aloud in order by a screen reader (RGAA; the tags carry the headings, paragraphs, lists and
tables, `<html lang="fr">` the language).

The same context gives the same PDF byte for byte on every machine with the pinned libraries
(pyproject.toml) and the system libraries `make install` checks (scripts/check_system.py):
- the fonts are shipped in static/fonts/ and loaded by @font-face under a family name no system
  font has, so the machine's own fonts are never used;
- the only URL fetcher serves files from static/fonts/ and stops the rendering on anything else:
  nothing is ever fetched from the network;
- the PDF's dates come from the document (`<meta name="dcterms.created">`, the letter's date in
  its context), never from the clock; its /ID is a hash of its content;
- fonts are subset by HarfBuzz (libharfbuzz-subset0). WeasyPrint's fallback, fontTools, stamps
  each subset font with the current time, so without HarfBuzz-Subset the same letter printed
  twice differs: `html_to_pdf` refuses to print rather than issue letters that vary.

Letters are then signed (applications.signing): the stored, signed PDF and its SHA-256 are the
proof of authenticity; printing again is no longer needed for that.
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

FONTS_DIR = Path(settings.BASE_DIR) / "static" / "fonts"
# The family every PDF template names; "Portail" so that no installed font can answer to it.
FONT_FAMILY = "Portail Sans"
MONO_FAMILY = "Portail Mono"
FONT_FILES = (
    # (family, weight, style, file under FONTS_DIR)
    (FONT_FAMILY, "normal", "normal", "liberation/LiberationSans-Regular.ttf"),
    (FONT_FAMILY, "bold", "normal", "liberation/LiberationSans-Bold.ttf"),
    (FONT_FAMILY, "normal", "italic", "liberation/LiberationSans-Italic.ttf"),
    (FONT_FAMILY, "bold", "italic", "liberation/LiberationSans-BoldItalic.ttf"),
    (MONO_FAMILY, "normal", "normal", "liberation/LiberationMono-Regular.ttf"),
)
FONT_FACES_CSS = "\n".join(
    f'@font-face {{ font-family: "{family}"; font-weight: {weight}; font-style: {style}; src: url("{path}"); }}'
    for family, weight, style, path in FONT_FILES
)
# PDF/A-3 (ISO 19005-3), level U: every character maps to Unicode (text can be searched and read
# aloud); tags on top give the structure PDF/UA asks for. Level A is not claimed: WeasyPrint
# does not check every A requirement (alternative texts of figures, for instance).
PDF_VARIANT = "pdf/a-3u"

TEMPLATES = {
    "award": "letters/award.html",
    "rejection": "letters/rejection.html",
    "agreement": "letters/agreement.html",
    "commitment": "letters/commitment.html",
    "appeal_upheld": "letters/appeal_upheld.html",
    "appeal_reopened": "letters/appeal_reopened.html",
    "amendment": "letters/amendment.html",
    "change_refused": "letters/change_refused.html",
    "receipt": "letters/receipt.html",
}

HARFBUZZ_SUBSET_MISSING = (
    "HarfBuzz-Subset (libharfbuzz-subset0) is missing: letters printed without it differ from one "
    "printing to the next. Run scripts/check_system.py for the packages to install."
)


class LetterPrintingError(RuntimeError):
    """The machine cannot print letters that are the same everywhere, or a template asked for a
    resource other than the shipped fonts."""


class ResourceRefused(ValueError):
    pass


def font_url_fetch(url: str) -> tuple[str, bytes]:
    """The one source of files while printing: a `file:` URL inside FONTS_DIR. Anything else
    (http, data, a file elsewhere, a path climbing out with ..) is refused."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise ResourceRefused(f"Only the shipped fonts may be used while printing a PDF, not {url!r}.")
    path = Path(unquote(parts.path)).resolve()
    root = FONTS_DIR.resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise ResourceRefused(f"{url!r} is not one of the fonts shipped in {root}.")
    return path.as_uri(), path.read_bytes()


@cache
def _weasyprint():
    """WeasyPrint and the fetcher class built on it, loaded on first use: loading Pango costs
    ~0.3 s at start-up."""
    import weasyprint
    from weasyprint.text.ffi import harfbuzz_subset
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class FontsOnlyFetcher(URLFetcher):
        def __init__(self):
            # fail_on_errors: a refused URL stops the rendering instead of printing without it.
            super().__init__(allowed_protocols=["file"], allow_redirects=False, fail_on_errors=True)

        def fetch(self, url, headers=None):
            final_url, body = font_url_fetch(url)
            return URLFetcherResponse(final_url, body, {"Content-Type": "font/ttf"})

    return weasyprint, FontsOnlyFetcher, harfbuzz_subset is not None


def fonts_only_fetcher():
    return _weasyprint()[1]()


def render_letter_html(template_name: str, context: dict[str, Any]) -> str:
    # Letters are French whatever the language of the request or worker that issues them.
    with translation.override("fr"):
        return render_to_string(template_name, context)


# The fonts, loaded once per thread and kept (see _fonts).
_printer = threading.local()


def _fonts():
    """(fetcher, FontConfiguration, @font-face sheet), built on the first print of a thread and
    reused for every later one. A FontConfiguration loads fontconfig's configuration, copies the
    five shipped fonts to a temporary folder and registers them, and its Pango font map caches
    the glyphs it has shaped: building one per letter cost ~20 ms of the ~125 ms of CPU a letter's
    PDF takes (bench/batch.py). Reusing it gives the same bytes (the subset fonts are made per
    document). Per thread rather than per process: Pango's font maps are not thread-safe, and the
    web server may print from several threads; a Celery prefork child has exactly one."""
    fonts = getattr(_printer, "fonts", None)
    if fonts is None:
        weasyprint, fetcher_class, _ = _weasyprint()
        fetcher = fetcher_class()
        config = weasyprint.text.fonts.FontConfiguration()
        faces = weasyprint.CSS(string=FONT_FACES_CSS, base_url=FONTS_DIR.as_uri() + "/", url_fetcher=fetcher,
                               font_config=config)
        fonts = _printer.fonts = (fetcher, config, faces)
    return fonts


def printing_warm_up() -> None:
    """Load WeasyPrint (Pango) and the fonts now, so that the first letter a worker prints does not
    pay for them (aid_portal.celery calls it when a worker process starts)."""
    if _weasyprint()[2]:
        _fonts()


def html_to_pdf(html: str, *, tagged: bool = True) -> bytes:
    """Print `html` to a tagged PDF/A-3u with the shipped fonts, fetching nothing else.
    Raises LetterPrintingError when HarfBuzz-Subset is missing or the HTML refers to anything
    but the shipped fonts.

    `tagged=False` leaves the tags out: for the payment run's listing, printed in parts and joined
    (payments.pdf says why it is not tagged)."""
    weasyprint, _, has_harfbuzz_subset = _weasyprint()
    if not has_harfbuzz_subset:
        raise LetterPrintingError(HARFBUZZ_SUBSET_MISSING)
    fetcher, fonts, faces = _fonts()
    try:
        return weasyprint.HTML(string=html, base_url=FONTS_DIR.as_uri() + "/", url_fetcher=fetcher).write_pdf(
            stylesheets=[faces], font_config=fonts, pdf_variant=PDF_VARIANT, pdf_tags=tagged,
        )
    except weasyprint.urls.FatalURLFetchingError as error:
        raise LetterPrintingError(str(error.__cause__ or error)) from error


def render_award_html(context: dict[str, Any]) -> str:
    return render_letter_html(TEMPLATES["award"], context)


def render_rejection_html(context: dict[str, Any]) -> str:
    return render_letter_html(TEMPLATES["rejection"], context)


def render_agreement_html(context: dict[str, Any]) -> str:
    return render_letter_html(TEMPLATES["agreement"], context)


def render_commitment_html(context: dict[str, Any]) -> str:
    return render_letter_html(TEMPLATES["commitment"], context)


def render_appeal_upheld_html(context: dict[str, Any]) -> str:
    return render_letter_html(TEMPLATES["appeal_upheld"], context)


def render_appeal_reopened_html(context: dict[str, Any]) -> str:
    return render_letter_html(TEMPLATES["appeal_reopened"], context)


def render_amendment_html(context: dict[str, Any]) -> str:
    return render_letter_html(TEMPLATES["amendment"], context)


def render_change_refused_html(context: dict[str, Any]) -> str:
    return render_letter_html(TEMPLATES["change_refused"], context)


def render_receipt_html(context: dict[str, Any]) -> str:
    """The acknowledgement of receipt (applications/receipts.py), from its stored context."""
    return render_letter_html(TEMPLATES["receipt"], context)


RENDERERS = {
    "award": render_award_html,
    "rejection": render_rejection_html,
    "agreement": render_agreement_html,
    "commitment": render_commitment_html,
    "appeal_upheld": render_appeal_upheld_html,
    "appeal_reopened": render_appeal_reopened_html,
    "amendment": render_amendment_html,
    "change_refused": render_change_refused_html,
}
