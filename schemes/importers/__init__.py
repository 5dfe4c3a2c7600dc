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

The package: `lines` (results, errors, field checks, one line's cells), `tables` (one
description per table), `csv_import` (reading, checking, writing) and `fixtures` (the shipped
files). Everything public is importable from `schemes.importers`, as before.
"""

from .csv_import import (
    oda_countries_import,
    partner_regions_import,
    pegasus_institutions_import,
    reference_import,
    zoning_import,
)
from .fixtures import FIXTURES_DIR, PARAMETERS_FIXTURE, parameters_load_missing, reference_data_load
from .lines import ImportRejected, ImportResult, LineError, check_country, check_subdivision
from .tables import TABLES, Table

__all__ = [
    "FIXTURES_DIR",
    "PARAMETERS_FIXTURE",
    "TABLES",
    "ImportRejected",
    "ImportResult",
    "LineError",
    "Table",
    "check_country",
    "check_subdivision",
    "oda_countries_import",
    "parameters_load_missing",
    "partner_regions_import",
    "pegasus_institutions_import",
    "reference_data_load",
    "reference_import",
    "zoning_import",
]
