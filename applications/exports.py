"""CSV and XLSX exports of the officer queue (same filters as the screen).

Spreadsheet programs run a cell that starts with = + - @ (or a tab / carriage return) as a
formula: a student's name such as "=HYPERLINK(...)" would then execute on the officer's machine
(CSV/formula injection, OWASP). Every text cell is neutralised with a leading quote.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

from django.utils import timezone

from .models import Application

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
    """Typed rows (str, int, date, Decimal or None): each format renders them its own way."""
    from schemes.forms import AID_CHOICES

    aids = {code: str(label) for code, label in AID_CHOICES}
    for app in applications:
        submitted = timezone.localtime(app.submitted_at).date() if app.submitted_at else None
        yield [
            app.reference or "",
            app.last_name or app.student.last_name,
            app.first_name or app.student.first_name,
            app.scheme.name,
            aids.get(app.aid, app.aid),
            app.get_state_display(),
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


def applications_csv(applications: Iterable[Application]) -> bytes:
    """UTF-8 with a BOM and `;` as delimiter: what French Excel opens correctly by double-click."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in rows(applications):
        writer.writerow([csv_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def applications_xlsx(applications: Iterable[Application]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Demandes")
    header = []
    for title in HEADERS:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for row in rows(applications):
        out = []
        for value in row:
            if isinstance(value, str):
                # openpyxl stores a string starting with "=" as a formula: neutralise it.
                cell = WriteOnlyCell(ws, value=neutralise(value))
                cell.data_type = "s"
            elif isinstance(value, date):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = "DD/MM/YYYY"
            elif isinstance(value, Decimal):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = "#,##0.00"
            else:
                cell = WriteOnlyCell(ws, value=value)
            out.append(cell)
        ws.append(out)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- Any table (the decision act, the dashboards' tables) ------------------------------------
def table_csv(headers: list[str], rows: Iterable[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def table_xlsx(sheet: str, headers: list[str], rows: Iterable[list]) -> bytes:
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
                cell = WriteOnlyCell(ws, value=neutralise(value))
                cell.data_type = "s"  # never a formula
            else:
                cell = WriteOnlyCell(ws, value=value)
                if isinstance(value, date):
                    cell.number_format = "DD/MM/YYYY"
                elif isinstance(value, Decimal):
                    cell.number_format = "#,##0.00"
            out.append(cell)
        ws.append(out)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
