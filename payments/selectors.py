"""Reads of the money side: payable instalments, payment runs and a file's ledger.

Every queryset of an officer's screen is scoped to the officer's authority: an instalment, a run
or a file of another authority is simply not found (the views answer 404), so a guessed primary
key reveals nothing. Amounts stay Decimal all the way to the template (formatted there by the
`euros` filter) or to the export.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet, Sum
from django.utils import timezone

from accounts.rules import roles_of
from applications.models import Application
from schemes.engine.money import ZERO
from schemes.models import Scheme

from . import deadlines
from .models import Account, Instalment, LedgerEntry, PaymentRun, RepaymentOrder
from .services import instalments_payable

# Instalments not yet paid and still expected: what "reste à verser" adds up.
TO_PAY = (Instalment.Status.PLANNED, Instalment.Status.IN_RUN)
OPEN_ORDERS = (RepaymentOrder.Status.NOTICE_SENT, RepaymentOrder.Status.ANSWERED, RepaymentOrder.Status.STANDING)


def officer_authority_id(*, user) -> int | None:
    return roles_of(user).officer_authority_id


# --- Payable instalments -----------------------------------------------------------------------
def payable_instalments(*, user, today: date, filters: dict[str, Any] | None = None) -> QuerySet[Instalment]:
    """The instalments the officer's authority may put in a run today (services.instalments_payable: planned,
    due, not lapsed, file granted, agreement accepted where required), oldest due first.

    `filters` are already validated values (forms.PayableFilterForm): scheme, kind, due_before."""
    filters = filters or {}
    # The authority's schemes as a list of ids on the instalment's own scheme (a copy of its
    # file's): PostgreSQL walks `instalment_payable_idx` from those schemes, due date first, and
    # joins only the authority's planned instalments to their files, instead of joining every
    # planned instalment of every authority to its file and scheme and discarding most of them.
    qs = instalments_payable(today).filter(scheme_id__in=sorted(roles_of(user).officer_scheme_ids))
    if filters.get("scheme"):
        qs = qs.filter(scheme=filters["scheme"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("due_before"):
        qs = qs.filter(due_on__lte=filters["due_before"])
    # Aude: past the internship's last day the single payment is late; the list says so.
    late = ExpressionWrapper(Q(pay_by__isnull=False) & Q(pay_by__lt=today), output_field=BooleanField())
    # The list sorts every payable row (tens of thousands on a large authority) before its page
    # is cut: the file's declared situation (a JSON document) is left out of the sorted rows.
    return (qs.annotate(late=late).select_related("application", "scheme")
            .defer("application__data")
            .order_by("due_on", "application__reference", "pk"))


def payable_summary(queryset: QuerySet[Instalment]) -> tuple[int, Decimal]:
    """How many instalments the list holds and their total, in one pass over them (the page's
    paginator takes the count instead of counting them again)."""
    row = queryset.order_by().aggregate(n=Count("pk"), s=Sum("amount"))
    return row["n"], row["s"] or ZERO


def officer_schemes(*, user) -> QuerySet[Scheme]:
    return Scheme.objects.filter(authority_id=officer_authority_id(user=user)).order_by("name")


# --- Runs --------------------------------------------------------------------------------------
def runs_for_officer(*, user) -> QuerySet[PaymentRun]:
    """The runs of the officer's authority, newest first."""
    return (
        PaymentRun.objects.filter(authority_id=officer_authority_id(user=user))
        .select_related("authority", "created_by", "confirmed_by")
        .order_by("-created_at", "-pk")
    )


def run_instalments(*, run: PaymentRun) -> QuerySet[Instalment]:
    return run.instalments.select_related("application", "application__scheme").order_by("pk")


def mask_iban(iban: str) -> str:
    """Only the last four characters: enough to recognise an account, useless to anyone else
    (the full IBAN travels in the SEPA file only)."""
    compact = "".join((iban or "").split()).upper()
    if len(compact) <= 4:
        return compact
    return "•" * 4 + " " + compact[-4:]


