"""Writes of the money side. Lock order: the run, then applications by pk, then instalments by
pk. Amounts are Decimal; every movement is a LedgerEntry plus an Account update in the same
transaction, which the database's CHECK constraints guard."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.events import event_record
from applications.models import Application, Decision, Letter
from applications.services.workflow import ServiceError, _locked
from applications.states import State
from schemes.engine.money import ZERO, eur, euros, money

from . import deadlines, schedule
from .models import Account, BalanceRequest, Instalment, LedgerEntry, PaymentRun, RepaymentOrder

ACCEPTANCE_LETTER = {"aude": Letter.Kind.AGREEMENT, "haute-garonne": Letter.Kind.COMMITMENT}


# --- Planning ----------------------------------------------------------------------------------
def _snapshot_parameter(decision: Decision, key: str, default=None):
    for item in decision.snapshot.get("parameters", []):
        if item["key"] == key:
            return item["value"]
    return default


def _planned(decision: Decision, amount: Decimal) -> list[Instalment]:
    """Instalments for `amount` of a decision, by the scheme's schedule."""
    app, data = decision.application, decision.snapshot.get("input", {})
    code = app.scheme.code
    section = data.get("mobility") or data.get("internship") or {}
    start, end = date.fromisoformat(section["start_date"]), date.fromisoformat(section["end_date"])
    if code == "horizons":
        rate = Decimal(str(_snapshot_parameter(decision, "advance_rate", "0.60")))
        month, day = (int(x) for x in str(_snapshot_parameter(decision, "balance_deadline", "12-31")).split("-"))
        plan = schedule.horizons_schedule(amount=amount, advance_rate=rate, act_date=decision.decided_on,
                                          mobility_start=start, balance_deadline=(month, day))
        kinds = [Instalment.Kind.ADVANCE, Instalment.Kind.BALANCE]
    elif code == "aude":
        plan, kinds = schedule.aude_schedule(amount=amount, start=start, end=end), [Instalment.Kind.SINGLE]
    else:
        max_months = int(_snapshot_parameter(decision, "max_months", 6))
        plan = schedule.haute_garonne_schedule(amount=amount, start=start, end=end, max_months=max_months)
        kinds = [Instalment.Kind.MONTHLY] * len(plan)
    state_rate = Decimal(str(_snapshot_parameter(decision, "apprentice_state_share", "0"))) if app.aid == "apprentice" else ZERO
    total_state, out = money(amount * state_rate), []
    for index, (item, kind) in enumerate(zip(plan, kinds, strict=True), start=1):
        # The State's share splits like the amount; the last instalment takes the rounding rest.
        share = money(item.amount * state_rate) if index < len(plan) else total_state - sum((i.state_share for i in out), ZERO)
        out.append(Instalment(
            application=app, decision=decision, kind=kind, sequence=index, label=item.label, amount=item.amount,
            state_share=share, due_on=item.due_on, latest_on=item.latest_on, condition=item.condition,
            article=item.article, awaiting_proof=kind == Instalment.Kind.BALANCE,
        ))
    return out


def payment_plan_for_decision(*, decision: Decision, today: date) -> list[Instalment]:
    """Plan what a decision leaves to pay. Call while holding the application's row lock.

    A first decision gets the scheme's whole schedule. A later one (after an appeal or a reported
    change) cancels what is still unpaid, then plans the difference between its amount and what
    has been paid net; when less is due than was paid, a repayment order claims the excess."""
    app = decision.application
    account, _created = Account.objects.select_for_update().get_or_create(application=app)
    if decision.amount > account.ceiling:
        Account.objects.filter(pk=account.pk).update(ceiling=decision.amount)
    Instalment.objects.filter(application=app, status=Instalment.Status.PLANNED).update(status=Instalment.Status.CANCELLED)
    net_paid = account.paid - account.repaid - account.waived
    if decision.outcome != "granted" or decision.amount <= 0:
        instalments = []
    elif net_paid == 0:
        instalments = _planned(decision, decision.amount)
    elif decision.amount > net_paid:
        rest = decision.amount - net_paid
        instalments = [Instalment(
            application=app, decision=decision, kind=Instalment.Kind.BALANCE if app.scheme.code == "horizons" else Instalment.Kind.SINGLE,
            sequence=1, label=_("Complément"), amount=rest, due_on=today, condition=_("décision modificative"),
            article="Art. 10", awaiting_proof=app.scheme.code == "horizons",
            latest_on=_planned(decision, decision.amount)[-1].latest_on if app.scheme.code == "horizons" else None,
        )]
    else:
        instalments = []
    Instalment.objects.bulk_create(instalments)
    if decision.amount < net_paid:
        _order_create(application=app, amount=net_paid - max(decision.amount, ZERO), reason=RepaymentOrder.Reason.CHANGE,
                      explanation=_("La nouvelle décision ramène l'aide à %(a)s.") % {"a": eur(decision.amount)}, by=None, today=today)
    return instalments


