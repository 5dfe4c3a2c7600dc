"""Writes of the application workflow.

Every state change: take the row lock, check, run the FSM transition, save, write the event,
and write the notifications to the outbox (outbox.py), in that same transaction. Services never receive `request`; they
raise ServiceError (with a French message for the user) when an action is refused.
"""

from __future__ import annotations

import hashlib
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from schemes.engine.durations import academic_year_start
from schemes.inputs import InvalidInput
from schemes.models import Scheme

from .. import deadlines
from ..documents import ALLOWED_TYPES, KINDS
from ..events import event_record, transition_recorded
from ..models import Application, Document, DocumentRequest, Message, Note, Opinion
from ..notifications import receipt_mail_fields
from ..receipts import receipt_context
from ..selectors import (
    application_verdict,
    application_verdict_or_errors,
    document_requests_open,
    documents_current,
    documents_to_renew,
    required_document_kinds,
)
from ..signals import files_rejected
from ..states import State
from ..uploads import UploadRefused, upload_content_type
from .outbox import outbox_put

# Conditions no document can cure (issue #3): a Horizons file sent on or after the mobility's
# start, or after 30 June, is refused at submission rather than left to be rejected later.
INCURABLE_REASONS = frozenset({"submitted_after_mobility_start", "submission_deadline_passed"})
REFERENCE_PREFIX = {"horizons": "HZ", "aude": "AU", "haute-garonne": "HG"}
# States in which pieces may still be added: before the decision, and after it for the balance's
# proofs, a reported change (Art. 9, 10) or an appeal's evidence (Art. 13).
ACCEPTS_DOCUMENTS = (
    State.DRAFT, State.AWAITING_OPINION, State.IN_INSTRUCTION, State.AWAITING_DOCUMENTS,
    State.GRANTED, State.REJECTED, State.UNDER_APPEAL,
)


class ServiceError(Exception):
    def __init__(self, message: str, *, field: str | None = None, errors: list | None = None):
        super().__init__(message)
        self.message, self.field, self.errors = message, field, errors or []


def _require(by, perm: str, app: Application) -> None:
    """Check `perm` with the predicates of applications/rules.py (the ones views and templates
    use), and refuse with the sentence that explains why."""
    from ..rules import refusal_reason

    reason = refusal_reason(by, perm, app)
    if reason is not None:
        raise ServiceError(reason)


def application_locked(application: Application | int) -> Application:
    """The file (or the file of that id) read again under its row lock, with its scheme,
    authority and student. Call inside a transaction; every stage locks a file through this, in
    ascending pk order when it locks several."""
    pk = application if isinstance(application, int) else application.pk
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("scheme__authority", "student")
        .get(pk=pk)
    )


def _notify(application: Application, kind: str, *, key: str = "", **extra: str) -> None:
    """Write the e-mail to the outbox, in the caller's transaction: the notification commits with
    the change it tells of (Art. 5: the e-mail of a submission is the proof of filing). `key`
    tells two notifications apart; by default, the file's event that the change just recorded."""
    outbox_put(task="applications.send_mail", args=[application.pk, kind, extra],
               key=f"mail:{kind}:{application.pk}:{key or application.events_count}")


def _transition(app: Application, name: str, *, by, reason: str = "", payload=None) -> None:
    method = getattr(app, name)
    if not can_proceed(method):
        raise ServiceError(
            _("Action impossible : le dossier est « %(state)s ».") % {"state": app.get_state_display()}
        )
    before = app.state
    method()
    app.save()
    transition_recorded(application=app, kind=name, actor=by, from_state=before, reason=reason, payload=payload)


# --- Student ----------------------------------------------------------------------------------
def application_create(*, student, scheme: Scheme, aid: str = "", establishment=None) -> Application:
    with transaction.atomic():
        app = Application.objects.create(scheme=scheme, student=student, aid=aid, establishment=establishment)
        app = application_locked(app)
        event_record(application=app, kind="created", actor=student, to_state=app.state)
    return app


