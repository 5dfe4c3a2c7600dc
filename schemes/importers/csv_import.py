"""Reading a CSV file whole, checking every line, then writing it in one transaction."""

from __future__ import annotations

import csv
import io
from typing import IO, Any

from django.db import IntegrityError, models, transaction

from .lines import FILE, HEADER, ROW, ImportRejected, ImportResult, LineError, _Line
from .tables import TABLES, Table


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


NUL_MESSAGE = "caractère NUL (octet 0x00) : le fichier est abîmé ou n'est pas un CSV texte"


def _nul_lines(text: str) -> list[int]:
    """Physical lines holding a NUL character. PostgreSQL refuses NUL in text (the import
    crashed mid-write) and SQLite stores it silently: both are kept out before any write."""
    if "\x00" not in text:
        return []
    return [number for number, line in enumerate(text.split("\n"), start=1) if "\x00" in line]


def _read_rows(table: Table, text: str) -> list[tuple[int, dict[str, Any]]]:
    """Every data line parsed, with its physical line number; ImportRejected lists every
    problem of the file when there is any."""
    expected = ", ".join(table.columns)
    if not text.strip():
        message = f"fichier vide : une ligne d'en-tête est attendue ({expected})"
        raise ImportRejected([LineError(1, FILE, message)])
    nul_lines = _nul_lines(text)
    if nul_lines:
        raise ImportRejected(LineError(n, FILE, NUL_MESSAGE) for n in nul_lines)
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