@dataclass(frozen=True)
class TransferLine:
    reference: str
    beneficiary: str
    iban_masked: str
    label: str
    amount: Decimal
    end_to_end: str
    application_id: int


# Instalments read per round trip when a run's lines are streamed (its CSV listing).
CHUNK_SIZE = 2000


def run_transfer_lines(*, run: PaymentRun) -> Iterator[TransferLine]:
    """The run's lines in SEPA file order, read in chunks: one query, whatever the run's size."""
    for item in run_instalments(run=run).iterator(chunk_size=CHUNK_SIZE):
        yield TransferLine(
            reference=item.application.reference or "",
            beneficiary=item.application.account_holder or item.application.applicant_name,
            iban_masked=mask_iban(item.application.iban),
            label=item.label,
            amount=item.amount,
            end_to_end=f"I{item.pk}",
            application_id=item.application_id,
        )


def run_listing(*, run: PaymentRun) -> dict[str, Any]:
    """Everything the run page, its PDF listing and its CSV show; the lines are those of the SEPA
    file (same beneficiary name and end-to-end id as services.payment_run_create writes).

    A cancelled run has given its instalments back: it lists none, and its stored total is then
    the total of the file that was cancelled."""
    lines = list(run_transfer_lines(run=run))
    return {
        "authority": run.authority.name,
        "reference": run.reference,
        "execution_date": run.execution_date,
        "status": run.status,
        "status_label": run.get_status_display(),
        "created_at": run.created_at,
        "confirmed_on": run.confirmed_on,
        "lines": lines,
        "count": run.count,
        "total": run.total,
        "lines_total": sum((line.amount for line in lines), ZERO),
    }


# --- A file's ledger ---------------------------------------------------------------------------
def officer_ledger_files(*, user) -> QuerySet[Application]:
    """Files of the schemes funded by the officer's authority (same scope as the instruction)."""
    from applications.queues import officer_applications

    return officer_applications(user=user).select_related("current_decision")


def student_ledger_files(*, user) -> QuerySet[Application]:
    from applications.selectors import applications_for_student

    return applications_for_student(student=user).select_related("current_decision")


def application_ledger(*, application: Application) -> dict[str, Any]:
    """The file's money at a glance: planned and past instalments, ledger entries, the account's
    totals and the repayment orders still open.

    "Notifié" is the amount of the decision in force (after a reducing decision it is lower than
    the account's ceiling, which keeps the highest amount ever notified)."""
    account = Account.objects.filter(application=application).first()
    instalments = list(application.instalments.select_related("run").order_by("due_on", "sequence", "pk"))
    entries = list(
        LedgerEntry.objects.filter(application=application)
        .select_related("instalment", "repayment_order", "recorded_by")
        .order_by("booked_on", "pk")
    )
    decision = application.current_decision
    paid = account.paid if account else ZERO
    repaid = account.repaid if account else ZERO
    waived = account.waived if account else ZERO
    today = timezone.localdate()
    for item in instalments:
        # Aude: paid after the internship's last day, the single payment is late (shown, not hidden).
        item.late = item.pay_by is not None and item.status in TO_PAY and today > item.pay_by
    return {
        "instalments": instalments,
        "entries": entries,
        "totals": {
            "notified": decision.amount
            if decision is not None and decision.amount is not None
            else (account.ceiling if account else ZERO),
            "paid": paid,
            "repaid": repaid,
            "waived": waived,
            "net_paid": paid - repaid - waived,
            "to_pay": sum((i.amount for i in instalments if i.status in TO_PAY), ZERO),
        },
        "open_orders": list(application.repayment_orders.filter(status__in=OPEN_ORDERS).order_by("created_on", "pk")),
        "control_until": _control_until(instalments),
    }


def _control_until(instalments) -> date | None:
    """Art. 12: the file may be controlled for three years after its balance is paid; the
    period is counted once nothing is left to pay (no planned or in-run instalment)."""
    if not instalments or any(i.status in TO_PAY for i in instalments):
        return None
    paid = [i.paid_on for i in instalments if i.status == Instalment.Status.PAID and i.paid_on]
    return deadlines.control_ends(max(paid)) if paid else None
