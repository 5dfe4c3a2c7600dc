"""The control period of paid files (Horizons Art. 12), which decides when their personal data may
be minimised (aid_portal.archive runs it; applications.archive blanks the data).

Art. 12: the Region may control the use of the aid, on documents or on the spot, within three
years of the payment of its balance. Until then the file keeps everything a control needs.
Once that period is over, what identifies the student is no longer needed: the names, contact
and bank details are blanked and the stored documents and message attachments deleted. What
accounts for public money stays: decisions, letters (with their amounts), instalments, the
ledger and the repayment orders, as well as the declared situation (`data`: facts the rules
read, not the identity), so the indicators and the accounts still add up.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Exists, Max, OuterRef, Q, QuerySet

from applications.models import Application

from . import deadlines
from .indicators import OPEN_ORDERS
from .models import Instalment, RepaymentOrder


def files_past_control(today: date) -> QuerySet[Application]:
    """Files not yet archived whose control period (three years after the last paid instalment,
    the balance) ended before `today`, annotated with `balance_paid_on`.

    A file with an instalment still to pay (planned or in a run) has not had its balance paid, and
    one with an open repayment order still needs the debtor's identity: neither is archived.
    `balance_paid_on < today - 3 years` is the SQL form of `control_ends(balance_paid_on) < today`
    (on a 29 February it archives one day late, never early)."""
    unpaid = Instalment.objects.filter(application=OuterRef("pk"),
                                       status__in=[Instalment.Status.PLANNED, Instalment.Status.IN_RUN])
    open_order = RepaymentOrder.objects.filter(application=OuterRef("pk"), status__in=OPEN_ORDERS)
    return (
        Application.objects.filter(archived_at__isnull=True)
        .annotate(balance_paid_on=Max("instalments__paid_on", filter=Q(instalments__status=Instalment.Status.PAID)))
        .filter(balance_paid_on__lt=today - deadlines.CONTROL_PERIOD)
        .exclude(Exists(unpaid))
        .exclude(Exists(open_order))
        .order_by("pk")
    )


def control_ended_on(*, application_id: int, today: date) -> date | None:
    """The last paid instalment's date of a file whose control period is over on `today`, else
    None. Call holding the file's row lock: a payment or an order may have come in since the
    candidates were listed."""
    balance_paid_on = files_past_control(today).filter(pk=application_id).values_list("balance_paid_on", flat=True).first()
    if balance_paid_on is None or deadlines.control_ends(balance_paid_on) >= today:
        return None
    return balance_paid_on
