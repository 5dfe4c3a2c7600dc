"""The payment run's listing printed in parts and joined (payments.pdf.run_listing_pdf): every line
once, in order, numbered on from one part to the next; the summary at the head and the total at
the foot once, for all the lines; "Page X / N" on every page; the same text as the listing printed
as one document. Parts of a few lines here, so that a listing of eleven crosses two boundaries."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

from pypdf import PdfReader

from applications.pdf import html_to_pdf
from payments.pdf import render_run_listing_html, run_listing_pdf
from payments.selectors import TransferLine
from tests.pdf_inspect import pdf_facts

NBSP, NNBSP = "\u00a0", "\u202f"  # before "€"; between thousands (schemes.engine.money.euros)


def listing(count: int) -> dict:
    """What selectors.run_listing gives, for `count` lines of 140 € (11 lines: 1 540,00 €)."""
    lines = [
        TransferLine(reference=f"HG-2025-{i:06d}", beneficiary=f"Bénéficiaire {i:03d} Lefèvre",
                     iban_masked="•••• 0189", label=f"Aide mensuelle {i}/12", amount=Decimal("140.00"),
                     end_to_end=f"I{i}", application_id=i)
        for i in range(1, count + 1)
    ]
    total = sum((line.amount for line in lines), Decimal("0.00"))
    return {"authority": "Département de la Haute-Garonne", "reference": "PR-2025-0042",
            "execution_date": date(2025, 7, 3), "status": "prepared", "status_label": "Préparé",
            "created_at": None, "confirmed_on": None, "lines": lines, "count": count, "total": total,
            "lines_total": total}


def printed(context: dict, **kwargs) -> tuple[int, bytes, list[str]]:
    out = BytesIO()
    pages = run_listing_pdf(context, out=out, **kwargs)
    data = out.getvalue()
    return pages, data, [page.extract_text() for page in PdfReader(BytesIO(data)).pages]


def body(texts: list[str]) -> list[str]:
    """The text lines of the pages without what every page repeats: the table's head, and the foot
    (the last line drawn: the run's name, then the page number where there is one)."""
    out = []
    for text in texts:
        lines = [line for line in text.splitlines() if line.strip() and not line.startswith("N° Dossier")]
        out += lines[:-1] if lines[-1].startswith("Lot de paiement PR-2025-0042") else lines
    return out


def test_a_listing_in_parts_has_every_line_once_in_order_and_numbered_on():
    pages, data, texts = printed(listing(11), lines_per_part=4)
    whole = "\n".join(texts)
    # The parts of 4, 4 and 3 lines each begin a page: 3 pages, each numbered out of 3.
    assert pages == len(texts) == 3
    for number, text in enumerate(texts, start=1):
        assert text.rstrip().endswith(f"Lot de paiement PR-2025-0042 Page {number} / 3"), text[-80:]
        assert "N° Dossier Bénéficiaire IBAN Libellé Montant" in text  # each part repeats the table's head
    # Every beneficiary once, in the run's order, numbered on across the parts' boundaries.
    positions = []
    for i in range(1, 12):
        assert whole.count(f"Bénéficiaire {i:03d}") == 1, i
        assert re.search(rf"^{i} HG-2025-{i:06d} Bénéficiaire {i:03d} Lefèvre", whole, re.MULTILINE), i
        positions.append(whole.index(f"Bénéficiaire {i:03d}"))
    assert positions == sorted(positions)
    # The summary opens the first page only, the total and the signatures close the last only,
    # with the count and the sum of all eleven lines (French formatting).
    total = f"1{NNBSP}540,00{NBSP}€"
    assert texts[0].count("Nombre de virements 11") == 1 and f"Montant total {total}" in texts[0]
    assert "Nombre de virements" not in texts[1] + texts[2]
    assert whole.count(f"Total (11 virements) {total}") == 1 and f"Total (11 virements) {total}" in texts[2]
    assert whole.count("Arrêté le présent état") == 1 and f"à la somme de {total} (11 virements)" in texts[2]
    assert whole.count("Le comptable public (paierie)") == 1
    # Joined, still a PDF/A-3u with the shipped fonts only (the first part's identification).
    facts = pdf_facts(data)
    assert (facts.pdfa_part, facts.pdfa_conformance, facts.lang) == ("3", "U", "fr")
    assert facts.fonts and all(f.startswith(("Portail-Sans", "Portail-Mono")) for f in facts.fonts), facts.fonts


def test_the_parts_say_what_one_document_says():
    context = listing(11)
    _, _, in_parts = printed(context, lines_per_part=4)
    _, _, in_one_part = printed(context)
    alone = [page.extract_text() for page in PdfReader(BytesIO(html_to_pdf(render_run_listing_html(context)))).pages]
    assert body(in_parts) == body(in_one_part) == body(alone)


def test_a_small_listing_is_one_part_numbered_page_1_of_1():
    pages, _, texts = printed(listing(3))
    assert pages == 1 and texts[0].rstrip().endswith("Page 1 / 1")
    assert [line.split(" ")[0] for line in body(texts) if "HG-2025-" in line] == ["1", "2", "3"]
    assert f"Total (3 virements) 420,00{NBSP}€" in texts[0]


def test_a_listing_as_long_as_a_part_makes_no_empty_part():
    pages, _, texts = printed(listing(8), lines_per_part=4)
    assert pages == 2 and texts[1].rstrip().endswith("Page 2 / 2")
    assert "Total (8 virements)" in texts[1] and "Aucun virement" not in "".join(texts)


def test_a_run_without_lines_says_so_with_its_zero_total():
    pages, _, texts = printed(listing(0), lines_per_part=4)
    assert pages == 1 and texts[0].rstrip().endswith("Page 1 / 1")
    assert "Aucun virement (lot annulé)." in texts[0] and "Nombre de virements 0" in texts[0]
    # Django's pluralize, as the listing always said it: "0 virements".
    assert f"Total (0 virements) 0,00{NBSP}€" in texts[0]