# --- Payment runs ----------------------------------------------------------------------------
def _payable(today: date):
    accepted = Letter.objects.filter(
        application=OuterRef("application"), decision=OuterRef("application__current_decision"),
        requires_acceptance=True, accepted_at__isnull=False,
    )
    return (
        Instalment.objects.filter(status=Instalment.Status.PLANNED, awaiting_proof=False, due_on__lte=today,
                                  application__state=State.GRANTED)
        .exclude(latest_on__lt=today)
        .annotate(accepted=Exists(accepted))
        # Aude and Haute-Garonne: nothing is paid before the agreement or commitment is accepted.
        .exclude(application__scheme__code__in=list(ACCEPTANCE_LETTER), accepted=False)
    )


def payment_run_create(*, authority, instalment_ids, by, execution_date: date, today: date) -> PaymentRun:
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException
    from sepaxml import SepaTransfer

    if getattr(getattr(by, "officer_membership", None), "authority_id", None) != authority.pk:
        raise ServiceError(_("Seuls les agents de %(a)s préparent ses paiements.") % {"a": authority.name})
    if execution_date < today:
        raise ServiceError(_("La date d'exécution ne peut pas être passée."), field="execution_date")
    with transaction.atomic():
        # The authority's row lock serialises run numbering (and run creation) per authority.
        type(authority).objects.select_for_update().get(pk=authority.pk)
        items = list(
            _payable(today).select_for_update(of=("self",)).select_related("application")
            .filter(pk__in=list(instalment_ids), application__scheme__authority=authority).order_by("pk")
        )
        if not items:
            raise ServiceError(_("Aucune des échéances choisies n'est payable (déjà payée, dans un lot, ou pas encore due)."))
        bad = []
        for item in items:
            try:
                IBAN(item.application.iban)
            except SchwiftyException:
                bad.append(item.application.reference)
        if bad:
            raise ServiceError(_("IBAN invalide ou absent pour : %(refs)s.") % {"refs": ", ".join(sorted(set(bad)))})
        prefix = f"RUN-{authority.code.upper()[:12]}-{today:%Y%m%d}-"
        count = PaymentRun.objects.filter(authority=authority, reference__startswith=prefix).count()
        reference = f"{prefix}{count + 1:03d}"
        transfer = SepaTransfer(
            {"name": settings.TREASURY_NAME or authority.name, "IBAN": settings.TREASURY_IBAN, "BIC": settings.TREASURY_BIC,
             "batch": True, "currency": "EUR"},
            clean=True,
        )
        for item in items:
            transfer.add_payment({
                "name": (item.application.account_holder or item.application.applicant_name)[:70],
                "IBAN": IBAN(item.application.iban).compact,
                "amount": int((item.amount * 100).to_integral_value()),
                "execution_date": execution_date,
                "description": f"{item.application.reference} {item.label}"[:140],
                "endtoend_id": f"I{item.pk}",
            })
        xml = transfer.export(validate=True).decode()  # validated against the pain.001.001.03 XSD
        run = PaymentRun.objects.create(
            authority=authority, reference=reference, execution_date=execution_date, total=sum((i.amount for i in items), ZERO),
            count=len(items), sepa_xml=xml, created_by=by,
        )
        Instalment.objects.filter(pk__in=[i.pk for i in items]).update(status=Instalment.Status.IN_RUN, run=run)
        _run_events(run, kind="payment_run_created", by=by)
    return run


def _run_events(run: PaymentRun, *, kind: str, by) -> None:
    """One event per file of the run, under the files' row locks (taken in pk order)."""
    ids = sorted(set(Instalment.objects.filter(run=run).values_list("application_id", flat=True)))
    for app in Application.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
        event_record(application=app, kind=kind, actor=by, payload={"run": run.reference})


