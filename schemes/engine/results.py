"""What the engine answers: a verdict, every failing reason, and the lines of the amount."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .money import ZERO, fmt
from .parameters import ParameterValue
from .reasons import CATALOGUE

# Bumped whenever a rule's reading changes, so that a stored decision says which reading made it.
ENGINE_VERSION = "2026.11.1"


@dataclass(frozen=True)
class Reason:
    code: str
    article: str
    message: str

    @property
    def advice(self) -> str:
        """What the student could do about it (shown by the simulator page, not in the API)."""
        return CATALOGUE[self.code].advice


@dataclass(frozen=True)
class Line:
    article: str
    text: str
    amount: Decimal


@dataclass(frozen=True)
class Settlement:
    """Art. 9: the advance paid, and what the actual duration makes of the notified amount."""

    final_amount: Decimal
    advance: Decimal
    balance: Decimal
    repayment: Decimal
    actual_weeks: int | None = None
    actual_months: int | None = None


@dataclass(frozen=True)
class Verdict:
    scheme: str
    eligible: bool
    amount: Decimal
    reasons: tuple[Reason, ...]
    explanation: tuple[Line, ...]
    aid: str | None = None
    weeks: int | None = None
    settlement: Settlement | None = None
    # Which dated parameters the computation read, and the engine's version: what a decision
    # must store to be explained and reproduced years later.
    parameters: tuple[ParameterValue, ...] = ()
    engine_version: str = ENGINE_VERSION
    # Horizons Apprentis chèque: the part the State co-funds (Art. 3); zero otherwise.
    state_share: Decimal = ZERO

    @property
    def reason_codes(self) -> list[str]:
        return sorted(r.code for r in self.reasons)

    def as_contract(self) -> dict[str, Any]:
        """The result object of the simulation contract, key for key."""
        out: dict[str, Any] = {"scheme": self.scheme}
        if self.aid is not None:
            out["aid"] = self.aid
        out["eligible"] = self.eligible
        out["amount"] = fmt(self.amount)
        if self.weeks is not None:
            out["weeks"] = self.weeks
        out["reasons"] = [{"code": r.code, "article": r.article, "message": r.message} for r in self.reasons]
        out["explanation"] = [
            {"article": line.article, "text": line.text, "amount": fmt(line.amount)} for line in self.explanation
        ]
        if self.settlement is not None:
            s = self.settlement
            out["settlement"] = {
                "final_amount": fmt(s.final_amount),
                "advance": fmt(s.advance),
                "balance": fmt(s.balance),
                "repayment": fmt(s.repayment),
            }
        return out


@dataclass
class Reasons:
    """Collects failing rules in the order they are checked; a code is reported once."""

    items: list[Reason] = field(default_factory=list)

    def fail(self, code: str, article: str, message: str | None = None) -> None:
        if any(r.code == code for r in self.items):
            return
        self.items.append(Reason(code, article, message or CATALOGUE[code].message))

    def check(self, ok: bool, code: str, article: str, message: str | None = None) -> bool:
        """Record `code` unless `ok`; returns `ok` so that dependent rules can be skipped."""
        if not ok:
            self.fail(code, article, message)
        return ok

    def __bool__(self) -> bool:
        return bool(self.items)

    def frozen(self) -> tuple[Reason, ...]:
        return tuple(self.items)
