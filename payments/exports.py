"""The payment run's listing as CSV, for the officer's own checks. Same format and the same
formula-injection guard as the officer queue's export (applications.exports): a beneficiary
named "=HYPERLINK(...)" stays text."""

from __future__ import annotations

import csv
import io
from typing import Any

from applications.exports import csv_cell

HEADERS = [
    "Référence du dossier",
    "Bénéficiaire",
    "IBAN (4 derniers caractères)",
    "Libellé",
    "Montant (EUR)",
    "Identifiant de bout en bout",
]


def run_listing_csv(listing: dict[str, Any]) -> bytes:
    """UTF-8 with a BOM and `;` as delimiter (what French Excel opens by double-click); one line
    per transfer, then the total."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    for line in listing["lines"]:
        row = [line.reference, line.beneficiary, line.iban_masked, line.label, line.amount, line.end_to_end]
        writer.writerow([csv_cell(v) for v in row])
    writer.writerow(
        [csv_cell(v) for v in ["Total", f"{len(listing['lines'])} virement(s)", "", "", listing["lines_total"], ""]]
    )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
