"""The Horizons balance (Art. 9): the student's request with the stay's real dates,
computed by the engine's settlement; lapsed balances claim the advance back."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from applications.events import event_record
from applications.models import Application
from applications.services import ServiceError, application_locked
from applications.states import State
from decisions.snapshots import snapshot_settle
from schemes.engine.money import ZERO, eur

from ..models import Account, BalanceRequest, Instalment, RepaymentOrder
from .recovery import _order_create


# --- Horizons balance (Art. 9) ------------------------------------------------------------------
def balance_request_submit(*, application: Application, by, actual_end_date: date, today: date) -> BalanceRequest:
    """Recompute the final amount on the actual duration with the decision's own parameters:
    never above the notified amount, nothing for a residue under a week, everything lost below
    the minimum. The balance, or a repayment order for the excess advance, follows."""

    with transaction.atomic():
        app = application_locked(application)
        if app.student_id != by.pk:
            raise ServiceError(_("Seul le bénéficiaire demande le solde de son aide."))
        if app.scheme.code != "horizons" or app.state != State.GRANTED:
            raise ServiceError(_("Le solde se demande pour une aide Horizons attribuée."))
        balance = app.instalments.filter(kind=Instalment.Kind.BALANCE, status=Instalment.Status.PLANNED, awaiting_proof=True).first()
        if balance is None:
            raise ServiceError(_("Aucun solde n'est en attente pour ce dossier."))
        if balance.latest_on and today > balance.latest_on:
            raise ServiceError(_("Le solde devait être demandé avant le %(d)s (art. 9) : il est caduc.") % {"d": balance.latest_on.strftime("%d/%m/%Y")})
        advance = app.instalments.filter(kind=Instalment.Kind.ADVANCE, status=Instalment.Status.PAID).aggregate(s=Sum("amount"))["s"]
        if advance is None:
            raise ServiceError(_("L'avance n'a pas encore été versée : le solde se demandera ensuite."))
        start = date.fromisoformat(app.current_decision.snapshot["input"]["mobility"]["start_date"])
        if actual_end_date < start:
            raise ServiceError(_("La date de fin effective précède le début de la mobilité."), field="actual_end_date")
        settlement = snapshot_settle(app.current_decision.snapshot, actual_end_date=actual_end_date)
        final = min(settlement.final_amount, app.current_decision.amount)
        to_pay, to_claim = max(final - advance, ZERO), max(advance - final, ZERO)
        request = BalanceRequest.objects.create(
            application=app, actual_end_date=actual_end_date, requested_on=today, requested_by=by,
            settlement={"final_amount": str(settlement.final_amount), "advance": str(settlement.advance),
                        "balance": str(settlement.balance), "repayment": str(settlement.repayment),
                        "actual_weeks": settlement.actual_weeks, "actual_months": settlement.actual_months},
            final_amount=final, balance=to_pay, repayment=to_claim,
        )
        if to_pay > 0:
            Instalment.objects.filter(pk=balance.pk).update(amount=to_pay, awaiting_proof=False, due_on=today,
                                                            state_share=min(balance.state_share, to_pay))
        else:
            Instalment.objects.filter(pk=balance.pk).update(status=Instalment.Status.CANCELLED)
        event_record(application=app, kind="balance_requested", actor=by,
                     payload={"request": request.pk, "final": str(final), "balance": str(to_pay), "repayment": str(to_claim)})
        if to_claim > 0:
            _order_create(application=app, amount=to_claim, reason=RepaymentOrder.Reason.SETTLEMENT, by=None, today=today,
                          explanation=_("Durée réalisée : montant définitif %(f)s pour une avance de %(a)s.") % {"f": eur(final), "a": eur(advance)})
    return request


def balances_lapse(*, today: date) -> int:
    """Past the deadline the balance lapses and the advance is claimed back (Art. 9: the aid is
    acquired only on proof of the stay). Set-based; running it twice changes nothing."""
    with transaction.atomic():
        lapsed = list(
            Instalment.objects.select_for_update(of=("self",)).filter(
                kind=Instalment.Kind.BALANCE, status=Instalment.Status.PLANNED, awaiting_proof=True, latest_on__lt=today
            ).order_by("application_id")
        )
        Instalment.objects.filter(pk__in=[i.pk for i in lapsed]).update(status=Instalment.Status.LAPSED)
        accounts = {a.application_id: a for a in Account.objects.filter(application_id__in=[i.application_id for i in lapsed])}
        for item in lapsed:
            account = accounts.get(item.application_id)
            net = account.paid - account.repaid - account.waived if account else ZERO
            app = application_locked(item.application)
            event_record(application=app, kind="balance_lapsed", payload={"instalment": item.pk, "deadline": item.latest_on.isoformat()})
            if net > 0:
                _order_create(application=app, amount=net, reason=RepaymentOrder.Reason.LAPSED, by=None, today=today,
                              explanation=_("Les justificatifs du séjour n'ont pas été produits avant le %(d)s.") % {"d": item.latest_on.strftime("%d/%m/%Y")})
    return len(lapsed)
