"""Controls (Horizons Art. 12, Art. 11 last paragraph): opened by an officer on a decided file
within three years of the balance's payment, with the documents asked and their deadline;
payments are suspended while it is open (services.instalments_payable leaves the file out);
concluded with nothing due (payments resume) or with the aid declared lost (Art. 10-11)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from applications.events import event_record
from applications.models import Application
from applications.services import ServiceError, application_locked, outbox_put

from .. import deadlines
from ..models import Control, Instalment, LedgerEntry
from .recovery import aid_lost_declare_locked


def control_period_end(application: Application) -> date | None:
    """Art. 12: the last day a control may be opened: three years after the balance's payment,
    i.e. the last payment once nothing remains planned. None while payments remain to be made
    (the control period has not started running: a control is always possible)."""
    if application.instalments.filter(status__in=[Instalment.Status.PLANNED, Instalment.Status.IN_RUN]).exists():
        return None
    last = application.ledger.filter(kind=LedgerEntry.Kind.PAYMENT).aggregate(d=Max("booked_on"))["d"]
    return deadlines.control_ends(last) if last else None


def _officer_of(app: Application, by) -> None:
    membership = getattr(by, "officer_membership", None)
    if membership is None or membership.authority_id != app.scheme.authority_id:
        raise ServiceError(_("Seuls les agents de la collectivité contrôlent ses aides."))


def control_open(*, application: Application, by, reason: str, requested_items: str, documents_due: date,
                 today: date) -> Control:
    """Open a control and ask the student for its documents by `documents_due` (Art. 12: "se
    faire remettre tout document nécessaire"). The student is told by mail, through the outbox."""
    if not reason.strip():
        raise ServiceError(_("Indiquez l'objet du contrôle."), field="reason")
    if not requested_items.strip():
        raise ServiceError(_("Indiquez les pièces demandées."), field="requested_items")
    if documents_due <= today:
        raise ServiceError(_("Le délai de remise des pièces doit être postérieur à aujourd'hui."), field="documents_due")
    with transaction.atomic():
        app = application_locked(application)
        _officer_of(app, by)
        decision = app.current_decision
        if decision is None or decision.outcome != "granted":
            raise ServiceError(_("Seule une aide attribuée peut être contrôlée."))
        if app.controls.filter(status=Control.Status.OPEN).exists():
            raise ServiceError(_("Un contrôle est déjà en cours sur ce dossier."))
        ends = control_period_end(app)
        if ends is not None and today > ends:
            raise ServiceError(_("Le délai de contrôle de trois ans suivant le paiement du solde a expiré le %(d)s (art. 12).")
                               % {"d": ends.strftime("%d/%m/%Y")})
        control = Control.objects.create(application=app, reason=reason.strip(), requested_items=requested_items.strip(),
                                         documents_due=documents_due, opened_on=today, opened_by=by)
        event_record(application=app, kind="control_opened", actor=by, reason=control.reason,
                     payload={"control": control.pk, "items": control.requested_items,
                              "documents_due": documents_due.isoformat()})
        outbox_put(task="applications.send_mail",
                   args=[app.pk, "control_opened", {"items": control.requested_items,
                                                    "due": documents_due.strftime("%d/%m/%Y")}],
                   key=f"mail:control_opened:control-{control.pk}")
    return control


def control_close(*, control: Control, by, recovery: bool, conclusion: str, today: date):
    """Conclude a control: nothing due (payments resume) or the aid is lost (Art. 10-11: the
    planned instalments are cancelled and what was paid is claimed after a formal notice).
    Returns the repayment order, if one was created."""
    if not conclusion.strip():
        raise ServiceError(_("Motivez les conclusions du contrôle."), field="conclusion")
    with transaction.atomic():
        app = application_locked(control.application)
        control = Control.objects.select_for_update().get(pk=control.pk)
        _officer_of(app, by)
        if control.status != Control.Status.OPEN:
            raise ServiceError(_("Ce contrôle est déjà clos."))
        order = None
        if recovery:
            order = aid_lost_declare_locked(app=app, by=by, reason=conclusion.strip(), today=today)
        control.status = Control.Status.RECOVERY if recovery else Control.Status.COMPLIANT
        control.conclusion, control.closed_on, control.closed_by, control.order = conclusion.strip(), today, by, order
        control.save()
        event_record(application=app, kind="control_closed", actor=by, reason=control.conclusion,
                     payload={"control": control.pk, "outcome": control.status, "order": order.pk if order else None})
    return order


def control_document_send(*, control: Control, by, upload) -> None:
    """The student sends a document the open control asks for (Art. 12: "le bénéficiaire devra
    fournir toute pièce justificative"): attached to the file, and an event on the control."""
    from applications.services import document_add

    if control.status != Control.Status.OPEN:
        raise ServiceError(_("Ce contrôle est clos : il n'attend plus de pièce."))
    with transaction.atomic():
        doc = document_add(application=control.application, by=by, kind="other", upload=upload)
        app = application_locked(control.application)
        event_record(application=app, kind="control_document_sent", actor=by,
                     payload={"control": control.pk, "document": doc.pk})
