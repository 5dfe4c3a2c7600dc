"""Letters: what each one says (`letter_context`), issuing it (`letter_issue`), the letters of a
decision and the answers to appeals and reported changes (called by applications.tasks after
commit), and the student's acceptance of an Aude agreement or a Haute-Garonne commitment.

A letter's context is pure JSON data and is stored with it; rendering the stored context again
gives the same unsigned PDF byte for byte (`letter_render_pdf`). The stored letter is that PDF
signed by the authority (applications.signing): the signature and the stored SHA-256 prove it.
Letters are dated the day of the decision and sent that day; that date is the
notification from which the 2-month appeal period runs (Horizons Art. 8 and 13).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from payments.schedule import Instalment, aude_schedule, haute_garonne_schedule, horizons_schedule
from schemes.engine.durations import whole_months
from schemes.engine.horizons import CHEQUE_LABELS, KIND_LABELS
from schemes.engine.money import fmt
from schemes.models import ZoningEntry
from schemes.selectors import parameter_timelines

from .deadlines import appeal_deadline
from .events import event_record
from .models import Appeal, Application, ChangeReport, Decision, Letter
from .models.decisions import Outcome
from .pdf import RENDERERS, TEMPLATES, html_to_pdf, render_letter_html
from .signing import sign_letter

K = Letter.Kind
# Letters that answer a decision, sent once per decision; the others answer an appeal or a report.
DECISION_KINDS = (K.AWARD, K.AGREEMENT, K.COMMITMENT, K.REJECTION, K.AMENDMENT)
ANSWER_KINDS = (K.APPEAL_UPHELD, K.APPEAL_REOPENED, K.CHANGE_REFUSED)
# The Aude agreement and the Haute-Garonne commitment bind the student once accepted online;
# no payment of those schemes is made before (payments app).
ACCEPTANCE_KINDS = (K.AGREEMENT, K.COMMITMENT)

# Who signs, which court hears a contentious appeal (the seat of the authority that decided,
# art. R. 312-1 du code de justice administrative), and what grounds the recours gracieux.
AUTHORITY_STYLE = {
    "horizons": {
        "president": "Président de la Région",
        "city": "Toulouse",
        "court": "tribunal administratif de Toulouse",
        "appeal_article": "art. 13",
    },
    "aude": {
        "president": "Président du Conseil départemental",
        "city": "Carcassonne",
        "court": "tribunal administratif de Montpellier",
        # The deliberation has no appeal clause: the general rule applies (2 months).
        "appeal_article": "art. R. 421-1 du code de justice administrative",
    },
    "haute-garonne": {
        "president": "Président du Conseil départemental",
        "city": "Toulouse",
        "court": "tribunal administratif de Toulouse",
        "appeal_article": "art. R. 421-1 du code de justice administrative",
    },
}
# How an under-served zone is named inside a sentence (ARS Occitanie zoning).
ZONE_LABELS = {"zip": "zone d'intervention prioritaire (ZIP)", "zac": "zone d'action complémentaire (ZAC)"}


# --- The letter's content (reads only) ----------------------------------------------------------
def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _instalments(instalments: list[Instalment]) -> list[dict[str, str]]:
    return [
        {"label": i.label, "amount": fmt(i.amount), "due_on": _iso(i.due_on), "condition": i.condition,
         "article": i.article, "latest_on": _iso(i.latest_on)}
        for i in instalments
    ]


def _parameter(snapshot: dict, key: str, *, scheme: str, on: date) -> str:
    """A parameter's value as the decision read it; a figure the engine did not need for the
    amount (the Horizons advance rate is read only at settlement) is taken as in force on the
    decision day."""
    for p in snapshot.get("parameters", ()):
        if p["key"] == key:
            return str(p["value"])
    return str(parameter_timelines([scheme])[scheme].at(on)[key])


def _period(snapshot: dict) -> dict[str, str]:
    data = snapshot.get("input") or {}
    section = data.get("mobility") or data.get("internship") or {}
    return {"start": section.get("start_date", ""), "end": section.get("end_date", "")}


def _commune_name(insee: str) -> str:
    names = ZoningEntry.objects.filter(commune_insee=insee).order_by("-valid_from")
    name = names.values_list("commune_name", flat=True).first()
    return f"{name} ({insee})" if name else f"commune INSEE {insee}"


def _aid_label(application: Application, snapshot: dict) -> str:
    code = application.scheme.code
    if code != "horizons":
        return application.scheme.name
    data = snapshot.get("input") or application.data or {}
    aid = data.get("aid") or application.aid
    if aid in CHEQUE_LABELS:
        return CHEQUE_LABELS[aid]
    kind = (data.get("mobility") or {}).get("kind", "study")
    return f"Bourse de {KIND_LABELS.get(kind, 'mobilité')}"


def _schedule(application: Application, decision: Decision) -> list[dict[str, str]]:
    """The payment calendar of a grant (payments/schedule.py); empty for a rejection."""
    snapshot, code = decision.snapshot or {}, application.scheme.code
    period = _period(snapshot)
    if decision.outcome != Outcome.GRANTED or not period["start"]:
        return []
    start, end = date.fromisoformat(period["start"]), date.fromisoformat(period["end"])
    if code == "horizons":
        # Art. 9: 60 % at the signature of the arrêté, the balance on request with the proofs.
        rate = Decimal(_parameter(snapshot, "advance_rate", scheme=code, on=decision.decided_on))
        return _instalments(horizons_schedule(amount=decision.amount, advance_rate=rate,
                                              act_date=decision.decided_on, mobility_start=start))
    if code == "aude":
        return _instalments(aude_schedule(amount=decision.amount, start=start, end=end))
    max_months = int(_parameter(snapshot, "max_months", scheme=code, on=decision.decided_on))
    return _instalments(haute_garonne_schedule(amount=decision.amount, start=start, end=end, max_months=max_months))


def _decision_part(application: Application, decision: Decision, letter_date: date) -> dict[str, Any]:
    snapshot = decision.snapshot or {}
    result = snapshot.get("result") or {}
    style = AUTHORITY_STYLE[application.scheme.code]
    schedule = _schedule(application, decision)
    part: dict[str, Any] = {
        "decision": {
            "id": decision.pk,
            "kind": decision.kind,
            "kind_label": str(Decision.Kind(decision.kind).label),
            "outcome": decision.outcome,
            "granted": decision.outcome == Outcome.GRANTED,
            "decided_on": _iso(decision.decided_on),
            "act_number": decision.act_number,
            "amount": fmt(decision.amount),
            "motivation": decision.motivation,
        },
        "aid_label": _aid_label(application, snapshot),
        "period": _period(snapshot),
        # Each line of the amount with the article it applies (Horizons Art. 6, the deliberations).
        "explanation": [{"article": x["article"], "text": x["text"], "amount": x["amount"]}
                        for x in result.get("explanation", ())],
        # Why the engine found the file ineligible: part of the motivation of a rejection (Art. 8).
        "reasons": [{"article": r["article"], "message": r["message"]} for r in result.get("reasons", ())],
        "schedule": schedule,
        "schedule_total": fmt(sum((Decimal(i["amount"]) for i in schedule), Decimal("0"))),
        # Art. 13: the letter is notified the day it is dated; the 2 months run from then.
        "appeal": {
            "article": style["appeal_article"],
            "notified_on": _iso(letter_date),
            "last_day": _iso(appeal_deadline(letter_date)),
        },
    }
    previous = decision.supersedes
    if previous is not None:
        part["previous"] = {"amount": fmt(previous.amount), "decided_on": _iso(previous.decided_on),
                            "act_number": previous.act_number, "outcome": previous.outcome}
    change = ChangeReport.objects.filter(new_decision=decision).first()
    if change is not None:
        part["change"] = {"id": change.pk, "kind_label": str(ChangeReport.Kind(change.kind).label),
                          "description": change.description, "reported_on": _iso(change.reported_on)}
    return part


def _agreement_part(application: Application, decision: Decision, part: dict) -> dict[str, Any]:
    """Aude (session du 22 décembre 2017): 200 EUR a month towards rent and 400 EUR a month for
    travel, paid during the last month of the internship, under an agreement with the Département."""
    snapshot, code = decision.snapshot or {}, application.scheme.code
    period, data = part["period"], (snapshot.get("input") or {}).get("internship", {})
    max_months = int(_parameter(snapshot, "max_months", scheme=code, on=decision.decided_on))
    months = min(whole_months(date.fromisoformat(period["start"]), date.fromisoformat(period["end"])), max_months)
    return {
        "monthly_rent": fmt(Decimal(_parameter(snapshot, "monthly_rent", scheme=code, on=decision.decided_on))),
        "monthly_travel": fmt(Decimal(_parameter(snapshot, "monthly_travel", scheme=code, on=decision.decided_on))),
        "months": months,
        "max_months": max_months,
        "place": _commune_name(data.get("supervisor_commune_insee", "")),
        "due_on": part["schedule"][0]["due_on"] if part["schedule"] else "",
    }


def _commitment_part(application: Application, decision: Decision, part: dict) -> dict[str, Any]:
    """Haute-Garonne (délibération du 27 mai 2021): the internship in an under-served zone, and
    the whole indemnity repaid if the commitments are not kept."""
    snapshot, code = decision.snapshot or {}, application.scheme.code
    data = (snapshot.get("input") or {}).get("internship", {})
    return {
        "place": _commune_name(data.get("commune_insee", "")),
        "zone": ZONE_LABELS.get(data.get("zone", ""), "zone sous-dotée"),
        "months": len(part["schedule"]),
        "max_months": int(_parameter(snapshot, "max_months", scheme=code, on=decision.decided_on)),
    }


def _latest_appeal(application: Application, kind: str) -> Appeal | None:
    status = Appeal.Status.UPHELD if kind == K.APPEAL_UPHELD else Appeal.Status.REOPENED
    return application.appeals.filter(status=status).order_by("-reviewed_at", "-pk").first()


def _latest_refused_change(application: Application) -> ChangeReport | None:
    return application.change_reports.filter(status=ChangeReport.Status.REFUSED).order_by("-reviewed_at", "-pk").first()


def _answer_date(reviewed_at) -> date:
    return timezone.localdate(reviewed_at) if reviewed_at else timezone.localdate()


def letter_context(*, application: Application, kind: str, decision: Decision | None = None) -> dict[str, Any]:
    """Everything the letter shows, as JSON data (dates ISO, amounts "1120.00"). Decision letters
    are dated the decision day; answers to an appeal or a report, the day of the answer."""
    scheme, authority = application.scheme, application.scheme.authority
    style = AUTHORITY_STYLE[scheme.code]
    if kind in DECISION_KINDS and decision is None:
        raise ValueError(f"a {kind} letter needs its decision")
    context: dict[str, Any] = {
        "kind": kind,
        "title": str(K(kind).label),
        "authority": {"name": authority.name, "president": style["president"], "city": style["city"],
                      "court": style["court"]},
        "scheme": {"code": scheme.code, "name": scheme.name, "regulation": scheme.regulation},
        "reference": application.reference or "",
        "student": {
            "name": application.applicant_name,
            "address_lines": [line.strip() for line in application.address.splitlines() if line.strip()],
            "email": application.student.email or "",
        },
    }
    answer_date = None
    if kind in (K.APPEAL_UPHELD, K.APPEAL_REOPENED):
        appeal = _latest_appeal(application, kind)
        if appeal is None:
            raise ValueError(f"no answered appeal on {application}")
        answer_date = _answer_date(appeal.reviewed_at)
        context["appeal_id"] = appeal.pk
        context["answer"] = {"text": appeal.answer, "filed_on": _iso(appeal.filed_on), "grounds": appeal.grounds}
    elif kind == K.CHANGE_REFUSED:
        report = _latest_refused_change(application)
        if report is None:
            raise ValueError(f"no refused change report on {application}")
        answer_date = _answer_date(report.reviewed_at)
        context["change_id"] = report.pk
        context["answer"] = {"text": report.answer, "reported_on": _iso(report.reported_on),
                             "kind_label": str(ChangeReport.Kind(report.kind).label),
                             "description": report.description}
    letter_date = answer_date or (decision.decided_on if decision else timezone.localdate())
    context["letter_date"] = _iso(letter_date)
    if decision is not None:
        context.update(_decision_part(application, decision, letter_date))
        if kind in (K.APPEAL_UPHELD, K.CHANGE_REFUSED):
            # The contentious appeal runs 2 months from this answer (art. R. 421-1 CJA).
            context["appeal"]["contentious_last_day"] = _iso(appeal_deadline(letter_date))
    if kind == K.AGREEMENT:
        context["agreement"] = _agreement_part(application, decision, context)
    elif kind == K.COMMITMENT:
        context["commitment"] = _commitment_part(application, decision, context)
    # Round-trip through JSON: what is rendered now is exactly what the database will return.
    return json.loads(json.dumps(context, ensure_ascii=False))


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
    if decision.kind == Decision.Kind.AMENDMENT:
        return [K.AMENDMENT]
    if decision.outcome != Outcome.GRANTED:
        return [K.REJECTION]  # Art. 8: a rejection is motivated and notified individually
    extra = {"aude": [K.AGREEMENT], "haute-garonne": [K.COMMITMENT]}.get(decision.application.scheme.code, [])
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
    K.FORMAL_NOTICE: "mise-en-demeure",
}


def letter_file_name(letter: Letter) -> str:
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
            _mail_body(app, pending), settings.DEFAULT_FROM_EMAIL, [app.student.email],
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
    from .services import decision_notified

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
    sent = _letters_send(application_id=app.pk,
                         letters=Letter.objects.filter(decision=decision, kind__in=DECISION_KINDS))
    if sent:
        decision_notified(decision=decision, on=decision.decided_on)
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
    from .services import ServiceError

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
