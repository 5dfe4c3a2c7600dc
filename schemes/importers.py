"""Imports of the reference tables from CSV files, and the loading of the shipped fixtures.

    result = reference_import(table="zoning", source=open("zonage.csv", "rb"))
    result = zoning_import(source=text, replace=True)

A file is read whole and every line is checked before anything is written: one bad line and
`ImportRejected` lists every problem as `line N: column: message` (N is the physical line of
the file, the header being line 1) while the table stays exactly as it was. A good file is
written in one transaction with `bulk_create` / `bulk_update`, either merged into the table by
its natural key (the default) or replacing the whole table (`replace=True`).

The files are UTF-8 (a BOM, as spreadsheets write it, is accepted) with a header row; the
separator, `;` or `,`, is read from the header. docs/reference-data.md documents the columns.
Messages are in French: the people who fix the files are the Region's and departments' staff.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

import pycountry
from django.db import IntegrityError, models, transaction

from .engine.parameters import ParameterError, parse_value
from .models import OdaCountry, Parameter, PartnerRegion, PegasusInstitution, Scheme, ZoningEntry

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
PARAMETERS_FIXTURE = FIXTURES_DIR / "parameters.json"

_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE = {"true", "1", "yes", "oui", "vrai", "x"}
_FALSE = {"false", "0", "no", "non", "faux"}
FILE = "(fichier)"
HEADER = "(en-tête)"
ROW = "(ligne)"


# --- Results and errors -------------------------------------------------------------------
@dataclass(frozen=True)
class LineError:
    """One problem of one line; `line` is None when it concerns the file as a whole."""

    line: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.column}: {self.message}"


class ImportRejected(Exception):
    """Nothing was written; `errors` says why, line by line."""

    def __init__(self, errors: Iterable[LineError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass(frozen=True)
class ImportResult:
    table: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    def __str__(self) -> str:
        return (
            f"{self.table}: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.deleted} deleted"
        )


# --- Field checks (also used by the admin forms) -------------------------------------------
def check_country(value: str) -> str:
    """An ISO 3166-1 alpha-2 code known to pycountry, upper-cased; ValueError otherwise."""
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code):
        raise ValueError("code pays ISO 3166-1 alpha-2 attendu (ex. ES)")
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"code pays inconnu : {code}")
    return code


def check_subdivision(value: str, country: str | None) -> str:
    """An ISO 3166-2 code known to pycountry and belonging to `country` (when given)."""
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}-[A-Z0-9]{1,3}", code):
        raise ValueError("code de subdivision ISO 3166-2 attendu (ex. ES-CT)")
    subdivision = pycountry.subdivisions.get(code=code)
    if subdivision is None:
        raise ValueError(f"subdivision inconnue : {code}")
    if country and subdivision.country_code != country:
        raise ValueError(f"la subdivision {code} n'appartient pas au pays {country}")
    return code


class _Line:
    """The cells of one data line, read column by column; problems are collected, not raised,
    so that one pass reports every bad cell of the file."""

    def __init__(self, number: int, cells: dict[str, str]):
        self.number = number
        self.cells = cells
        self.errors: list[LineError] = []

    def error(self, column: str, message: str) -> None:
        self.errors.append(LineError(self.number, column, message))

    def text(self, column: str, *, max_length: int, required: bool = True) -> str:
        value = self.cells.get(column, "").strip()
        if not value and required:
            self.error(column, "valeur obligatoire")
        elif len(value) > max_length:
            self.error(column, f"au plus {max_length} caractères ({len(value)} ici)")
        return value

    def date(self, column: str, *, required: bool = True) -> date | None:
        value = self.cells.get(column, "").strip()
        if not value:
            if required:
                self.error(column, "date obligatoire (AAAA-MM-JJ)")
            return None
        if not _ISO_DATE.match(value):
            self.error(column, f"date attendue au format AAAA-MM-JJ : « {value} »")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.error(column, f"date inexistante : « {value} »")
            return None

    def period(self, values: dict[str, Any]) -> dict[str, Any]:
        """Adds valid_from and valid_to to `values`, the end not before the start."""
        start, end = self.date("valid_from"), self.date("valid_to", required=False)
        if start and end and end < start:
            self.error("valid_to", "la fin de validité précède son début (valid_from)")
        return {**values, "valid_from": start, "valid_to": end}

    def checked(self, column: str, check: Callable[[str], str], *, required: bool = True) -> str:
        value = self.cells.get(column, "").strip()
        if not value:
            if required:
                self.error(column, "valeur obligatoire")
            return ""
        try:
            return check(value)
        except ValueError as exc:
            self.error(column, str(exc))
            return ""

    def boolean(self, column: str, *, default: bool) -> bool:
        value = self.cells.get(column, "").strip().lower()
        if not value:
            return default
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        self.error(column, f"oui/non attendu (true, false, 1, 0) : « {value} »")
        return default


# --- One description per table ------------------------------------------------------------
def _insee(value: str) -> str:
    code = value.upper()
    if not _INSEE.match(code):
        raise ValueError(f"code INSEE de commune attendu, 5 caractères (ex. 31555) : « {value} »")
    return code


def _category(value: str) -> str:
    category = value.lower()
    if category not in ZoningEntry.Category.values:
        raise ValueError(f"catégorie attendue : zip, zac ou none : « {value} »")
    return category


def _zoning_row(line: _Line) -> dict[str, Any]:
    return line.period(
        {
            "commune_insee": line.checked("commune_insee", _insee),
            "commune_name": line.text("commune_name", max_length=120),
            "category": line.checked("category", _category),
        }
    )


def _partner_row(line: _Line) -> dict[str, Any]:
    name = line.text("name", max_length=160)
    country = line.checked("country", check_country)
    return line.period(
        {
            "name": name,
            "country": country,
            # Checked against the country only when the country itself is valid, so that one
            # wrong country code is not reported twice.
            "subdivision": line.checked(
                "subdivision", lambda v: check_subdivision(v, country or None), required=False
            ),
        }
    )


def _oda_row(line: _Line) -> dict[str, Any]:
    return line.period(
        {
            "country": line.checked("country", check_country),
            "name": line.text("name", max_length=120),
        }
    )


def _pegasus_row(line: _Line) -> dict[str, Any]:
    return {
        "name": line.text("name", max_length=200),
        "country": line.checked("country", check_country),
        "city": line.text("city", max_length=120, required=False),
        "active": line.boolean("active", default=True),
    }


@dataclass(frozen=True)
class Table:
    name: str
    model: type[models.Model]
    required: tuple[str, ...]
    optional: tuple[str, ...]
    key: tuple[str, ...]
    parse: Callable[[_Line], dict[str, Any]] = field(repr=False)
    fixture: str = ""

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "zoning",
            ZoningEntry,
            required=("commune_insee", "commune_name", "category", "valid_from"),
            optional=("valid_to",),
            key=("commune_insee", "valid_from"),
            parse=_zoning_row,
            fixture="zoning_ars_occitanie.csv",
        ),
        Table(
            "partner_regions",
            PartnerRegion,
            required=("name", "country", "valid_from"),
            optional=("subdivision", "valid_to"),
            key=("country", "subdivision", "valid_from"),
            parse=_partner_row,
            fixture="partner_regions.csv",
        ),
        Table(
            "oda",
            OdaCountry,
            required=("country", "name", "valid_from"),
            optional=("valid_to",),
            key=("country", "valid_from"),
            parse=_oda_row,
            fixture="oda_countries.csv",
        ),
        Table(
            "pegasus",
            PegasusInstitution,
            required=("name", "country"),
            optional=("city", "active"),
            key=("name",),
            parse=_pegasus_row,
            fixture="pegasus_institutions.csv",
        ),
    )
}


# --- Reading ------------------------------------------------------------------------------
def _decode(source: str | bytes | IO[Any]) -> str:
    """The file's text; a BOM is dropped. Raises ImportRejected for a non-UTF-8 file."""
    data = source if isinstance(source, (str, bytes, bytearray)) else None
    if data is None:
        try:
            data = source.read()
        except UnicodeDecodeError as exc:
            # A text-mode file opened with the wrong encoding: the position is unknown here.
            raise ImportRejected([LineError(None, FILE, _not_utf8(exc))]) from None
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = bytes(data)[: exc.start].count(b"\n") + 1
            raise ImportRejected([LineError(line, FILE, _not_utf8(exc))]) from None
    return data.removeprefix("\ufeff")


