"""One entry point for every interface of the simulator (CLI, JSON API, page).

    results = simulate_batch(payloads, today=...)

Validates every case first; if any is invalid, raises InvalidInput listing every problem (with
`[i].` in front of each field path for arrays) and computes nothing. Otherwise reads the
parameters and reference tables once (from the process cache: schemes.selectors.reference_data)
and runs the engine on each case.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from .engine import Verdict, evaluate
from .inputs import CaseIn, InvalidInput, parse_case
from .selectors import check_rules_in_force, facts_from_case, reference_data


def validate_batch(payloads: Sequence[Any], *, indexed: bool) -> list[CaseIn]:
    cases, errors = [], []
    for index, payload in enumerate(payloads):
        try:
            cases.append(parse_case(payload))
        except InvalidInput as exc:
            prefix = f"[{index}]." if indexed else ""
            errors.extend((prefix + f if f != "(racine)" or not indexed else f"[{index}]", m) for f, m in exc.errors)
    if errors:
        raise InvalidInput(errors)
    return cases


def verdicts_for(cases: Sequence[CaseIn], *, today: date, indexed: bool = False) -> list[Verdict]:
    data = reference_data()
    timelines, tables = data.timelines, data.tables
    facts, errors = [], []
    for index, case in enumerate(cases):
        item = facts_from_case(case, today=today, tables=tables)
        try:
            check_rules_in_force(item, timelines.get(item.scheme))
        except InvalidInput as exc:
            prefix = f"[{index}]." if indexed else ""
            errors.extend((prefix + f, m) for f, m in exc.errors)
        facts.append(item)
    if errors:
        raise InvalidInput(errors)
    return [evaluate(item, timelines[item.scheme]) for item in facts]


def simulate_one(payload: Any, *, today: date) -> dict[str, Any]:
    return verdicts_for(validate_batch([payload], indexed=False), today=today)[0].as_contract()


def simulate_batch(payloads: Sequence[Any], *, today: date) -> list[dict[str, Any]]:
    cases = validate_batch(payloads, indexed=True)
    return [v.as_contract() for v in verdicts_for(cases, today=today, indexed=True)]


# --- Shared by the command line and the HTTP API: one way to read a body and answer it ----
def decode_payload(text: str) -> Any:
    """Decode the contract's JSON, keeping money exact (floats become Decimal).

    Shared with the HTTP API so that both read a body the same way. Raises InvalidInput.
    """
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        message = f"JSON invalide : {exc.msg} (ligne {exc.lineno}, colonne {exc.colno})"
        raise InvalidInput([("(corps)", message)]) from None
    except ValueError as exc:  # NaN/Infinity, or an integer too long to convert
        raise InvalidInput([("(corps)", f"JSON invalide : {exc}")]) from None
    except RecursionError:
        raise InvalidInput([("(corps)", "JSON trop profondément imbriqué")]) from None


def _reject_constant(name: str) -> Any:
    # JSON has no NaN nor Infinity; Python's decoder accepts them unless told otherwise.
    raise ValueError(f"{name} n'est pas un nombre JSON")


def simulate_payload(payload: Any, *, today) -> dict[str, Any] | list[dict[str, Any]]:
    """One object gives one result, an array an array in the same order. Raises InvalidInput."""
    if isinstance(payload, list):
        return simulate_batch(payload, today=today)
    if isinstance(payload, dict):
        return simulate_one(payload, today=today)
    raise InvalidInput([("(racine)", "objet JSON ou tableau d'objets attendu")])


def dump_result(result: Any) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2)
