"""The payment run's listing as CSV, for the officer's own checks. Same format and the same
formula-injection guard as the officer queue's export (applications.exports): a beneficiary
named "=HYPERLINK(...)" stays text. Streamed line by line, with the total counted on the way:
a run of 100,000 transfers is never held in memory."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from applications.exports import table_csv_stream
from schemes.engine.money import ZERO

from .selectors import TransferLine

HEADERS = [
    "Référence du dossier",
    "Bénéficiaire",
    "IBAN (4 derniers caractères)",
    "Libellé",
    "Montant (EUR)",
    "Identifiant de bout en bout",
]


def _rows(lines: Iterable[TransferLine]) -> Iterator[list]:
    count, total = 0, ZERO
    for line in lines:
        count, total = count + 1, total + line.amount
        yield [line.reference, line.beneficiary, line.iban_masked, line.label, line.amount, line.end_to_end]
    yield ["Total", f"{count} virement(s)", "", "", total, ""]


def run_listing_csv_stream(lines: Iterable[TransferLine]) -> Iterator[bytes]:
    """UTF-8 with a BOM and `;` as delimiter (what French Excel opens by double-click); one line
    per transfer, then the total."""
    return table_csv_stream(HEADERS, _rows(lines))