def _not_utf8(exc: UnicodeDecodeError) -> str:
    byte = exc.object[exc.start]
    return f"fichier non encodé en UTF-8 (octet 0x{byte:02x}) : enregistrez-le en « CSV UTF-8 »"


def _read_rows(table: Table, text: str) -> list[tuple[int, dict[str, Any]]]:
    """Every data line parsed, with its physical line number; ImportRejected lists every
    problem of the file when there is any."""
    expected = ", ".join(table.columns)
    if not text.strip():
        message = f"fichier vide : une ligne d'en-tête est attendue ({expected})"
        raise ImportRejected([LineError(1, FILE, message)])
    first_line = text.splitlines()[0]
    # The header names contain neither separator, so counting them on the header is reliable
    # where csv.Sniffer, which guesses from the data, is thrown off by commas in names.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    errors: list[LineError] = []
    try:
        header = [h.strip().lower() for h in next(reader)]
        missing = [c for c in table.required if c not in header]
        unknown = [h for h in header if h not in table.columns]
        doubled = sorted({h for h in header if h and header.count(h) > 1})
        if missing:
            message = f"colonnes manquantes : {', '.join(missing)} (attendues : {expected})"
            errors.append(LineError(1, HEADER, message))
        if unknown:
            # Refused rather than ignored: a misspelt optional column (valid_too) would
            # otherwise be dropped silently.
            message = f"colonnes inconnues : {', '.join(unknown)} (attendues : {expected})"
            errors.append(LineError(1, HEADER, message))
        if doubled:
            errors.append(LineError(1, HEADER, f"colonnes en double : {', '.join(doubled)}"))
        if errors:
            raise ImportRejected(errors)

        rows: list[tuple[int, dict[str, Any]]] = []
        seen: dict[tuple, int] = {}
        last = reader.line_num
        for cells in reader:
            number, last = last + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            line = _Line(number, dict(zip(header, cells, strict=False)))
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
                line.error(
                    ROW, f"{len(cells)} champs pour {len(header)} colonnes (séparateur {delimiter})"
                )
            values = table.parse(line)
            if not line.errors:
                key = tuple(values[k] for k in table.key)
                if key in seen:
                    where = ", ".join(table.key)
                    line.error(table.key[0], f"doublon de la ligne {seen[key]} ({where})")
                else:
                    seen[key] = number
            errors.extend(line.errors)
            rows.append((number, values))
    except csv.Error as exc:
        errors.append(LineError(reader.line_num, ROW, f"ligne CSV illisible : {exc}"))
    if errors:
        raise ImportRejected(errors)
    if not rows:
        raise ImportRejected([LineError(None, FILE, "aucune ligne de données après l'en-tête")])
    return rows


