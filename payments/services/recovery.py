"""Recovery (Art. 10-11): repayment orders, the formal notice and its answer, waivers,
repayments in parts, and the sweep of orders left unanswered."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.events import event_record
from applications.models import Application
from applications.services import ServiceError, application_locked, outbox_put, outbox_put_many
from schemes.engine.money import ZERO, euros, money

from .. import deadlines
from ..models import Account, Instalment, LedgerEntry, RepaymentOrder
from .runs import _book


# --- Recovery (Art. 11) ------------------------------------------------------------------------
def _order_create(*, application: Application, amount: Decimal, reason: str, explanation: str, by, today: date) -> RepaymentOrder:
    order = RepaymentOrder.objects.create(application=application, reason=reason, amount=amount, explanation=explanation,
                                          created_on=today, created_by=by)
    event_record(application=application, kind="repayment_ordered", actor=by, reason=explanation,
                 payload={"order": order.pk, "amount": str(amount), "reason": reason})
    outbox_put(task="payments.issue_formal_notice", args=[order.pk], key=f"formal-notice:{order.pk}")
    return order


def breach_claim(*, application: Application, by, explanation: str, today: date) -> RepaymentOrder | None:
    """Haute-Garonne: breach of the commitments; everything paid is claimed back, and nothing
    more is paid ("l'étudiant devrait rembourser l'indemnité en totalité"). Recorded before any
    payment, the breach cancels the instalments still planned and there is nothing to claim:
    returns None."""
    if not explanation.strip():
        raise ServiceError(_("Motivez le constat de manquement."), field="explanation")
    with transaction.atomic():
        app = application_locked(application)
        membership = getattr(by, "officer_membership", None)
        if membership is None or membership.authority_id != app.scheme.authority_id:
            raise ServiceError(_("Seuls les agents de la collectivité constatent un manquement."))
        account = Account.objects.filter(application=app).first()
        net = account.paid - account.repaid - account.waived if account else ZERO
        # What open orders already claim is not claimed twice.
        open_claims = app.repayment_orders.filter(
            status__in=[RepaymentOrder.Status.NOTICE_SENT, RepaymentOrder.Status.ANSWERED, RepaymentOrder.Status.STANDING]
        ).aggregate(s=Sum("amount"))["s"] or ZERO
        net -= open_claims
        planned = Instalment.objects.filter(application=app, status=Instalment.Status.PLANNED)
        if net <= 0 and account is not None and account.paid == 0 and planned.exists():
            cancelled = planned.update(status=Instalment.Status.CANCELLED)
            event_record(application=app, kind="breach_recorded", actor=by, reason=explanation.strip(),
                         payload={"cancelled_instalments": cancelled, "claimed": "0.00"})
            return None
        if net <= 0:
            raise ServiceError(_("Rien de plus n'est à réclamer : ce qui a été versé est déjà réclamé ou remboursé."))
        Instalment.objects.filter(application=app, status=Instalment.Status.PLANNED).update(status=Instalment.Status.CANCELLED)
        return _order_create(application=app, amount=net, reason=RepaymentOrder.Reason.BREACH, explanation=explanation.strip(), by=by, today=today)


def _claimable(app: Application) -> tuple[Account | None, Decimal]:
    """The file's account and what is left to claim: paid, less what was repaid or waived and
    what open orders already claim (never claimed twice)."""
    account = Account.objects.filter(application=app).first()
    net = account.paid - account.repaid - account.waived if account else ZERO
    open_claims = app.repayment_orders.filter(
        status__in=[RepaymentOrder.Status.NOTICE_SENT, RepaymentOrder.Status.ANSWERED, RepaymentOrder.Status.STANDING]
    ).aggregate(s=Sum("amount"))["s"] or ZERO
    return account, net - open_claims


def aid_lost_declare_locked(*, app: Application, by, reason: str, today: date) -> RepaymentOrder | None:
    """aid_lost_declare's work; call inside a transaction holding the file's row lock."""
    membership = getattr(by, "officer_membership", None)
    if membership is None or membership.authority_id != app.scheme.authority_id:
        raise ServiceError(_("Seuls les agents de la collectivité déclarent une aide perdue."))
    if app.scheme.code != "horizons":
        raise ServiceError(_("La perte de l'aide (art. 10 et 11) relève du règlement Horizons ; en Haute-Garonne, "
                             "constatez un manquement."))
    account, net = _claimable(app)
    planned = Instalment.objects.filter(application=app, status=Instalment.Status.PLANNED)
    if account is None or account.paid == 0:
        # Art. 11: "la subvention ou le solde de celle-ci n'a pas à être versé": nothing paid,
        # nothing to claim; what was planned is not paid.
        cancelled = planned.update(status=Instalment.Status.CANCELLED)
        if not cancelled:
            raise ServiceError(_("Rien n'a été versé et aucune échéance n'est prévue : il n'y a rien à réclamer ni à annuler."))
        event_record(application=app, kind="aid_lost_declared", actor=by, reason=reason,
                     payload={"cancelled_instalments": cancelled, "claimed": "0.00"})
        return None
    if net <= 0:
        raise ServiceError(_("Rien de plus n'est à réclamer : ce qui a été versé est déjà réclamé ou remboursé."))
    cancelled = planned.update(status=Instalment.Status.CANCELLED)
    event_record(application=app, kind="aid_lost_declared", actor=by, reason=reason,
                 payload={"cancelled_instalments": cancelled, "claimed": str(net)})
    return _order_create(application=app, amount=net, reason=RepaymentOrder.Reason.LOST, explanation=reason, by=by, today=today)


def aid_lost_declare(*, application: Application, by, reason: str, today: date) -> RepaymentOrder | None:
    """Art. 10: "A défaut d'information de la Région en temps utile par l'étudiant, le bénéfice
    de l'aide régionale est perdu [...] tenu de rembourser l'intégralité des sommes perçues". The
    Région declares it itself (a change never reported, a breach found at a control): the planned
    instalments are cancelled and everything received, net of what was repaid, waived or already
    claimed, is claimed after a formal notice (Art. 11). When nothing was paid there is nothing to
    claim: the planned instalments are cancelled and None is returned."""
    if not reason.strip():
        raise ServiceError(_("Motivez la perte de l'aide."), field="reason")
    with transaction.atomic():
        app = application_locked(application)
        return aid_lost_declare_locked(app=app, by=by, reason=reason.strip(), today=today)


def _order_locked(order: RepaymentOrder) -> tuple[Application, RepaymentOrder]:
    app = application_locked(order.application)
    return app, RepaymentOrder.objects.select_for_update().get(pk=order.pk)


def notice_received(*, order: RepaymentOrder, received_on: date, by) -> RepaymentOrder:
    """Record the date on the acknowledgement of receipt: the month to answer runs from it. A
    notice cannot be received before it was issued."""
    with transaction.atomic():
        app, order = _order_locked(order)
        issued = timezone.localdate(order.notice_letter.sent_at) if order.notice_letter and order.notice_letter.sent_at else order.created_on
        if received_on < issued:
            raise ServiceError(_("La mise en demeure a été émise le %(d)s : elle ne peut avoir été reçue avant.")
                               % {"d": issued.strftime("%d/%m/%Y")}, field="received_on")
        order.notice_received_on, order.response_due = received_on, deadlines.notice_answer_due(received_on)
        order.save(update_fields=["notice_received_on", "response_due"])
        event_record(application=app, kind="notice_received", actor=by, payload={"order": order.pk, "due": order.response_due.isoformat()})
    return order


def repayment_order_answer(*, order: RepaymentOrder, by, answer: str, today: date) -> RepaymentOrder:
    if not answer.strip():
        raise ServiceError(_("Expliquez votre situation."), field="answer")
    with transaction.atomic():
        app, order = _order_locked(order)
        if app.student_id != by.pk:
            raise ServiceError(_("Seul le bénéficiaire répond à la mise en demeure."))
        if order.status != RepaymentOrder.Status.NOTICE_SENT:
            raise ServiceError(_("Cet ordre de reversement n'attend plus de réponse."))
        if order.response_due and today > order.response_due:
            raise ServiceError(_("Le délai d'un mois pour répondre a expiré le %(d)s.") % {"d": order.response_due.strftime("%d/%m/%Y")})
        order.answer, order.answered_at, order.status = answer.strip(), timezone.now(), RepaymentOrder.Status.ANSWERED
        order.save()
        event_record(application=app, kind="repayment_answered", actor=by, reason=order.answer, payload={"order": order.pk})
    return order


def order_settled_so_far(order: RepaymentOrder) -> tuple[Decimal, Decimal]:
    """(repaid, waived) on this order, from its ledger entries."""
    rows = dict(order.ledger_entries.values_list("kind").annotate(s=Sum("amount")).values_list("kind", "s"))
    return rows.get(LedgerEntry.Kind.REPAYMENT, ZERO), rows.get(LedgerEntry.Kind.WAIVER, ZERO)


def repayment_order_decide(*, order: RepaymentOrder, by, waive: bool, note: str, today: date,
                           amount: Decimal | None = None) -> RepaymentOrder:
    """Accept exceptional circumstances and waive the debt (Art. 11), or maintain the order.

    Art. 11 lets the Région claim "soit dans leur intégralité, soit à due proportion": a waiver
    may be partial. `amount` is the sum waived (0.01 to what remains due; None: all of it); it is
    booked in the ledger and the rest stays due. Whenever something stays due, the student is
    told in writing that the claim is upheld (the demand letter, through the outbox)."""
    if not note.strip():
        raise ServiceError(_("Motivez la décision."), field="note")
    with transaction.atomic():
        app, order = _order_locked(order)
        membership = getattr(by, "officer_membership", None)
        if membership is None or membership.authority_id != app.scheme.authority_id:
            raise ServiceError(_("Seuls les agents de la collectivité statuent sur un reversement."))
        if order.status not in (RepaymentOrder.Status.NOTICE_SENT, RepaymentOrder.Status.ANSWERED):
            raise ServiceError(_("Cet ordre a déjà été tranché."))
        repaid, waived = order_settled_so_far(order)
        remaining = order.amount - repaid - waived
        waived_now = ZERO
        if waive:
            waived_now = remaining if amount is None else money(amount)
            if waived_now < Decimal("0.01") or waived_now > remaining:
                raise ServiceError(_("La remise doit être comprise entre %(min)s et %(r)s (reste dû).")
                                   % {"min": euros(Decimal("0.01")), "r": euros(remaining)}, field="amount")
        order.decision_note, order.decided_by, order.decided_at = note.strip(), by, timezone.now()
        if waived_now:
            _book(application=app, kind=LedgerEntry.Kind.WAIVER, amount=waived_now, by=by, today=today, order=order, note=note)
        due = remaining - waived_now
        order.status = RepaymentOrder.Status.WAIVED if due == 0 else RepaymentOrder.Status.STANDING
        order.save()
        event_record(application=app, kind="repayment_decided", actor=by, reason=order.decision_note,
                     payload={"order": order.pk, "waived": waive, "waived_amount": str(waived_now), "due": str(due)})
        if due > 0:
            # Art. 11: the claim is upheld after the contradictory step; the student is told so.
            outbox_put(task="payments.issue_repayment_demand", args=[order.pk], key=f"repayment-demand:{order.pk}")
    return order


def repayment_record(*, order: RepaymentOrder, amount: Decimal, by, today: date) -> RepaymentOrder:
    """A repayment received (possibly in part); the order is settled when fully repaid."""
    with transaction.atomic():
        app, order = _order_locked(order)
        repaid, waived = order_settled_so_far(order)
        remaining = order.amount - repaid - waived
        if order.status in (RepaymentOrder.Status.WAIVED, RepaymentOrder.Status.SETTLED) or remaining <= 0:
            raise ServiceError(_("Plus rien n'est dû sur cet ordre."))
        if amount <= 0 or amount > remaining:
            raise ServiceError(_("Le montant doit être positif et au plus %(r)s.") % {"r": euros(remaining)}, field="amount")
        # The State's part of an Apprentis chèque comes back to it in proportion (Art. 3).
        account = Account.objects.get(application=app)
        state_paid = app.ledger.filter(kind=LedgerEntry.Kind.PAYMENT).aggregate(s=Sum("state_share"))["s"] or ZERO
        share = money(amount * state_paid / account.paid) if account.paid else ZERO
        _book(application=app, kind=LedgerEntry.Kind.REPAYMENT, amount=amount, by=by, today=today, order=order,
              state_share=share)
        if amount == remaining:
            order.status = RepaymentOrder.Status.SETTLED
            order.save(update_fields=["status"])
    return order


NOTICE_REMINDER_BEFORE = timedelta(days=7)


def repayment_orders_sweep(*, today: date) -> int:
    """A reminder a week before the month to answer ends (once); then the orders left without an
    answer stand. Set-based; running it twice sends and changes nothing more."""
    with transaction.atomic():
        remind = list(
            RepaymentOrder.objects.select_for_update().filter(
                status=RepaymentOrder.Status.NOTICE_SENT, reminder_sent_on__isnull=True,
                response_due__range=(today, today + NOTICE_REMINDER_BEFORE),
            ).values_list("pk", "application_id", "response_due")
        )
        RepaymentOrder.objects.filter(pk__in=[pk for pk, _, _ in remind]).update(reminder_sent_on=today)
        outbox_put_many([
            ("applications.send_mail", [app_id, "notice_reminder", {"due": due.strftime("%d/%m/%Y")}],
             f"mail:notice_reminder:order-{pk}")
            for pk, app_id, due in remind
        ])
        return RepaymentOrder.objects.filter(
            status=RepaymentOrder.Status.NOTICE_SENT, response_due__lt=today
        ).update(status=RepaymentOrder.Status.STANDING)
