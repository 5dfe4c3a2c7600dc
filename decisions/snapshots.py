"""The calculation snapshot a decision keeps, and how to reproduce the calculation from it.

A snapshot holds the case as the engine read it (the contract input with every table look-up
already resolved: zone, partner region, ODA country), the raw value and date of every parameter
read, the explanation, the reasons and the engine's version. Reproducing it needs neither the
database's current parameters nor its reference tables, so a decision can be explained and
recomputed years later, whatever has been edited since.
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict
from datetime import date
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from applications.models import Application
from applications.selectors import application_case_data
from schemes.engine import Verdict, evaluate
from schemes.engine.parameters import ParameterTimeline
from schemes.facts import HorizonsFacts
from schemes.inputs import parse_case
from schemes.selectors import ReferenceTables, facts_from_case, parameter_timelines, reference_tables


def snapshot_build(*, application: Application, today: date, timelines=None, tables=None) -> tuple[Verdict, dict[str, Any]]:
    """Run the engine on the file now and return its verdict with the snapshot to store.
    A batch passes the parameter timelines and reference tables it loaded once (`tables` must
    cover this file's case). Raises InvalidInput when the file's data are incomplete."""
    case = parse_case(application_case_data(application))
    facts = facts_from_case(case, today=today, tables=tables if tables is not None else reference_tables([case]))
    timeline = (timelines or parameter_timelines([case.scheme]))[case.scheme]
    verdict = evaluate(facts, timeline)
    resolved = copy.deepcopy(case.model_dump(mode="json", exclude_none=True))
    resolved["submitted_on"] = facts.submitted_on.isoformat()
    if isinstance(facts, HorizonsFacts):
        resolved["mobility"]["partner_region"] = facts.mobility.partner_region
        resolved["mobility"]["oda_country"] = facts.mobility.oda_country
    elif facts.zone is not None:
        resolved["internship"]["zone"] = facts.zone
    return verdict, {
        "engine_version": verdict.engine_version,
        "computed_on": today.isoformat(),
        "input": resolved,
        "facts": json.loads(json.dumps(asdict(facts), cls=DjangoJSONEncoder)),
        # Every value in force on the reference date; `used` names those this answer read.
        "parameters": [
            {"key": p.key, "valid_from": p.valid_from.isoformat(), "article": p.article, "value": p.raw}
            for p in timeline.at(facts.reference_date).in_force()
        ],
        "used": [p.key for p in verdict.parameters],
        "result": verdict.as_contract(),
    }


def snapshot_reproduce(snapshot: dict[str, Any]) -> Verdict:
    """Recompute a stored decision from its snapshot alone."""
    case = parse_case(snapshot["input"])
    facts = facts_from_case(case, today=date.fromisoformat(snapshot["computed_on"]), tables=ReferenceTables())
    timeline = ParameterTimeline.from_raw(
        case.scheme,
        [(p["key"], date.fromisoformat(p["valid_from"]), p["value"]) for p in snapshot["parameters"]],
    )
    return evaluate(facts, timeline)


def snapshot_settle(snapshot: dict[str, Any], *, actual_end_date: date):
    """Art. 9: the settlement of a decided Horizons aid on the actual end date, computed with the
    decision's own facts and parameters (so a later change of parameters cannot alter it)."""
    changed = copy.deepcopy(snapshot)
    changed["input"]["mobility"]["actual_end_date"] = actual_end_date.isoformat()
    verdict = snapshot_reproduce(changed)
    if verdict.settlement is None:
        raise ValueError("the decision's facts are no longer eligible: no settlement")
    return verdict.settlement