def payment_run_confirm(*, run: PaymentRun, by, today: date) -> int:
    """The treasury confirms the transfers: each instalment is paid once, whoever confirms, however
    often (the run's row lock, the instalment's status and a unique ledger constraint agree)."""
    with transaction.atomic():
        run = PaymentRun.objects.select_for_update().get(pk=run.pk)
        if run.status != PaymentRun.Status.PREPARED:
            return 0
        if getattr(getattr(by, "officer_membership", None), "authority_id", None) != run.authority_id:
            raise ServiceError(_("Seuls les agents de la collectivité confirment ses paiements."))
        app_ids = sorted(set(run.instalments.values_list("application_id", flat=True)))
        apps = {a.pk: a for a in Application.objects.select_for_update().filter(pk__in=app_ids).order_by("pk")}
        items = list(run.instalments.select_for_update().filter(status=Instalment.Status.IN_RUN).order_by("pk"))
        for item in items:
            _book(application=apps[item.application_id], kind=LedgerEntry.Kind.PAYMENT, amount=item.amount,
                  state_share=item.state_share, instalment=item, by=by, today=today, note=item.label)
        Instalment.objects.filter(pk__in=[i.pk for i in items]).update(status=Instalment.Status.PAID, paid_on=today)
        run.status, run.confirmed_by, run.confirmed_on = PaymentRun.Status.CONFIRMED, by, today
        run.save()
    return len(items)


def payment_run_cancel(*, run: PaymentRun, by) -> None:
    with transaction.atomic():
        run = PaymentRun.objects.select_for_update().get(pk=run.pk)
        if getattr(getattr(by, "officer_membership", None), "authority_id", None) != run.authority_id:
            raise ServiceError(_("Seuls les agents de la collectivité annulent ses lots de paiement."))
        if run.status != PaymentRun.Status.PREPARED:
            raise ServiceError(_("Seul un lot non confirmé peut être annulé."))
        _run_events(run, kind="payment_run_cancelled", by=by)
        run.instalments.filter(status=Instalment.Status.IN_RUN).update(status=Instalment.Status.PLANNED, run=None)
        run.status = PaymentRun.Status.CANCELLED
        run.save()


def _book(*, application: Application, kind: str, amount: Decimal, by, today: date, note: str = "",
          state_share: Decimal = ZERO, instalment=None, order=None) -> LedgerEntry:
    """One ledger entry and the matching Account update; the CHECK constraints reject any
    movement that would pay beyond the award or repay beyond what was paid."""
    entry = LedgerEntry.objects.create(
        application=application, kind=kind, amount=amount, state_share=state_share, instalment=instalment,
        repayment_order=order, booked_on=today, recorded_by=by, note=note[:300],
    )
    column = {LedgerEntry.Kind.PAYMENT: "paid", LedgerEntry.Kind.REPAYMENT: "repaid", LedgerEntry.Kind.WAIVER: "waived"}[kind]
    Account.objects.get_or_create(application=application)
    Account.objects.filter(application=application).update(**{column: F(column) + amount})
    event_record(application=application, kind=f"ledger_{kind}", actor=by, payload={"entry": entry.pk, "amount": str(amount)})
    return entry


# --- Horizons balance (Art. 9) ------------------------------------------------------------------
def balance_request_submit(*, application: Application, by, actual_end_date: date, today: date) -> BalanceRequest:
    """Recompute the final amount on the actual duration with the decision's own parameters:
    never above the notified amount, nothing for a residue under a week, everything lost below
    the minimum. The balance, or a repayment order for the excess advance, follows."""
    from applications.snapshots import snapshot_settle

    with transaction.atomic():
        app = _locked(application)
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
            app = _locked(item.application)
            event_record(application=app, kind="balance_lapsed", payload={"instalment": item.pk, "deadline": item.latest_on.isoformat()})
            if net > 0:
                _order_create(application=app, amount=net, reason=RepaymentOrder.Reason.LAPSED, by=None, today=today,
                              explanation=_("Les justificatifs du séjour n'ont pas été produits avant le %(d)s.") % {"d": item.latest_on.strftime("%d/%m/%Y")})
    return len(lapsed)


# --- Recovery (Art. 11) ------------------------------------------------------------------------
def _order_create(*, application: Application, amount: Decimal, reason: str, explanation: str, by, today: date) -> RepaymentOrder:
    from .tasks import issue_formal_notice

    order = RepaymentOrder.objects.create(application=application, reason=reason, amount=amount, explanation=explanation,
                                          created_on=today, created_by=by)
    event_record(application=application, kind="repayment_ordered", actor=by, reason=explanation,
                 payload={"order": order.pk, "amount": str(amount), "reason": reason})
    transaction.on_commit(lambda: issue_formal_notice.delay(order.pk))
    return order


