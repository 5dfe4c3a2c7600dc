"""The payment run's listing for the treasury (STYLE 10).

`render_run_listing_html(context, ...)` renders `templates/payments/runs/listing_pdf.html` from
selectors.run_listing(), whole or a slice of its lines; `run_listing_pdf(context, out=...)` prints
it with `html_to_pdf` (shared with the letters, applications.pdf: WeasyPrint, PDF/A-3u, the
shipped fonts, fetching nothing) and writes it to a file.

Printed as one document, a listing cost about 0.15 MiB of memory a line, held until the whole
layout was written: 1.5 GiB for the 10,000 transfers of a departmental run (README, "Batch work
at 100,000 files"). So it is printed in parts of LINES_PER_PART lines, each laid out, written and
let go before the next, and the parts are joined with pypdf: the first part opens with the run's
summary, the last closes with the total and the signatures, every part repeats the table's head
and prints the run's name at the foot of its pages. What a part cannot know, how many pages the
whole listing has, is printed last: blank pages bearing only "Page X / N", laid over the joined
pages. A part ends its last page where its lines end, so the listing may run a page longer per
part than one document would; its lines, their order, their numbers and its totals are the same.

The listing is not tagged, unlike the letters. Joining tagged parts means joining their structure
trees, about 16 elements a line, and pypdf keeps each as a Python object until it writes the file
(measured: 0.08 MiB a line, as much memory as the layout the parts save) and writes them without
object streams (6 times the file). The same lines, for a screen reader or a spreadsheet, are in
the run's CSV listing (payments.exports).
"""

from __future__ import annotations

from io import BytesIO
from typing import IO, Any

from django.template.loader import render_to_string
from django.utils import translation
from pypdf import PdfReader, PdfWriter

from applications.pdf import html_to_pdf

__all__ = ["LINES_PER_PART", "render_run_listing_html", "run_listing_pdf"]

# Lines a part holds: about 20 A4 pages, and (measured) about 60 MiB of layout at a time. Smaller
# parts bound the memory lower but end more pages early; larger ones hold more layout at once.
LINES_PER_PART = 500


def render_run_listing_html(context: dict[str, Any], *, offset: int = 0, stop: int | None = None) -> str:
    """The listing's lines [offset:stop] as one document (all of them by default), numbered from
    offset + 1. The part holding the first line opens with the run's summary, the part holding
    the last closes with the total and the signatures; both are those of all the lines."""
    lines = context["lines"]
    part = {
        **context,
        "part_lines": lines[offset:stop],
        "offset": offset,
        "last": stop is None or stop >= len(lines),
        "lines_count": len(lines),
    }
    # The listing goes to the (French) treasury whatever the officer's interface language.
    with translation.override("fr"):
        return render_to_string("payments/runs/listing_pdf.html", part)


def run_listing_pdf(context: dict[str, Any], *, out: IO[bytes], lines_per_part: int | None = None) -> int:
    """Print the listing of selectors.run_listing() to `out` (a binary file) in parts of
    `lines_per_part` lines (LINES_PER_PART by default); returns its number of pages.

    One part's layout is in memory at a time; what stays until the file is written is the joined
    pages as pypdf objects (their compressed contents and the parts' font subsets)."""
    size = lines_per_part or LINES_PER_PART
    lines = context["lines"]
    writer: PdfWriter | None = None
    # range(0, 1, size) for a run without lines: one part, saying so, with its zero total.
    for offset in range(0, max(len(lines), 1), size):
        html = render_run_listing_html(context, offset=offset, stop=offset + size)
        part = PdfReader(BytesIO(html_to_pdf(html, tagged=False)))
        if writer is None:
            # The first part gives the joined PDF its catalog: PDF/A identification, title, language.
            writer = PdfWriter(clone_from=part)
        else:
            for page in part.pages:
                writer.add_page(page)
    assert writer is not None
    _number_pages(writer, reference=context["reference"])
    writer.write(out)
    return len(writer.pages)


def _number_pages(writer: PdfWriter, *, reference: str) -> None:
    """Lay "Page X / N" over each page, from a document of N blank pages printed with the
    listing's own page rule, so that the numbers fall where a single document put them."""
    html = render_to_string("payments/runs/listing_pdf_pages.html",
                            {"reference": reference, "pages": range(len(writer.pages))})
    numbers = PdfReader(BytesIO(html_to_pdf(html, tagged=False)))
    if len(numbers.pages) != len(writer.pages):
        raise RuntimeError(f"{len(numbers.pages)} page numbers printed for {len(writer.pages)} pages.")
    for page, overlay in zip(writer.pages, numbers.pages, strict=True):
        page.merge_page(overlay)
        # merge_page leaves the page's content decoded: compressed again, the PDF keeps its size.
        page.compress_content_streams()
