"""The Horizons balance (Art. 9): the student's request with the stay's real dates,
computed by the engine's settlement; lapsed balances claim the advance back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.events import event_record
from applications.models import Application
from applications.services import ServiceError, application_locked
from applications.states import State
from decisions.snapshots import snapshot_settle
from schemes.engine.money import ZERO, eur, money

from ..models import Account, BalanceRequest, Instalment, RepaymentOrder
from .recovery import _order_create

# --- Horizons balance (Art. 9) ------------------------------------------------------------------
# The proof of the stay each aid is paid its balance on (Art. 9.1 and 9.2). The grants also need
# the *definitive* scholarship notice for the year concerned.
COMPLETION_PROOFS = {
    ("grant", "study"): gettext_lazy("Attestation d'exécution de la scolarité, émise par l'établissement d'accueil, avec les dates effectives de début et de fin (art. 9.1)"),
    ("grant", "internship"): gettext_lazy("Attestation d'exécution du stage, émise par l'établissement d'accueil, avec les dates effectives de début et de fin (art. 9.1)"),
    ("eurocampus", "study"): gettext_lazy("Attestation de l'établissement d'accueil : nom, prénom, date de naissance, diplôme préparé, crédits ECTS obtenus, dates de début et de fin du cursus (art. 9.2)"),
    ("pegasus", None): gettext_lazy("Document de l'établissement de rattachement attestant que la mobilité du PEGASUS AWARD a été effectuée (art. 9.2)"),
}
INTERNSHIP_PROOF = gettext_lazy("Attestation d'exécution du stage, émise par la structure d'accueil, avec les dates effectives de début et de fin (art. 9.2)")
SCHOLARSHIP_PROOF = gettext_lazy("Attestation définitive d'attribution de bourse (CROUS, ministère compétent, FNAU ou Région) pour l'année universitaire concernée (art. 9.1)")


def balance_proofs(*, aid: str, kind: str) -> dict[str, str]:
    """The proofs a balance request needs: {"stay_certificate": label, ["scholarship_notice": label]}."""
    label = COMPLETION_PROOFS.get((aid, kind)) or COMPLETION_PROOFS.get((aid, None)) or INTERNSHIP_PROOF
    proofs = {"stay_certificate": str(label)}
    if aid == "grant":
        proofs["scholarship_notice"] = str(SCHOLARSHIP_PROOF)
    return proofs


def _mobility(app: Application) -> dict:
    return (app.current_decision.snapshot.get("input") or {}).get("mobility") or {}


def balance_request_submit(*, application: Application, by, actual_end_date: date, today: date, proofs=()) -> BalanceRequest:
    """The student asks for the balance once the stay is over, with the proofs of Art. 9
    (`proofs`: (name, upload) pairs, names from `balance_proofs`). Nothing becomes payable on
    this declaration: an officer checks the proofs and the dates (balance_request_review)."""
    from applications.services import document_add

    proofs = [(name, upload) for name, upload in proofs if upload]
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
        if app.balance_requests.filter(status=BalanceRequest.Status.PENDING).exists():
            raise ServiceError(_("Votre demande de solde est en cours de vérification."))
        if not app.instalments.filter(kind=Instalment.Kind.ADVANCE, status=Instalment.Status.PAID).exists():
            raise ServiceError(_("L'avance n'a pas encore été versée : le solde se demandera ensuite."))
        start = date.fromisoformat(_mobility(app)["start_date"])
        if actual_end_date < start:
            raise ServiceError(_("La date de fin effective précède le début de la mobilité."), field="actual_end_date")
        if today < actual_end_date:
            # Art. 9: the balance is paid on the proof of the stay done, hence after its end.
            raise ServiceError(_("Le solde se demande une fois la mobilité terminée, à partir du %(d)s.")
                               % {"d": actual_end_date.strftime("%d/%m/%Y")}, field="actual_end_date")
        needed = balance_proofs(aid=app.aid or "grant", kind=_mobility(app).get("kind", "study"))
        given = dict(proofs)
        for name, label in needed.items():
            if name not in given:
                raise ServiceError(_("Joignez cette pièce : %(p)s.") % {"p": label}, field=name)
        documents = [document_add(application=app, by=by, kind="other", upload=given[name]).pk for name in needed]
        app.refresh_from_db(fields=["events_head", "events_count"])  # document_add wrote to the chain
        request = BalanceRequest.objects.create(application=app, actual_end_date=actual_end_date, requested_on=today,
                                                requested_by=by, documents=documents)
        event_record(application=app, kind="balance_requested", actor=by,
                     payload={"request": request.pk, "actual_end_date": actual_end_date.isoformat(), "documents": documents})
    return request


def balance_final_amount(decision, settlement_final: Decimal) -> Decimal:
    """Art. 6 and 9: the final amount on the actual duration, applied to the amount actually
    decided. A decision below the texts' amount (the Horizons grant "up to", a derogation) is
    prorated in the same proportion, never raised above what was notified."""
    engine = Decimal(str((decision.snapshot.get("result") or {}).get("amount") or "0"))
    final = settlement_final
    if engine > 0 and decision.amount < engine:
        final = money(settlement_final * decision.amount / engine)
    return min(final, decision.amount)


def balance_request_review(*, request: BalanceRequest, by, validate: bool, note: str = "", today: date,
                           checked_start_date: date | None = None, checked_end_date: date | None = None) -> BalanceRequest:
    """An officer of the Région checks the proofs. Validated, with the dates read on the
    attestation, the settlement is computed on them and the balance planned (or the excess
    advance claimed back); refused, with the reason, nothing is paid and the student may send
    other proofs while the deadline runs."""
    with transaction.atomic():
        app = application_locked(request.application)
        membership = getattr(by, "officer_membership", None)
        if membership is None or membership.authority_id != app.scheme.authority_id:
            raise ServiceError(_("Seuls les agents de la collectivité vérifient les justificatifs du solde."))
        request = BalanceRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != BalanceRequest.Status.PENDING:
            raise ServiceError(_("Cette demande de solde a déjà été examinée."))
        request.reviewed_by, request.reviewed_at, request.review_note = by, timezone.now(), note.strip()
        if not validate:
            if not note.strip():
                raise ServiceError(_("Motivez le refus des justificatifs."), field="note")
            request.status = BalanceRequest.Status.REJECTED
            request.save()
            event_record(application=app, kind="balance_proofs_rejected", actor=by, reason=request.review_note,
                         payload={"request": request.pk})
            return request
        if checked_start_date is None or checked_end_date is None:
            raise ServiceError(_("Indiquez les dates de début et de fin effectives portées sur l'attestation."),
                               field="checked_end_date")
        if checked_end_date < checked_start_date:
            raise ServiceError(_("La date de fin précède la date de début."), field="checked_end_date")
        if checked_end_date > today:
            raise ServiceError(_("La date de fin attestée ne peut être postérieure à aujourd'hui."), field="checked_end_date")
        decision = app.current_decision
        balance = app.instalments.filter(kind=Instalment.Kind.BALANCE, status=Instalment.Status.PLANNED, awaiting_proof=True).first()
        if balance is None:
            raise ServiceError(_("Aucun solde n'est en attente pour ce dossier."))
        advance = app.instalments.filter(kind=Instalment.Kind.ADVANCE, status=Instalment.Status.PAID).aggregate(s=Sum("amount"))["s"] or ZERO
        # The settlement counts the stay from the decision's start; a later real start shortens it
        # just as an earlier end does (Art. 9: "durée de la mobilité réellement effectuée").
        planned_start = date.fromisoformat(_mobility(app)["start_date"])
        end = checked_end_date - (max(checked_start_date, planned_start) - planned_start)
        try:
            settlement = snapshot_settle(decision.snapshot, actual_end_date=max(end, planned_start))
        except ValueError:
            raise ServiceError(_("Le calcul du solde est impossible sur les données de la décision.")) from None
        final = balance_final_amount(decision, settlement.final_amount)
        to_pay, to_claim = max(final - advance, ZERO), max(advance - final, ZERO)
        request.status = BalanceRequest.Status.VALIDATED
        request.checked_start_date, request.checked_end_date = checked_start_date, checked_end_date
        request.settlement = {"final_amount": str(settlement.final_amount), "advance": str(settlement.advance),
                              "balance": str(settlement.balance), "repayment": str(settlement.repayment),
                              "actual_weeks": settlement.actual_weeks, "actual_months": settlement.actual_months}
        request.final_amount, request.balance, request.repayment = final, to_pay, to_claim
        request.save()
        if to_pay > 0:
            Instalment.objects.filter(pk=balance.pk).update(amount=to_pay, awaiting_proof=False, due_on=today,
                                                            state_share=min(balance.state_share, to_pay))
        else:
            Instalment.objects.filter(pk=balance.pk).update(status=Instalment.Status.CANCELLED)
        event_record(application=app, kind="balance_validated", actor=by, reason=request.review_note,
                     payload={"request": request.pk, "final": str(final), "balance": str(to_pay), "repayment": str(to_claim),
                              "start": checked_start_date.isoformat(), "end": checked_end_date.isoformat()})
        if to_claim > 0:
            _order_create(application=app, amount=to_claim, reason=RepaymentOrder.Reason.SETTLEMENT, by=by, today=today,
                          explanation=_("Durée réalisée : montant définitif %(f)s pour une avance de %(a)s.") % {"f": eur(final), "a": eur(advance)})
    return request


def balances_lapse(*, today: date) -> int:
    """Past the deadline the balance lapses and the advance is claimed back (Art. 9: the aid is
    acquired only on proof of the stay). Set-based; running it twice changes nothing."""
    with transaction.atomic():
        lapsed = list(
            Instalment.objects.select_for_update(of=("self",)).filter(
                kind=Instalment.Kind.BALANCE, status=Instalment.Status.PLANNED, awaiting_proof=True, latest_on__lt=today
            )
            # A request made in time and still being checked does not lapse for the officer's delay.
            .exclude(application__balance_requests__status=BalanceRequest.Status.PENDING)
            .order_by("application_id")
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