# --- Writing ------------------------------------------------------------------------------
def _write(
    table: Table, rows: list[dict[str, Any]], *, replace: bool, overwrite: bool
) -> ImportResult:
    model = table.model
    with transaction.atomic():
        if replace:
            _, per_model = model.objects.all().delete()
            model.objects.bulk_create([model(**values) for values in rows])
            return ImportResult(
                table.name, created=len(rows), deleted=per_model.get(model._meta.label, 0)
            )
        # Locks the rows an admin might be editing at the same time (PostgreSQL; SQLite
        # serialises writers anyway). Ordered by pk: one lock order for every writer.
        existing: dict[tuple, models.Model] = {}
        for obj in model.objects.select_for_update().order_by("pk"):
            existing.setdefault(tuple(getattr(obj, k) for k in table.key), obj)
        to_create, to_update, changed_fields, unchanged = [], [], set(), 0
        for values in rows:
            obj = existing.get(tuple(values[k] for k in table.key))
            if obj is None:
                to_create.append(model(**values))
                continue
            changed = [f for f, v in values.items() if getattr(obj, f) != v]
            if not changed or not overwrite:
                unchanged += 1
                continue
            for f in changed:
                setattr(obj, f, values[f])
            changed_fields.update(changed)
            to_update.append(obj)
        model.objects.bulk_create(to_create)
        if to_update:
            model.objects.bulk_update(to_update, sorted(changed_fields))
        return ImportResult(
            table.name, created=len(to_create), updated=len(to_update), unchanged=unchanged
        )


