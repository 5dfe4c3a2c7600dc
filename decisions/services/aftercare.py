"""After the decision: notification, appeals (Art. 13) and changes reported after the decision
(Art. 10). Lock order as in sessions.py: application rows by ascending pk."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.events import event_record, transition_recorded
from applications.models import Application
from applications.services import ServiceError, application_locked, check_officer, document_add, merge_data, outbox_put
from applications.states import State
from schemes.inputs import InvalidInput

from ..models import Appeal, ChangeReport, Decision, Letter, Outcome
from ..selectors import appeal_status
from ..snapshots import snapshot_build
from .closing import decision_recorded_send


# --- After the decision -----------------------------------------------------------------------
def decision_notified(*, decision: Decision, on: date) -> None:
    Decision.objects.filter(pk=decision.pk, notified_on__isnull=True).update(notified_on=on)


def decision_receipt_record(*, application: Application, by, received_on: date, today: date) -> Decision:
    """Record the day the student received the decision in force, read on a proof of delivery (a
    registered letter's acknowledgement): that receipt is the notification from which the two
    months of a recours gracieux run (Art. 13), where the student has no e-mail address to be
    notified by. A student notified by e-mail was notified that day, and that date stands."""
    with transaction.atomic():
        app = application_locked(application)
        check_officer(app, by)
        decision = app.current_decision
        if decision is None:
            raise ServiceError(_("Ce dossier n'a pas encore de décision."))
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if received_on > today:
            raise ServiceError(_("La date de réception ne peut être postérieure à aujourd'hui."), field="received_on")
        if received_on < decision.decided_on:
            raise ServiceError(_("La décision ne peut avoir été reçue avant d'être prise (le %(d)s).")
                               % {"d": decision.decided_on.strftime("%d/%m/%Y")}, field="received_on")
        if app.student.email and decision.letters.filter(sent_at__isnull=False).exists():
            raise ServiceError(_("La décision a été notifiée par courriel le %(d)s : cette date fait foi.")
                               % {"d": decision.notified_on.strftime("%d/%m/%Y")} if decision.notified_on
                               else _("La décision a été notifiée par courriel : cette date fait foi."))
        before = decision.notified_on
        decision.notified_on = received_on
        decision.save(update_fields=["notified_on"])
        event_record(application=app, kind="decision_receipt", actor=by,
                     reason=_("Réception de la décision constatée (accusé de réception)"),
                     payload={"decision": decision.pk, "received_on": received_on.isoformat(),
                              "previous": before.isoformat() if before else None})
    return decision


def appeal_file(*, application: Application, by, grounds: str, today: date, documents=()) -> Appeal:
    """A recours gracieux to the President within 2 months of notification (Art. 13), with its
    supporting documents, all in one transaction: a refused document files no appeal."""
    if not grounds.strip():
        raise ServiceError(_("Exposez les motifs de votre recours."), field="grounds")
    with transaction.atomic():
        app = application_locked(application)
        if app.student_id != by.pk:
            raise ServiceError(_("Seul l'étudiant peut former un recours sur sa demande."))
        return _appeal_open(app=app, by=by, grounds=grounds, received_on=today, on_paper=False, documents=documents)


def appeal_record_paper(*, application: Application, by, grounds: str, received_on: date, today: date) -> Appeal:
    """An officer records a recours gracieux received by post, on the day the authority received
    it: its timeliness is judged on that day (Art. 13), not on the day it is typed in."""
    if not grounds.strip():
        raise ServiceError(_("Résumez les motifs du recours."), field="grounds")
    if received_on > today:
        raise ServiceError(_("La date de réception ne peut être postérieure à aujourd'hui."), field="received_on")
    with transaction.atomic():
        app = application_locked(application)
        check_officer(app, by)
        return _appeal_open(app=app, by=by, grounds=grounds, received_on=received_on, on_paper=True)


def _appeal_open(*, app: Application, by, grounds: str, received_on: date, on_paper: bool, documents=()) -> Appeal:
    """Open the appeal on a locked file: the same check whoever files it (appeal_status)."""
    _last_day, refusal = appeal_status(application=app, today=received_on)
    if refusal:
        raise ServiceError(refusal)
    decision = app.current_decision
    appeal = Appeal.objects.create(application=app, decision=decision, grounds=grounds.strip(), filed_by=by,
                                   filed_on=received_on, on_paper=on_paper, state_before=app.state)
    for upload in documents:
        document_add(application=app, by=by, kind="other", upload=upload, appeal=appeal)
    if documents:  # each document added its event to the chain: continue from its head
        app.refresh_from_db(fields=["events_head", "events_count"])
    before = app.state
    app.appeal()
    app.save()
    transition_recorded(application=app, kind="appeal", actor=by, from_state=before, reason=appeal.grounds,
                        payload={"appeal": appeal.pk, "received_on": received_on.isoformat(), "on_paper": on_paper})
    return appeal


def appeal_decide(*, appeal: Appeal, by, uphold: bool, answer: str) -> Appeal:
    """Uphold the decision, or change it: the file goes back to instruction, to be decided again
    in a later session (the new decision supersedes the old one). A letter answers either way."""
    if not answer.strip():
        raise ServiceError(_("La réponse au recours doit être motivée."), field="answer")
    with transaction.atomic():
        app = application_locked(appeal.application)
        check_officer(app, by)
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if appeal.status != Appeal.Status.PENDING:
            raise ServiceError(_("Ce recours a déjà reçu une réponse."))
        before = app.state
        if uphold:
            # Back to the state appealed from (granted, rejected, rejected as incomplete, closed,
            # cancelled); an appeal recorded before that was kept follows the decision's outcome.
            fallback = State.GRANTED if app.current_decision.outcome == Outcome.GRANTED else State.REJECTED
            app.uphold(to=appeal.state_before or fallback)
            appeal.status, kind = Appeal.Status.UPHELD, Letter.Kind.APPEAL_UPHELD
        else:
            app.reopen()
            appeal.status, kind = Appeal.Status.REOPENED, Letter.Kind.APPEAL_REOPENED
        app.save()
        appeal.reviewed_by, appeal.reviewed_at, appeal.answer = by, timezone.now(), answer.strip()
        appeal.save()
        transition_recorded(application=app, kind="uphold" if uphold else "reopen", actor=by, from_state=before,
                            reason=appeal.answer, payload={"appeal": appeal.pk})
        outbox_put(task="decisions.issue_letter", args=[app.pk, kind, app.current_decision_id],
                   key=f"letter:{kind}:appeal-{appeal.pk}")
    return appeal


def change_report(*, application: Application, by, kind: str, description: str, changes: dict | None,
                  today: date) -> ChangeReport:
    """Art. 10: the beneficiary reports a change; an extension must be asked during the mobility."""
    if kind not in ChangeReport.Kind.values:
        raise ServiceError(_("Choisissez la nature de la modification."), field="kind")
    if not description.strip():
        raise ServiceError(_("Décrivez la modification."), field="description")
    with transaction.atomic():
        app = application_locked(application)
        if app.student_id != by.pk:
            raise ServiceError(_("Seul l'étudiant peut signaler une modification de sa mobilité."))
        if app.state != State.GRANTED or app.current_decision is None:
            raise ServiceError(_("Un signalement n'est possible que pour une aide attribuée."))
        if kind == ChangeReport.Kind.EXTENSION:
            section = (app.data or {}).get("mobility") or (app.data or {}).get("internship") or {}
            try:
                end = date.fromisoformat(section["end_date"])
            except (KeyError, TypeError, ValueError):
                raise ServiceError(_("La date de fin de la mobilité du dossier est inconnue.")) from None
            if today > end:
                raise ServiceError(
                    _("Une demande de prolongation doit être faite pendant la mobilité ; celle-ci s'est terminée le "
                      "%(d)s (art. 10).") % {"d": end.strftime("%d/%m/%Y")}
                )
        report = ChangeReport.objects.create(
            application=app, decision=app.current_decision, kind=kind, description=description.strip(),
            changes=changes or {}, reported_by=by, reported_on=today,
        )
        event_record(application=app, kind="change_reported", actor=by, reason=report.description,
                     payload={"change": report.pk, "kind": kind, "changes": report.changes})
    return report


def change_review(*, report: ChangeReport, by, accept: bool, answer: str, today: date) -> ChangeReport:
    """Re-examine after a reported change: when accepted, the declared situation is updated and
    the engine recomputes the amount, which an amending decision fixes (a cancellation cancels
    the aid). Sums already paid above the new amount are recovered by the payments app."""
    if not answer.strip():
        raise ServiceError(_("La réponse doit être motivée."), field="answer")
    with transaction.atomic():
        app = application_locked(report.application)
        check_officer(app, by)
        report = ChangeReport.objects.select_for_update().get(pk=report.pk)
        if report.status != ChangeReport.Status.PENDING:
            raise ServiceError(_("Ce signalement a déjà été examiné."))
        report.reviewed_by, report.reviewed_at, report.answer = by, timezone.now(), answer.strip()
        if not accept:
            report.status = ChangeReport.Status.REFUSED
            report.save()
            event_record(application=app, kind="change_refused", actor=by, reason=report.answer,
                         payload={"change": report.pk})
            outbox_put(task="decisions.issue_letter", args=[app.pk, Letter.Kind.CHANGE_REFUSED, app.current_decision_id],
                       key=f"letter:{Letter.Kind.CHANGE_REFUSED}:change-{report.pk}")
            return report
        previous = app.current_decision
        app.data = merge_data(app.data or {}, report.changes or {})
        cancelled = report.kind == ChangeReport.Kind.CANCELLATION
        if cancelled:
            amount, snapshot = Decimal("0.00"), {"reason": "cancellation", "previous": previous.pk}
        else:
            try:
                verdict, snapshot = snapshot_build(application=app, today=today)
            except InvalidInput as exc:
                raise ServiceError(_("Les nouvelles données sont invalides."), errors=exc.errors) from None
            # An interruption is an actual end date: the amount becomes the settlement's final
            # amount (Art. 9: prorated on the full weeks done, lost below the minimum).
            if not verdict.eligible:
                amount = Decimal("0.00")
            elif verdict.settlement is not None:
                amount = verdict.settlement.final_amount
            else:
                amount = verdict.amount
        decision = Decision.objects.create(
            application=app, kind=Decision.Kind.AMENDMENT, outcome=Outcome.GRANTED if amount > 0 else Outcome.REJECTED,
            amount=amount, motivation=report.answer, decided_on=today, snapshot=snapshot,
            supersedes=previous, created_by=by,
        )
        before = app.state
        if cancelled or amount == 0:
            app.cancel()
        app.current_decision = decision
        app.save()
        report.status, report.new_decision = ChangeReport.Status.ACCEPTED, decision
        report.save()
        decision_recorded_send(decision=decision, today=today)
        transition_recorded(application=app, kind="cancel" if app.state == State.CANCELLED else "amend", actor=by,
                            from_state=before, reason=report.answer,
                            payload={"change": report.pk, "decision": decision.pk, "amount": str(amount),
                                     "previous_amount": str(previous.amount)})
        outbox_put(task="decisions.issue_decision_letters", args=[decision.pk], key=f"decision-letters:{decision.pk}")
    return report
