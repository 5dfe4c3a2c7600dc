"""Issuing letters: render, store, send; and the student's acceptance online."""

from __future__ import annotations

import hashlib
from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from applications.events import event_record
from applications.models import Application
from applications.notifications import mail_signature
from applications.pdf import RENDERERS, TEMPLATES, html_to_pdf, render_letter_html
from applications.services import ServiceError
from applications.signing import sign_letter

from ..models import Decision, Letter, Outcome
from .context import (
    ACCEPTANCE_KINDS,
    ANSWER_KINDS,
    DECISION_KINDS,
    K,
    _latest_appeal,
    _latest_refused_change,
    letter_context,
)


# --- Issuing and rendering -----------------------------------------------------------------------
def letter_render_pdf(letter: Letter) -> bytes:
    """Render a stored letter again from its stored context: the unsigned PDF, which the stored
    (signed) PDF begins with byte for byte."""
    return html_to_pdf(render_letter_html(letter.template, letter.context))


def letter_issue(*, application: Application, kind: str, decision: Decision | None = None) -> Letter:
    """Build, render and store one letter (not sent: see `_letters_send`)."""
    context = letter_context(application=application, kind=kind, decision=decision)
    pdf = sign_letter(html_to_pdf(RENDERERS[kind](context)), authority=context["authority"]["name"],
                      place=context["authority"].get("city", ""))
    letter = Letter(
        application=application, decision=decision, kind=kind, template=TEMPLATES[kind], context=context,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(), requires_acceptance=kind in ACCEPTANCE_KINDS,
    )
    letter.pdf.save(f"{kind}.pdf", ContentFile(pdf), save=False)
    letter.save()
    return letter


def _decision_letter_kinds(decision: Decision) -> list[str]:
    extra = {"aude": [K.AGREEMENT], "haute-garonne": [K.COMMITMENT]}.get(decision.application.scheme.code, [])
    if decision.kind == Decision.Kind.AMENDMENT:
        # The agreement (Aude) or commitment (Haute-Garonne) names the amount and the period: an
        # amending decision that still grants comes with a new one to accept, so that the money
        # flows again under the obligations in force (payments waits for its acceptance).
        return [K.AMENDMENT, *(extra if decision.outcome == Outcome.GRANTED else [])]
    if decision.outcome != Outcome.GRANTED:
        return [K.REJECTION]  # Art. 8: a rejection is motivated and notified individually
    return [K.AWARD, *extra]


SUBJECTS = {
    K.AWARD: "Votre demande %(ref)s : aide attribuée",
    K.REJECTION: "Votre demande %(ref)s : décision de rejet",
    K.AMENDMENT: "Votre demande %(ref)s : décision modificative",
    K.APPEAL_UPHELD: "Votre recours gracieux (demande %(ref)s) : réponse",
    K.APPEAL_REOPENED: "Votre recours gracieux (demande %(ref)s) : réexamen de votre dossier",
    K.CHANGE_REFUSED: "Votre signalement de modification (demande %(ref)s) : réponse",
}
FILE_NAMES = {
    K.AWARD: "notification-attribution", K.REJECTION: "notification-rejet", K.AGREEMENT: "convention",
    K.COMMITMENT: "engagement", K.AMENDMENT: "decision-modificative", K.APPEAL_UPHELD: "reponse-recours",
    K.APPEAL_REOPENED: "reponse-recours", K.CHANGE_REFUSED: "reponse-signalement",
    K.FORMAL_NOTICE: "mise-en-demeure", K.REPAYMENT_DEMAND: "ordre-de-reversement",
}


def letter_file_name(letter: Letter) -> str:
    """The download's name; every kind of letter has one (tests/unit checks the table is whole)."""
    return f"{letter.application.reference or letter.application.pk}-{FILE_NAMES[letter.kind]}.pdf"


def _mail_body(application: Application, letters: list[Letter]) -> str:
    names = "\n".join(f"- {K(letter.kind).label}" for letter in letters)
    body = (
        f"Bonjour {application.applicant_name},\n\n"
        f"{application.scheme.authority.name} vous adresse, au sujet de votre demande {application.reference} "
        f"({application.scheme.name}), le ou les courriers joints à ce message :\n{names}\n\n"
        "Ils sont aussi disponibles dans votre espace sur le portail.\n"
    )
    if any(letter.requires_acceptance for letter in letters):
        body += (
            "\nAcceptez en ligne, sur la page de votre dossier, la convention ou l'engagement joint : "
            "aucun versement n'est possible avant cette acceptation.\n"
        )
    if any(letter.kind in (K.AWARD, K.REJECTION, K.AMENDMENT) for letter in letters):
        last_day = letters[0].context.get("appeal", {}).get("last_day", "")
        if last_day:
            body += (
                "\nVous pouvez contester cette décision par un recours gracieux devant le Président dans un délai "
                f"de 2 mois à compter de sa notification, soit au plus tard le "
                f"{date.fromisoformat(last_day):%d/%m/%Y} : les voies et délais de recours figurent "
                "dans le courrier.\n"
            )
    return body


