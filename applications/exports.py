"""CSV and XLSX exports of the officer queue (same filters as the screen), and of any table.

An authority's queue may hold 100,000 files: exports run in constant memory. The rows are read
with a server-side cursor in chunks (`QuerySet.iterator(chunk_size=CHUNK_SIZE)`: the same one
query whatever the number of rows); CSV is sent as it is written (a StreamingHttpResponse over
`*_csv_stream`); XLSX is written by openpyxl's write-only workbook to a temporary file, sent
from there (`*_xlsx_file`, a FileResponse). bench/exports.py measures the peak.

Spreadsheet programs run a cell that starts with = + - @ (or a tab / carriage return) as a
formula: a student's name such as "=HYPERLINK(...)" would then execute on the officer's machine
(CSV/formula injection, OWASP). Every text cell is neutralised with a leading quote.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import IO

from django.db.models import QuerySet
from django.utils import timezone

from .models import Application
from .states import State

# Rows fetched per round trip of the server-side cursor, and CSV rows per chunk sent.
CHUNK_SIZE = 2000
CSV_ROWS_PER_CHUNK = 500
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HEADERS = [
    "Référence",
    "Nom",
    "Prénom",
    "Dispositif",
    "Aide",
    "État",
    "Année universitaire",
    "Établissement",
    "Déposée le",
    "Montant estimé (EUR)",
]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def rows(applications: Iterable[Application]) -> Iterator[list]:
    """Typed rows (str, int, date, Decimal or None): each format renders them its own way.
    A queryset is read in chunks, never held whole."""
    from schemes.forms import AID_CHOICES

    aids = {code: str(label) for code, label in AID_CHOICES}
    # Translated once: get_state_display() translates its lazy label again on every row.
    states = {state.value: str(state.label) for state in State}
    if isinstance(applications, QuerySet):
        applications = applications.iterator(chunk_size=CHUNK_SIZE)
    for app in applications:
        submitted = timezone.localtime(app.submitted_at).date() if app.submitted_at else None
        yield [
            app.reference or "",
            app.last_name or app.student.last_name,
            app.first_name or app.student.first_name,
            app.scheme.name,
            aids.get(app.aid, app.aid),
            states.get(app.state, app.state),
            f"{app.academic_year}-{app.academic_year + 1}" if app.academic_year else "",
            app.establishment.name if app.establishment else "",
            submitted,
            app.estimate_amount,
        ]


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        # French Excel reads a decimal comma; amounts are never negative (database constraint).
        return f"{value:.2f}".replace(".", ",")
    return neutralise(str(value))


class _Lines:
    """What csv.writer writes to: keeps the lines until the next chunk is sent."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, line: str) -> None:
        self.lines.append(line)

    def take(self) -> bytes:
        chunk, self.lines = "".join(self.lines).encode("utf-8"), []
        return chunk


def table_csv_stream(headers: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """UTF-8 with a BOM and `;` as delimiter: what French Excel opens correctly by double-click.
    Yields the file in chunks of CSV_ROWS_PER_CHUNK lines."""
    out = _Lines()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow(headers)
    for count, row in enumerate(rows, start=1):
        writer.writerow([csv_cell(v) for v in row])
        if count % CSV_ROWS_PER_CHUNK == 0:
            yield out.take()
    yield out.take()


def table_xlsx_file(sheet: str, headers: list[str], rows: Iterable[list]) -> IO[bytes]:
    """The workbook in a temporary file (deleted once closed), positioned at its start.

    openpyxl's write-only mode streams each row to disk as it is appended; saving to a file
    rather than to memory keeps the zipped result out of memory too."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    header = []
    for title in headers:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for row in rows:
        out = []
        for value in row:
            if isinstance(value, str):
                # openpyxl stores a string starting with "=" as a formula: neutralise it.
                cell = WriteOnlyCell(ws, value=neutralise(value))
                cell.data_type = "s"
            else:
                cell = WriteOnlyCell(ws, value=value)
                if isinstance(value, date):
                    cell.number_format = "DD/MM/YYYY"
                elif isinstance(value, Decimal):
                    cell.number_format = "#,##0.00"
            out.append(cell)
        ws.append(out)
    file = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        wb.save(file)
    except BaseException:
        file.close()
        raise
    file.seek(0)
    return file


# --- The officer queue ---------------------------------------------------------------------
def applications_csv_stream(applications: Iterable[Application]) -> Iterator[bytes]:
    return table_csv_stream(HEADERS, rows(applications))


def applications_xlsx_file(applications: Iterable[Application]) -> IO[bytes]:
    return table_xlsx_file("Demandes", HEADERS, rows(applications))


# --- Whole files, for small tables (a session's decision act) -----------------------------
def table_csv(headers: list[str], rows: Iterable[list]) -> bytes:
    return b"".join(table_csv_stream(headers, rows))


def table_xlsx(sheet: str, headers: list[str], rows: Iterable[list]) -> bytes:
    with table_xlsx_file(sheet, headers, rows) as file:
        return file.read()