def application_update(*, application: Application, by, step: int | None = None, **fields) -> Application:
    """Save a draft step: any of data (merged into the declared situation), identity fields,
    establishment, aid. Only a draft is editable."""
    allowed = {"data", "first_name", "last_name", "birth_date", "phone", "address", "iban",
               "account_holder", "establishment", "aid"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        app = application_locked(application)
        _require(by, "applications.edit_application", app)
        data = fields.pop("data", None)
        if data is not None:
            app.data = merge_data(app.data or {}, data)
        for name, value in fields.items():
            setattr(app, name, value)
        if step is not None:
            app.draft_step = max(app.draft_step, step)
        # Keep the estimate shown in lists current; None while the declared data are incomplete.
        verdict, _errors = application_verdict_or_errors(application=app, today=timezone.localdate())
        app.estimate_eligible = verdict.eligible if verdict else None
        app.estimate_amount = verdict.amount if verdict else None
        app.save()
    return app


def merge_data(base: dict, update: dict) -> dict:
    """`base` with `update` merged in, nested dicts key by key (a file's declared situation)."""
    out = dict(base)
    for key, value in update.items():
        out[key] = merge_data(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def application_submit(*, application: Application, by, today: date | None = None) -> Application:
    today = today or timezone.localdate()
    with transaction.atomic():
        app = application_locked(application)
        _require(by, "applications.edit_application", app)
        missing = [label for name, label in (("first_name", _("prénom")), ("last_name", _("nom"))) if not getattr(app, name)]
        if missing:
            raise ServiceError(_("Complétez votre identité : %(fields)s.") % {"fields": ", ".join(missing)})
        if app.scheme.requires_establishment_opinion and app.establishment_id is None:
            raise ServiceError(_("Choisissez votre établissement d'inscription."), field="establishment")
        app.data = {**app.data, "submitted_on": today.isoformat()}
        try:
            verdict = application_verdict(application=app, today=today)
        except InvalidInput as exc:
            raise ServiceError(_("Des informations manquent ou sont invalides."), errors=exc.errors) from None
        blocking = [r for r in verdict.reasons if r.code in INCURABLE_REASONS]
        if blocking:
            raise ServiceError(" ".join(r.message for r in blocking))
        # Art. 5: the file may be sent incomplete, but each missing document must be replaced by
        # a written explanation of why it cannot be given.
        on_file = documents_current(application=app)
        stale = documents_to_renew(application=app, today=today)
        missing = [KINDS[k] for k in required_document_kinds(application=app) if k not in on_file or k in stale]
        if missing:
            raise ServiceError(
                _("Joignez chaque pièce demandée, ou une explication à sa place : %(kinds)s.")
                % {"kinds": ", ".join(str(k) for k in missing)},
                field="documents",
            )
        app.submitted_at = timezone.now()
        app.academic_year = academic_year_start(_start_date(app))
        app.estimate_eligible, app.estimate_amount = verdict.eligible, verdict.amount
        prefix = REFERENCE_PREFIX.get(app.scheme.code, "XX")
        app.reference = f"{prefix}-{app.academic_year}-{app.pk:06d}"
        # Art. L112-11 CRPA: the electronic acknowledgement of receipt, fixed now and kept in the
        # event (applications/receipts.py); the e-mail and the PDF on the file page both read it.
        receipt = receipt_context(application=app)
        _transition(app, "submit", by=by,
                    payload={"eligible": verdict.eligible, "amount": str(verdict.amount), "receipt": receipt})
        _notify(app, "submitted", **receipt_mail_fields(receipt))
    return app


def _start_date(app: Application) -> date:
    section = app.data.get("mobility") or app.data.get("internship") or {}
    return date.fromisoformat(section["start_date"])


def application_withdraw(*, application: Application, by, reason: str = "") -> Application:
    with transaction.atomic():
        app = application_locked(application)
        _require(by, "applications.withdraw_application", app)
        _transition(app, "withdraw", by=by, reason=reason)
        if app.submitted_at:
            _notify(app, "withdrawn")
    return app


def document_add(*, application: Application, by, kind: str, upload=None, explanation: str = "",
                 request: DocumentRequest | None = None, appeal=None) -> Document:
    """Attach a document, or a written explanation in its place (Horizons Art. 5).

    The type is read from the file's content, never from its name or the browser's claim."""
    if kind not in KINDS:
        raise ServiceError(_("Type de pièce inconnu."), field="kind")
    if upload is None and not explanation.strip():
        raise ServiceError(_("Joignez un fichier ou expliquez pourquoi vous ne pouvez pas le fournir."), field="file")
    fields: dict = {}
    if upload is not None:
        fields = _checked_upload(upload)
    with transaction.atomic():
        app = application_locked(application)
        _require(by, "applications.add_document", app)
        if request is None and appeal is None:
            # A piece of a kind an open request lists answers that request, wherever it was added.
            request = next((r for r in document_requests_open(application=app) if kind in r.items), None)
        if kind != "other":  # "other" pieces add up; a required kind has one version in force
            Document.objects.filter(application=app, kind=kind, superseded=False).update(superseded=True)
        doc = Document(application=app, kind=kind, uploaded_by=by, explanation=explanation.strip(), request=request,
                       appeal=appeal, **fields)
        if upload is not None:
            doc.file.save(f"upload{ALLOWED_TYPES[fields['content_type']]}", upload, save=False)
        doc.save()
        event_record(application=app, kind="document_added", actor=by,
                     payload={"kind": kind, "file": bool(upload), "sha256": fields.get("sha256", "")})
    return doc


def _checked_upload(upload, *, field: str = "file") -> dict:
    try:
        content_type = upload_content_type(upload)
    except UploadRefused as exc:
        raise ServiceError(exc.message, field=field) from None
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return {
        "original_name": (getattr(upload, "name", "") or "")[:255],
        "content_type": content_type,
        "size": upload.size,
        "sha256": digest.hexdigest(),
    }


def documents_submit(*, application: Application, by) -> Application:
    """The student says the requested documents are on file: back to instruction. Refused unless
    every item of the open requests has a new document, or a written explanation in its place
    (Horizons Art. 5): sent with nothing, it would stop the deadline's clock for nothing."""
    with transaction.atomic():
        app = application_locked(application)
        _require(by, "applications.add_document", app)
        open_requests = list(document_requests_open(application=app))
        answered = set(
            Document.objects.filter(application=app, request__in=open_requests, superseded=False)
            .values_list("request_id", "kind")
        )
        missing = [KINDS.get(k, k) for r in open_requests for k in r.items if (r.pk, k) not in answered]
        if missing:
            raise ServiceError(
                _("Déposez chaque pièce demandée, ou une explication à sa place, avant de les transmettre : %(kinds)s.")
                % {"kinds": ", ".join(str(k) for k in missing)},
                field="documents",
            )
        _transition(app, "documents_received", by=by)
        DocumentRequest.objects.filter(application=app, answered_at__isnull=True, expired_at__isnull=True).update(
            answered_at=timezone.now()
        )
    return app


# --- Establishment ------------------------------------------------------------------------------
def opinion_record(*, application: Application, by, favourable: bool, comment: str = "") -> Opinion:
    with transaction.atomic():
        app = application_locked(application)
        _require(by, "applications.give_opinion", app)
        opinion = Opinion.objects.create(application=app, favourable=favourable, comment=comment, given_by=by)
        _transition(app, "record_opinion", by=by, reason=comment,
                    payload={"favourable": favourable})
        _notify(app, "opinion_given")
    return opinion


# --- Officers ---------------------------------------------------------------------------------
def check_officer(app: Application, by) -> None:
    """Refuse unless `by` is an officer instructing `app` (applications.instruct_application)."""
    _require(by, "applications.instruct_application", app)


def document_request_create(*, application: Application, items: list[str], message: str, by,
                            today: date | None = None) -> DocumentRequest:
    today = today or timezone.localdate()
    if not message.strip():
        raise ServiceError(_("Précisez à l'étudiant ce qui manque."), field="message")
    unknown = [i for i in items if i not in KINDS]
    if unknown:
        raise ServiceError(_("Type de pièce inconnu."), field="items")
    with transaction.atomic():
        app = application_locked(application)
        check_officer(app, by)
        # Art. L114-5 CRPA: only a piece the scheme's text requires may hold up the file; anything
        # else is asked by message and never stops the instruction.
        required = required_document_kinds(application=app)
        if not items:
            raise ServiceError(_("Choisissez au moins une pièce manquante ou non conforme."), field="items")
        extra = [str(KINDS[i]) for i in items if i not in required]
        if extra:
            raise ServiceError(
                _("Pièce non exigée par le texte du dispositif, à demander par message : %(kinds)s.")
                % {"kinds": ", ".join(extra)},
                field="items",
            )
        due = deadlines.documents_due(today)
        request = DocumentRequest.objects.create(
            application=app, items=items, message=message.strip(), requested_by=by, requested_on=today, due_on=due
        )
        _transition(app, "request_documents", by=by, reason=message.strip(),
                    payload={"items": items, "due_on": due.isoformat(), "request": request.pk})
        _notify(app, "documents_requested", message=message.strip(), due=due.strftime("%d/%m/%Y"),
                items="\n".join(f"- {KINDS[i]}" for i in items))
    return request


def document_request_extend(*, request: DocumentRequest, until: date, reason: str, by) -> DocumentRequest:
    """A justified extension ("sauf cas particulier dûment justifié", Art. 5)."""
    if not reason.strip():
        raise ServiceError(_("La prolongation doit être motivée."), field="reason")
    with transaction.atomic():
        app = application_locked(request.application)
        check_officer(app, by)
        request = DocumentRequest.objects.select_for_update().get(pk=request.pk)
        if request.answered_at or request.expired_at:
            raise ServiceError(_("Cette demande de pièces est close."))
        if until <= request.deadline:
            raise ServiceError(_("La nouvelle date doit être postérieure au %(d)s.") % {"d": request.deadline.strftime("%d/%m/%Y")}, field="until")
        request.extended_to, request.extension_reason = until, reason.strip()
        request.save(update_fields=["extended_to", "extension_reason"])
        event_record(application=app, kind="deadline_extended", actor=by, reason=reason.strip(),
                     payload={"request": request.pk, "until": until.isoformat()})
    return request


def application_mark_ready(*, application: Application, by) -> Application:
    with transaction.atomic():
        app = application_locked(application)
        check_officer(app, by)
        _transition(app, "mark_ready", by=by)
    return app


def application_close(*, application: Application, by, reason: str, today: date | None = None) -> Application:
    """Classer sans suite. It ends the file against the student's wish, so it is a decision like a
    rejection (Art. 8): the decisions app records the act and sends its motivated letter, with
    the means of appeal, on `files_rejected` (applications/signals.py), sent with this one file."""
    today = today or timezone.localdate()
    if not reason.strip():
        raise ServiceError(_("Le classement sans suite doit être motivé."), field="reason")
    with transaction.atomic():
        app = application_locked(application)
        check_officer(app, by)
        app.closing_reason = reason.strip()
        _transition(app, "close", by=by, reason=reason.strip())
        files_rejected.send(sender=Application, rejections=[(app, app.closing_reason)], kind="closure",
                            today=today, by=by)
    return app


def message_post(*, application: Application, by, body: str, attachment=None) -> Message:
    if not body.strip():
        raise ServiceError(_("Le message est vide."), field="body")
    fields = _checked_upload(attachment, field="attachment") if attachment is not None else {}
    with transaction.atomic():
        app = application_locked(application)
        _require(by, "applications.post_message", app)
        is_student = app.student_id == by.pk
        msg = Message(application=app, author=by, body=body.strip(), attachment_name=fields.get("original_name", ""))
        if attachment is not None:
            msg.attachment.save(f"message{ALLOWED_TYPES[fields['content_type']]}", attachment, save=False)
        msg.save()
        event_record(application=app, kind="message", actor=by, payload={"message": msg.pk})
        _notify(app, "student_message" if is_student else "message")
    return msg


def note_add(*, application: Application, by, body: str) -> Note:
    if not body.strip():
        raise ServiceError(_("La note est vide."), field="body")
    with transaction.atomic():
        app = application_locked(application)
        check_officer(app, by)
        return Note.objects.create(application=app, author=by, body=body.strip())
