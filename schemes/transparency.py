"""The rules as the engine applies them, read from the engine itself (CRPA L311-3-1, R311-3-1-1
and R311-3-1-2: the student may obtain the rules of an algorithmic treatment and its parameters).

Nothing here is written twice: the conditions are the reason codes the scheme's engine function
checks (found by reading its syntax tree, with the article each check cites), their messages come
from the engine's catalogue (engine/reasons.py), and the parameters are every spec of
engine/parameters.py with every dated value stored in the database. A new condition, parameter
or dated value shows on the public page (/regles/<scheme>/) without anyone editing it.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass
from datetime import date
from types import ModuleType
from typing import Any

from .engine import horizons, medical
from .engine.parameters import PARAMETER_SPECS
from .engine.reasons import CATALOGUE

# The function the engine runs for each scheme (engine/__init__.evaluate).
ENTRIES: dict[str, tuple[ModuleType, str]] = {
    "horizons": (horizons, "evaluate"),
    "aude": (medical, "evaluate_aude"),
    "haute-garonne": (medical, "evaluate_haute_garonne"),
}


@dataclass(frozen=True)
class Condition:
    code: str
    message: str
    advice: str
    article: str


@dataclass(frozen=True)
class DatedValue:
    valid_from: date
    value: Any
    source: str


@dataclass(frozen=True)
class ParameterRow:
    key: str
    label: str
    article: str
    values: tuple[DatedValue, ...]


def _literal(node: ast.AST, module: ModuleType) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and isinstance(getattr(module, node.id, None), str):
        return getattr(module, node.id)
    return ""


def _checks(module: ModuleType, entry: str) -> list[tuple[str, str]]:
    """(reason code, article) of every `reasons.check(ok, code, article)` / `reasons.fail(code,
    article)` reachable from `entry` through the module's own functions, in source order."""
    tree = ast.parse(inspect.getsource(module))
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    seen, found, todo = set(), [], [entry]
    while todo:
        name = todo.pop(0)
        if name in seen or name not in functions:
            continue
        seen.add(name)
        for node in ast.walk(functions[name]):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ("check", "fail"):
                first = 1 if func.attr == "check" else 0
                if len(node.args) > first:
                    code = _literal(node.args[first], module)
                    article = _literal(node.args[first + 1], module) if len(node.args) > first + 1 else ""
                    if code in CATALOGUE and code not in {c for c, _a in found}:
                        found.append((code, article))
            elif isinstance(func, ast.Name) and func.id in functions:
                todo.append(func.id)
    return found


def conditions_of(scheme: str, *, default_article: str = "") -> list[Condition]:
    """The conditions the engine checks for `scheme`, each with its message, advice and article."""
    module, entry = ENTRIES[scheme]
    return [
        Condition(code, CATALOGUE[code].message, CATALOGUE[code].advice, article or default_article)
        for code, article in _checks(module, entry)
    ]


def parameters_of(scheme: str, rows) -> list[ParameterRow]:
    """Every parameter spec of `scheme` with its dated values (`rows`: Parameter rows of the
    scheme, any order), oldest first."""
    by_key: dict[str, list[DatedValue]] = {}
    for row in sorted(rows, key=lambda r: (r.key, r.valid_from)):
        by_key.setdefault(row.key, []).append(DatedValue(row.valid_from, row.value, row.source))
    return [
        ParameterRow(spec.key, spec.label, spec.article, tuple(by_key.get(spec.key, ())))
        for (code, _key), spec in PARAMETER_SPECS.items() if code == scheme
    ]
