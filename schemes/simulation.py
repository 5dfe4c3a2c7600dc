"""One entry point for every interface of the simulator (CLI, JSON API, page).

    results = simulate_batch(payloads, today=...)

Validates every case first; if any is invalid, raises InvalidInput listing every problem (with
`[i].` in front of each field path for arrays) and computes nothing. Otherwise loads the
parameters and reference tables once and runs the engine on each case.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from .engine import Verdict, evaluate
from .inputs import CaseIn, InvalidInput, parse_case
from .selectors import check_rules_in_force, facts_from_case, parameter_timelines, reference_tables


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
    timelines = parameter_timelines({c.scheme for c in cases})
    tables = reference_tables(cases)
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
