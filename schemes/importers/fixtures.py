"""Loading the shipped fixtures: the four CSV tables and the dated parameters."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from django.db import transaction

from ..engine.parameters import ParameterError, parse_value
from ..models import Parameter, Scheme
from .csv_import import reference_import
from .lines import ImportRejected, ImportResult, LineError
from .tables import TABLES

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"
PARAMETERS_FIXTURE = FIXTURES_DIR / "parameters.json"


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
