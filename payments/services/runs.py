"""Payment runs (SEPA credit transfers) and the ledger: what is payable, a run's creation,
confirmation and cancellation, each movement booked once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext as _

from applications.events import event_record
from applications.models import Application
from applications.services import ServiceError
from applications.states import State
from decisions.models import Letter
from schemes.engine.money import ZERO

from ..models import Account, Instalment, LedgerEntry, PaymentRun

# The letter a scheme's student accepts online before any payment (Aude, Haute-Garonne).
ACCEPTANCE_LETTER = {"aude": Letter.Kind.AGREEMENT, "haute-garonne": Letter.Kind.COMMITMENT}


# --- Payment runs ----------------------------------------------------------------------------
def instalments_payable(today: date):
    accepted = Letter.objects.filter(
        application=OuterRef("application"), decision=OuterRef("application__current_decision"),
        requires_acceptance=True, accepted_at__isnull=False,
    )
    return (
        Instalment.objects.filter(status=Instalment.Status.PLANNED, awaiting_proof=False, due_on__lte=today,
                                  application__state=State.GRANTED)
        .exclude(latest_on__lt=today)
        # Aude and Haute-Garonne: nothing is paid before the agreement or commitment is accepted.
        # Read on the instalment's own scheme (its file's), the scheme test first: PostgreSQL
        # then never builds the accepted letters' hash for a list whose schemes ask for none.
        .filter(~Q(scheme__code__in=list(ACCEPTANCE_LETTER)) | Exists(accepted))
        # Art. 11: payments are suspended while a control (Art. 12) is open on the file.
        .exclude(application__controls__status="open")
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
            instalments_payable(today).select_for_update(of=("self",)).select_related("application")
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