def _letters_send(*, application_id: int, letters) -> list[Letter]:
    """E-mail the unsent letters among `letters` (a queryset) to the student, in one message with
    the PDFs attached, and mark them sent. Under the file's row lock, so that two runs of a task
    cannot send them twice; a failed send rolls back and leaves them to the next run."""
    with transaction.atomic():
        app = (Application.objects.select_for_update().select_related("scheme__authority", "student")
               .get(pk=application_id))
        pending = list(letters.select_for_update().filter(sent_at__isnull=True).order_by("pk"))
        if not pending or not app.student.email:
            return []
        kind = next((x.kind for x in pending if x.kind in SUBJECTS), pending[0].kind)
        message = EmailMessage(
            SUBJECTS.get(kind, SUBJECTS[K.AWARD]) % {"ref": app.reference},
            _mail_body(app, pending) + mail_signature(app), settings.DEFAULT_FROM_EMAIL, [app.student.email],
        )
        for letter in pending:
            with letter.pdf.open("rb") as f:
                message.attach(letter_file_name(letter), f.read(), "application/pdf")
        message.send()
        now = timezone.now()
        Letter.objects.filter(pk__in=[x.pk for x in pending]).update(sent_at=now)
        event_record(application=app, kind="letters_sent", actor_label="système",
                     payload={"letters": [{"id": x.pk, "kind": x.kind, "sha256": x.pdf_sha256} for x in pending]})
    for letter in pending:
        letter.sent_at = now
    return pending


def decision_letters_issue(*, decision_id: int) -> int:
    """Issue the letters of a decision (award, with the Aude agreement or the Haute-Garonne
    commitment; motivated rejection; amending decision), e-mail them, and record the notification
    from which the appeal period runs. Idempotent: a decision's letters are created once and
    sent once. Returns the number of letters created."""
    from ..services import decision_notified

    decision = Decision.objects.select_related("application__scheme__authority", "application__student",
                                               "supersedes").filter(pk=decision_id).first()
    if decision is None:
        return 0
    app = decision.application
    created = 0
    with transaction.atomic():
        Application.objects.select_for_update().get(pk=app.pk)
        if not Letter.objects.filter(decision=decision, kind__in=DECISION_KINDS).exists():
            for kind in _decision_letter_kinds(decision):
                letter_issue(application=app, kind=kind, decision=decision)
                created += 1
    letters = Letter.objects.filter(decision=decision, kind__in=DECISION_KINDS)
    _letters_send(application_id=app.pk, letters=letters)
    # Art. 13: the appeal period runs from the notification to the student, the day the letters
    # were e-mailed (or, for a student without an e-mail address, made available on the portal),
    # never from the act's date. Read from what is stored, not from what this run sent: a run that
    # died between sending and this line must still have the next run start the appeal period.
    stored = letters.order_by("pk")
    if stored.exists() and not stored.filter(sent_at__isnull=True).exists():
        decision_notified(decision=decision, on=timezone.localdate(stored.first().sent_at))
    elif not app.student.email and (first := stored.first()) is not None:
        decision_notified(decision=decision, on=timezone.localdate(first.created_at))
    return created


def answer_letter_issue(*, application_id: int, kind: str, decision_id: int | None = None) -> int:
    """Answer the file's latest answered appeal (decision upheld, or file re-examined) or its
    latest refused change report, and e-mail the answer. Idempotent per appeal or report."""
    if kind not in ANSWER_KINDS:
        raise ValueError(f"{kind} is not an answer letter")
    app = Application.objects.select_related("scheme__authority", "student").filter(pk=application_id).first()
    if app is None:
        return 0
    source = _latest_refused_change(app) if kind == K.CHANGE_REFUSED else _latest_appeal(app, kind)
    if source is None:
        return 0
    key = "change_id" if kind == K.CHANGE_REFUSED else "appeal_id"
    decision = Decision.objects.filter(pk=decision_id or app.current_decision_id).select_related("supersedes").first()
    created = 0
    with transaction.atomic():
        Application.objects.select_for_update().get(pk=app.pk)
        if not Letter.objects.filter(application=app, kind=kind, **{f"context__{key}": source.pk}).exists():
            letter_issue(application=app, kind=kind, decision=decision)
            created = 1
    _letters_send(application_id=app.pk,
                  letters=Letter.objects.filter(application=app, kind=kind, **{f"context__{key}": source.pk}))
    return created


# --- Acceptance ----------------------------------------------------------------------------------
def letter_accept(*, letter: Letter, by) -> Letter:
    """The student accepts the Aude agreement or the Haute-Garonne commitment online: recorded
    once, with an event; payments of those schemes require it."""

    with transaction.atomic():
        app = Application.objects.select_for_update().get(pk=letter.application_id)
        letter = Letter.objects.select_for_update().get(pk=letter.pk)
        if app.student_id != getattr(by, "pk", None):
            raise ServiceError("Seul l'étudiant titulaire du dossier peut accepter ce document.")
        if not letter.requires_acceptance:
            raise ServiceError("Ce courrier n'appelle pas d'acceptation.")
        if letter.accepted_at is not None:
            when = timezone.localtime(letter.accepted_at).strftime("%d/%m/%Y à %H:%M")
            raise ServiceError(f"Ce document a déjà été accepté le {when}.")
        if letter.decision_id is not None and letter.decision_id != app.current_decision_id:
            raise ServiceError("Ce document se rapporte à une décision qui n'est plus en vigueur.")
        letter.accepted_at, letter.accepted_by = timezone.now(), by
        letter.save(update_fields=["accepted_at", "accepted_by"])
        event_record(application=app, kind="letter_accepted", actor=by, reason=str(K(letter.kind).label),
                     payload={"letter": letter.pk, "kind": letter.kind, "sha256": letter.pdf_sha256})
    return letter