def reference_import(
    *, table: str, source: str | bytes | IO[Any], replace: bool = False, overwrite: bool = True
) -> ImportResult:
    """Check a whole CSV file, then write it to `table` in one transaction.

    `source`: the file's content (str or bytes) or a file object, binary or text.
    `replace`: delete every row of the table first (the file becomes the table).
    `overwrite=False`: merge, but leave the rows already present untouched (only add the
    missing ones); this is how the shipped fixtures are loaded, so that a row an
    administrator corrected in the admin survives every `load_reference_data`.
    Raises ImportRejected (nothing written) when any line is wrong.
    """
    if replace and not overwrite:
        raise ValueError("replace=True deletes every row: overwrite=False makes no sense with it")
    spec = TABLES[table]
    numbered = _read_rows(spec, _decode(source))
    try:
        return _write(
            spec, [values for _, values in numbered], replace=replace, overwrite=overwrite
        )
    except IntegrityError as exc:
        # Only a concurrent writer can get here: the file itself has no duplicate key.
        message = f"écriture refusée par la base, réessayez : {exc}"
        raise ImportRejected([LineError(None, "(base)", message)]) from exc


def zoning_import(*, source, replace: bool = False, overwrite: bool = True) -> ImportResult:
    return reference_import(table="zoning", source=source, replace=replace, overwrite=overwrite)


def partner_regions_import(
    *, source, replace: bool = False, overwrite: bool = True
) -> ImportResult:
    return reference_import(
        table="partner_regions", source=source, replace=replace, overwrite=overwrite
    )


def oda_countries_import(*, source, replace: bool = False, overwrite: bool = True) -> ImportResult:
    return reference_import(table="oda", source=source, replace=replace, overwrite=overwrite)


def pegasus_institutions_import(
    *, source, replace: bool = False, overwrite: bool = True
) -> ImportResult:
    return reference_import(table="pegasus", source=source, replace=replace, overwrite=overwrite)


# --- Shipped fixtures ---------------------------------------------------------------------
def parameters_load_missing(*, path: Path = PARAMETERS_FIXTURE) -> ImportResult:
    """Insert the dated parameters of the fixture that are not in the table yet.

    Same rule as migration 0002: a (scheme, key, valid_from) already present is never
    touched, so a value an administrator changed is kept. Every value is checked first.
    """
    entries = json.loads(path.read_text(encoding="utf-8"))["parameters"]
    schemes = {s.code: s for s in Scheme.objects.all()}
    errors = []
    for index, entry in enumerate(entries):
        where = f"parameters[{index}]"
        if entry["scheme"] not in schemes:
            message = f"dispositif {entry['scheme']} absent : lancez migrate"
            errors.append(LineError(None, f"{where}.scheme", message))
            continue
        try:
            parse_value(entry["scheme"], entry["key"], entry["value"])
            date.fromisoformat(entry["valid_from"])
        except (ParameterError, ValueError) as exc:
            errors.append(LineError(None, f"{where}.{entry['key']}", str(exc)))
    if errors:
        raise ImportRejected(errors)
    created = 0
    with transaction.atomic():
        for entry in entries:
            _, was_created = Parameter.objects.get_or_create(
                scheme=schemes[entry["scheme"]],
                key=entry["key"],
                valid_from=date.fromisoformat(entry["valid_from"]),
                defaults={"value": entry["value"], "source": entry.get("source", "")},
            )
            created += was_created
    return ImportResult("parameters", created=created, unchanged=len(entries) - created)


def reference_data_load(*, overwrite: bool = False) -> list[ImportResult]:
    """Load every shipped fixture (the four CSV tables, then the parameters), all or nothing.

    Idempotent: a second run creates nothing. Never deletes a row; with the default
    `overwrite=False` never changes one either (see reference_import).
    """
    with transaction.atomic():
        results = [
            reference_import(
                table=t.name, source=(FIXTURES_DIR / t.fixture).read_bytes(), overwrite=overwrite
            )
            for t in TABLES.values()
        ]
        results.append(parameters_load_missing())
    return results
