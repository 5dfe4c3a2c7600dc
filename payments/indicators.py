"""Indicators of an authority's schemes (selectors: reads only).

Each selector below is ONE aggregate query (`values(...)` then `annotate(...)`): its cost does
not grow with the number of files. `indicator_table` merges three of them in Python, keyed by
(scheme, academic year), so the dashboard costs the same three queries for 5 files or 50,000.

What the words mean here:
- committed: the amounts of the decisions in force that grant the aid
  (`Application.current_decision.outcome == granted`), the figure the commission's budget reads;
- paid / recovered / waived: the ledger's payments, repayments received and debts waived;
- outstanding: what the open repayment orders (formal notice sent, answered, or standing) still
  claim, net of the repayments already received on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from applications.models import Application
from applications.queues import academic_years
from decisions.models import Outcome
from schemes.models import Scheme

from .models import LedgerEntry, RepaymentOrder

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=12, decimal_places=2)
OPEN_ORDERS = (RepaymentOrder.Status.NOTICE_SENT, RepaymentOrder.Status.ANSWERED, RepaymentOrder.Status.STANDING)
AUDE = "aude"


def _scope(prefix: str, *, authority, academic_year: int | None = None, scheme=None) -> Q:
    """The filter on the application reached through `prefix` ("" for Application itself)."""
    q = Q(**{f"{prefix}scheme__authority": authority})
    if academic_year is not None:
        q &= Q(**{f"{prefix}academic_year": academic_year})
    if scheme is not None:
        q &= Q(**{f"{prefix}scheme": scheme})
    return q


def _sum(expression, **filter_) -> Sum:
    return Sum(expression, filter=Q(**filter_) if filter_ else None, default=ZERO, output_field=MONEY)


# --- One aggregate query each --------------------------------------------------------------------
def committed_by_scheme_year(*, authority, academic_year=None, scheme=None) -> QuerySet:
    """Per scheme and year: `committed` and `helped` (files whose decision in force grants)."""
    return (
        Application.objects.filter(_scope("", authority=authority, academic_year=academic_year, scheme=scheme),
                                   current_decision__outcome=Outcome.GRANTED)
        .values("scheme__code", "scheme__name", "academic_year")
        .annotate(committed=_sum("current_decision__amount"), helped=Count("pk"))
        .order_by("scheme__code", "academic_year")
    )


def ledger_by_scheme_year(*, authority, academic_year=None, scheme=None) -> QuerySet:
    """Per scheme and year: `paid`, `recovered`, `waived` from the ledger."""
    Kind = LedgerEntry.Kind
    return (
        LedgerEntry.objects.filter(_scope("application__", authority=authority, academic_year=academic_year,
                                          scheme=scheme))
        .values("application__scheme__code", "application__scheme__name", "application__academic_year")
        .annotate(paid=_sum("amount", kind=Kind.PAYMENT), recovered=_sum("amount", kind=Kind.REPAYMENT),
                  waived=_sum("amount", kind=Kind.WAIVER))
        .order_by("application__scheme__code", "application__academic_year")
    )


def outstanding_by_scheme_year(*, authority, academic_year=None, scheme=None) -> QuerySet:
    """Per scheme and year: `outstanding` (still claimed by open orders) and `open_orders`.

    A partly repaid order claims its amount less what was received: the repayments are summed
    per order in a correlated subquery, so an order with several repayments is not counted
    several times (as a join would)."""
    received = (
        LedgerEntry.objects.filter(repayment_order=OuterRef("pk"), kind=LedgerEntry.Kind.REPAYMENT)
        .order_by().values("repayment_order").annotate(s=Sum("amount")).values("s")
    )
    return (
        RepaymentOrder.objects.filter(_scope("application__", authority=authority, academic_year=academic_year,
                                             scheme=scheme), status__in=OPEN_ORDERS)
        .annotate(received=Coalesce(Subquery(received, output_field=MONEY), Value(ZERO), output_field=MONEY))
        .values("application__scheme__code", "application__scheme__name", "application__academic_year")
        .annotate(outstanding=_sum(F("amount") - F("received")), open_orders=Count("pk"))
        .order_by("application__scheme__code", "application__academic_year")
    )


def apprentice_split(*, authority, academic_year=None) -> QuerySet:
    """Per year, the Chèque Apprentis paid and its split: half co-funded by the State (Horizons
    Art. 3, `state_share` of each payment), the rest by the Region."""
    return (
        LedgerEntry.objects.filter(_scope("application__", authority=authority, academic_year=academic_year),
                                   application__aid="apprentice", kind=LedgerEntry.Kind.PAYMENT)
        .values("application__academic_year")
        .annotate(paid=_sum("amount"), state=_sum("state_share"), region=_sum(F("amount") - F("state_share")),
                  beneficiaries=Count("application", distinct=True))
        .order_by("application__academic_year")
    )


def aude_indicators(*, authority, academic_year=None) -> QuerySet:
    """The Aude scheme's indicators, per year: « Nombre d'internes aidés » (decisions in force
    that grant) and « Nombre d'internes installés dans l'Aude après leur cursus » (follow-ups
    recorded by the officers); `followed` says how many helped students have a follow-up at all."""
    return (
        Application.objects.filter(_scope("", authority=authority, academic_year=academic_year),
                                   scheme__code=AUDE, current_decision__outcome=Outcome.GRANTED)
        .values("academic_year")
        .annotate(helped=Count("pk"), installed=Count("pk", filter=Q(follow_up__installed_in_department=True)),
                  followed=Count("follow_up"))
        .order_by("academic_year")
    )


def aude_helped_files(*, authority, academic_year=None) -> QuerySet[Application]:
    """The helped Aude students whose follow-up an officer records (one query with the follow-up)."""
    return (
        Application.objects.filter(_scope("", authority=authority, academic_year=academic_year),
                                   scheme__code=AUDE, current_decision__outcome=Outcome.GRANTED)
        .select_related("follow_up", "student")
        .order_by("-academic_year", "last_name", "first_name", "pk")
    )


def authority_years(*, authority) -> list[int]:
    """The academic years that have files, for the filter (one query walking the year index)."""
    authority_id = getattr(authority, "pk", authority)
    return academic_years(scheme_ids=Scheme.objects.filter(authority_id=authority_id).values_list("pk", flat=True))


# --- The dashboard's table -----------------------------------------------------------------------
@dataclass
class IndicatorRow:
    scheme_code: str
    scheme_name: str
    academic_year: int | None
    committed: Decimal = ZERO
    paid: Decimal = ZERO
    recovered: Decimal = ZERO
    waived: Decimal = ZERO
    outstanding: Decimal = ZERO
    open_orders: int = 0
    helped: int = 0

    @property
    def year_label(self) -> str:
        return f"{self.academic_year}-{self.academic_year + 1}" if self.academic_year else "—"

    @property
    def net_paid(self) -> Decimal:
        return self.paid - self.recovered - self.waived


def indicator_table(*, authority, academic_year=None, scheme=None) -> list[IndicatorRow]:
    """Committed, paid, recovered, waived and outstanding per scheme and year: three aggregate
    queries, merged on (scheme, year), sorted by scheme then year."""
    rows: dict[tuple, IndicatorRow] = {}
    kw = {"authority": authority, "academic_year": academic_year, "scheme": scheme}

    def row(code, name, year) -> IndicatorRow:
        return rows.setdefault((code, year), IndicatorRow(code, name, year))

    def via_application(item) -> IndicatorRow:
        return row(item["application__scheme__code"], item["application__scheme__name"],
                   item["application__academic_year"])

    for item in committed_by_scheme_year(**kw):
        r = row(item["scheme__code"], item["scheme__name"], item["academic_year"])
        r.committed, r.helped = item["committed"], item["helped"]
    for item in ledger_by_scheme_year(**kw):
        r = via_application(item)
        r.paid, r.recovered, r.waived = item["paid"], item["recovered"], item["waived"]
    for item in outstanding_by_scheme_year(**kw):
        r = via_application(item)
        r.outstanding, r.open_orders = item["outstanding"], item["open_orders"]
    return sorted(rows.values(), key=lambda r: (r.scheme_code, r.academic_year or 0))


def indicator_totals(rows: list[IndicatorRow]) -> IndicatorRow:
    """The totals line of the table (pure: sums the rows already read)."""
    total = IndicatorRow("", "Total", None)
    for r in rows:
        total.committed += r.committed
        total.paid += r.paid
        total.recovered += r.recovered
        total.waived += r.waived
        total.outstanding += r.outstanding
        total.open_orders += r.open_orders
        total.helped += r.helped
    return total
