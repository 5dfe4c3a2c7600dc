"""Read-only: what the engine would decide if a reported change (Art. 10) were accepted.

The officer sees this before answering; accepting runs the same computation for real inside
services.change_review (which stores it in an amending Decision). Nothing here writes: the
patch is merged into a copy of the declared data and the engine runs through the simulator's own
path (validate_batch + verdicts_for), as applications.selectors.application_verdict does.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from applications.models import Application
from applications.selectors import application_case_data
from schemes.engine import Verdict
from schemes.inputs import InvalidInput
from schemes.simulation import validate_batch, verdicts_for


def merge_patch(base: dict, patch: dict) -> dict:
    """The declared data with the patch applied, nested dictionaries merged key by key (the
    same reading as services.workflow._merge, which change_review applies). Neither argument is
    modified."""
    out = copy.deepcopy(base)
    for key, value in (patch or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_patch(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@dataclass(frozen=True)
class ChangePreview:
    cancellation: bool
    verdict: Verdict | None = None
    # (field path, message) when the merged data no longer satisfy the contract.
    errors: list = field(default_factory=list)

    @property
    def amount(self) -> Decimal | None:
        """The amount an accepted change would fix (zero when cancelled or no longer eligible,
        as change_review decides)."""
        if self.cancellation:
            return Decimal("0.00")
        if self.verdict is None:
            return None
        return self.verdict.amount if self.verdict.eligible else Decimal("0.00")


def change_preview(*, application: Application, changes: dict, today: date,
                   cancellation: bool = False) -> ChangePreview:
    """The engine's verdict on the file's data merged with `changes`, without saving anything.
    A cancellation needs no computation: accepting it sets the aid to zero."""
    if cancellation:
        return ChangePreview(cancellation=True)
    case = merge_patch(application_case_data(application), changes or {})
    try:
        verdict = verdicts_for(validate_batch([case], indexed=False), today=today)[0]
    except InvalidInput as exc:
        return ChangePreview(cancellation=False, errors=list(exc.errors))
    return ChangePreview(cancellation=False, verdict=verdict)