def breach_claim(*, application: Application, by, explanation: str, today: date) -> RepaymentOrder:
    """Haute-Garonne: breach of the commitments; everything paid is claimed back."""
    if not explanation.strip():
        raise ServiceError(_("Motivez le constat de manquement."), field="explanation")
    with transaction.atomic():
        app = _locked(application)
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
        if net <= 0:
            raise ServiceError(_("Rien de plus n'est à réclamer : ce qui a été versé est déjà réclamé ou remboursé."))
        Instalment.objects.filter(application=app, status=Instalment.Status.PLANNED).update(status=Instalment.Status.CANCELLED)
        return _order_create(application=app, amount=net, reason=RepaymentOrder.Reason.BREACH, explanation=explanation.strip(), by=by, today=today)


def _order_locked(order: RepaymentOrder) -> tuple[Application, RepaymentOrder]:
    app = _locked(order.application)
    return app, RepaymentOrder.objects.select_for_update().get(pk=order.pk)


def notice_received(*, order: RepaymentOrder, received_on: date, by) -> RepaymentOrder:
    """Record the date on the acknowledgement of receipt: the month to answer runs from it."""
    with transaction.atomic():
        app, order = _order_locked(order)
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


def repayment_order_decide(*, order: RepaymentOrder, by, waive: bool, note: str, today: date) -> RepaymentOrder:
    """Accept exceptional circumstances and waive the debt (Art. 11), or maintain the order."""
    if not note.strip():
        raise ServiceError(_("Motivez la décision."), field="note")
    with transaction.atomic():
        app, order = _order_locked(order)
        membership = getattr(by, "officer_membership", None)
        if membership is None or membership.authority_id != app.scheme.authority_id:
            raise ServiceError(_("Seuls les agents de la collectivité statuent sur un reversement."))
        if order.status not in (RepaymentOrder.Status.NOTICE_SENT, RepaymentOrder.Status.ANSWERED):
            raise ServiceError(_("Cet ordre a déjà été tranché."))
        order.decision_note, order.decided_by, order.decided_at = note.strip(), by, timezone.now()
        if waive:
            _book(application=app, kind=LedgerEntry.Kind.WAIVER, amount=order.amount, by=by, today=today, order=order, note=note)
            order.status = RepaymentOrder.Status.WAIVED
        else:
            order.status = RepaymentOrder.Status.STANDING
        order.save()
        event_record(application=app, kind="repayment_decided", actor=by, reason=order.decision_note,
                     payload={"order": order.pk, "waived": waive})
    return order


def repayment_record(*, order: RepaymentOrder, amount: Decimal, by, today: date) -> RepaymentOrder:
    """A repayment received (possibly in part); the order is settled when fully repaid."""
    with transaction.atomic():
        app, order = _order_locked(order)
        repaid = order.ledger_entries.filter(kind=LedgerEntry.Kind.REPAYMENT).aggregate(s=Sum("amount"))["s"] or ZERO
        if amount <= 0 or amount > order.amount - repaid:
            raise ServiceError(_("Le montant doit être positif et au plus %(r)s.") % {"r": euros(order.amount - repaid)}, field="amount")
        # The State's part of an Apprentis chèque comes back to it in proportion (Art. 3).
        account = Account.objects.get(application=app)
        state_paid = app.ledger.filter(kind=LedgerEntry.Kind.PAYMENT).aggregate(s=Sum("state_share"))["s"] or ZERO
        share = money(amount * state_paid / account.paid) if account.paid else ZERO
        _book(application=app, kind=LedgerEntry.Kind.REPAYMENT, amount=amount, by=by, today=today, order=order,
              state_share=share)
        if repaid + amount == order.amount:
            order.status = RepaymentOrder.Status.SETTLED
            order.save(update_fields=["status"])
    return order


NOTICE_REMINDER_BEFORE = timedelta(days=7)


def repayment_orders_sweep(*, today: date) -> int:
    """A reminder a week before the month to answer ends (once); then the orders left without an
    answer stand. Set-based; running it twice sends and changes nothing more."""
    from applications.tasks import send_application_mail

    with transaction.atomic():
        remind = list(
            RepaymentOrder.objects.select_for_update().filter(
                status=RepaymentOrder.Status.NOTICE_SENT, reminder_sent_on__isnull=True,
                response_due__range=(today, today + NOTICE_REMINDER_BEFORE),
            ).values_list("pk", "application_id", "response_due")
        )
        RepaymentOrder.objects.filter(pk__in=[pk for pk, _, _ in remind]).update(reminder_sent_on=today)
        for _pk, app_id, due in remind:
            transaction.on_commit(lambda a=app_id, d=due: send_application_mail.delay(
                a, "notice_reminder", {"due": d.strftime("%d/%m/%Y")}))
        return RepaymentOrder.objects.filter(
            status=RepaymentOrder.Status.NOTICE_SENT, response_due__lt=today
        ).update(status=RepaymentOrder.Status.STANDING)
