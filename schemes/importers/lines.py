"""The pieces every CSV import is made of: the results and errors it reports, the field checks
(also used by the admin forms), and `_Line`, which reads one data line cell by cell."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pycountry

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
