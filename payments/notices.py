"""The formal notice (mise en demeure) that precedes every repayment order.

Horizons Art. 11: "la demande de reversement par la Région intervient après une mise en demeure
[...] l'invitant à apporter tous les éléments en sa possession justifiant du bon emploi des fonds
publics alloués [...] par lettre recommandée avec accusé de réception, le bénéficiaire disposant
d'un délai d'un mois courant à compter de la réception de cette mise en demeure." The same
contradictory step is followed for the other schemes' claims (art. L. 122-1 of the code des
relations entre le public et l'administration).

The letter follows decisions.letters: pure JSON context stored with the Letter, template name,
PDF signed by the authority and its SHA-256; rendering the stored context again gives the same
unsigned PDF, which the stored one begins with. The
registered letter itself is posted by the officers; the e-mail is the copy the student reads
first, and the month to answer runs from the acknowledgement of receipt (services.notice_received).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from applications.events import event_record
from applications.models import Application
from applications.notifications import mail_signature
from applications.pdf import html_to_pdf, render_letter_html
from applications.signing import sign_letter
from decisions.letters import _aid_label, letter_context
from decisions.models import Letter
from schemes.engine.money import ZERO, euros, fmt

from .deadlines import NOTICE_ANSWER_DELAY
from .models import Account, RepaymentOrder

TEMPLATE = "letters/formal_notice.html"
FILE_NAME = "mise-en-demeure"

# Which text grounds the claim and the notice, per scheme (cited in the letter).
LEGAL_BASIS = {
    "horizons": {
        "notice_article": "art. 11 du règlement",
        "claim_article": {
            RepaymentOrder.Reason.SETTLEMENT: "art. 9 et 11 du règlement",
            RepaymentOrder.Reason.LAPSED: "art. 9 et 11 du règlement",
            RepaymentOrder.Reason.CHANGE: "art. 10 et 11 du règlement",
            RepaymentOrder.Reason.BREACH: "art. 10 et 11 du règlement",
        },
    },
    "aude": {
        "notice_article": "art. L. 122-1 du code des relations entre le public et l'administration",
        "claim_article": {},
    },
    "haute-garonne": {
        "notice_article": "art. L. 122-1 du code des relations entre le public et l'administration",
        "claim_article": {RepaymentOrder.Reason.BREACH: "engagement de l'étudiant"},
    },
}
# The delay is a parameter of payments.deadlines; it is written out in words in the letter.
DELAY_WORDS = {1: "un mois"}


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def formal_notice_context(*, order: RepaymentOrder, today: date) -> dict[str, Any]:
    """Everything the notice shows, as JSON data (dates ISO, amounts "672.00")."""
    app = order.application
    code = app.scheme.code
    base = letter_context(application=app, kind=Letter.Kind.FORMAL_NOTICE)
    # The aid as it was awarded (what the money was paid on): the first granting decision. A
    # later decision may have cut it (to 0 for a cancellation), which is why the claim exists.
    decision = (
        app.decisions.filter(outcome="granted").order_by("created_at", "pk").first() or app.current_decision
    )
    account = Account.objects.filter(application=app).first()
    paid = account.paid if account else ZERO
    repaid = account.repaid if account else ZERO
    waived = account.waived if account else ZERO
    legal = LEGAL_BASIS.get(code, LEGAL_BASIS["aude"])
    months = NOTICE_ANSWER_DELAY.months
    base.update({
        "letter_date": _iso(today),
        "title": "Mise en demeure avant reversement",
        "decision": {
            "act_number": decision.act_number if decision else "",
            "decided_on": _iso(decision.decided_on) if decision else "",
            "amount": fmt(decision.amount) if decision else "",
        } if decision else None,
        "aid_label": _aid_label(app, (decision.snapshot if decision else None) or {}),
        "order": {
            "id": order.pk,
            "reason": order.reason,
            "reason_label": str(RepaymentOrder.Reason(order.reason).label),
            "explanation": order.explanation,
            "amount": fmt(order.amount),
            "created_on": _iso(order.created_on),
        },
        # The accounts of the file as they stand when the notice is issued.
        "accounts": {
            "notified": fmt(account.ceiling) if account else fmt(decision.amount if decision else ZERO),
            "paid": fmt(paid),
            "repaid": fmt(repaid),
            "waived": fmt(waived),
            "net_paid": fmt(paid - repaid - waived),
            "claimed": fmt(order.amount),
        },
        "legal": {
            "notice_article": legal["notice_article"],
            "claim_article": legal["claim_article"].get(order.reason, legal["notice_article"]),
            "delay": DELAY_WORDS.get(months, f"{months} mois"),
            "horizons": code == "horizons",
        },
    })
    # Round-trip through JSON: what is rendered now is exactly what the database will return.
    return json.loads(json.dumps(base, ensure_ascii=False))


def render_formal_notice_html(context: dict[str, Any]) -> str:
    return render_letter_html(TEMPLATE, context)


def formal_notice_render_pdf(letter: Letter) -> bytes:
    """Render a stored notice again from its stored context: the unsigned PDF the stored (signed)
    one begins with."""
    return html_to_pdf(render_letter_html(letter.template, letter.context))


def _mail_body(app: Application, context: dict[str, Any]) -> str:
    return (
        f"Bonjour {app.applicant_name},\n\n"
        f"{app.scheme.authority.name} vous adresse, au sujet de votre dossier {app.reference} ({app.scheme.name}), "
        f"la mise en demeure jointe, préalable à une demande de reversement de {euros(context['order']['amount'])}.\n\n"
        "Elle vous est également envoyée par lettre recommandée avec accusé de réception. Vous disposez d'un délai "
        f"de {context['legal']['delay']} à compter de sa réception pour présenter vos observations et tous éléments "
        f"justifiant du bon emploi des fonds publics ({context['legal']['notice_article']}) : vous pouvez répondre "
        "depuis votre espace sur le portail, rubrique « Reversements » de votre dossier.\n"
    ) + mail_signature(app)


def _order_letter_issue(*, order_id: int, link: str, kind: str, template: str, build_context, subject: str,
                        mail_body, attachment: str, event: str) -> int:
    """Issue, store and e-mail one letter of a repayment order (the formal notice or the demand),
    and link it to the order through its `link` field ("notice_letter" or "demand_letter").

    Idempotent: under the file's row lock, an order that already has this letter is left alone
    (returns 0); a failed e-mail rolls everything back, so the next run of the task starts again.
    Returns 1 when issued. Linking the letter is a plain update: the link carries no state of the
    order's workflow (see payments.services for its transitions)."""
    link_id = f"{link}_id"
    order = RepaymentOrder.objects.filter(pk=order_id).first()
    if order is None or getattr(order, link_id) is not None:
        return 0
    with transaction.atomic():
        # `of=("self",)`: only the file's row is locked (its decision may be null: PostgreSQL
        # refuses FOR UPDATE on the nullable side of an outer join).
        app = (Application.objects.select_for_update(of=("self",))
               .select_related("scheme__authority", "student", "current_decision").get(pk=order.application_id))
        order = RepaymentOrder.objects.select_for_update().get(pk=order_id)
        if getattr(order, link_id) is not None:
            return 0
        order.application = app
        context = build_context(order=order, today=timezone.localdate())
        pdf = sign_letter(html_to_pdf(render_letter_html(template, context)), authority=context["authority"]["name"],
                          place=context["authority"].get("city", ""))
        letter = Letter(application=app, decision=app.current_decision, kind=kind, template=template,
                        context=context, pdf_sha256=hashlib.sha256(pdf).hexdigest())
        letter.pdf.save(f"{kind}.pdf", ContentFile(pdf), save=False)
        letter.save()
        RepaymentOrder.objects.filter(pk=order.pk).update(**{link: letter})
        if app.student.email:
            message = EmailMessage(f"Votre dossier {app.reference} : {subject}", mail_body(app, context),
                                   settings.DEFAULT_FROM_EMAIL, [app.student.email])
            message.attach(f"{app.reference or app.pk}-{attachment}.pdf", pdf, "application/pdf")
            message.send()
            letter.sent_at = timezone.now()
            Letter.objects.filter(pk=letter.pk).update(sent_at=letter.sent_at)
        event_record(application=app, kind=event, actor_label="système",
                     payload={"order": order.pk, "letter": letter.pk, "sha256": letter.pdf_sha256,
                              "sent": letter.sent_at is not None})
    return 1


def formal_notice_issue(*, order_id: int) -> int:
    """Issue, store and e-mail the formal notice of a repayment order (idempotent, see
    _order_letter_issue)."""
    return _order_letter_issue(
        order_id=order_id, link="notice_letter", kind=Letter.Kind.FORMAL_NOTICE, template=TEMPLATE,
        build_context=formal_notice_context, subject="mise en demeure avant reversement", mail_body=_mail_body,
        attachment=FILE_NAME, event="formal_notice_issued",
    )


# --- The claim upheld (Art. 11) ------------------------------------------------------------------
DEMAND_TEMPLATE = "letters/repayment_demand.html"


def repayment_demand_context(*, order: RepaymentOrder, today: date) -> dict[str, Any]:
    """The formal notice's context, plus the officer's ruling: what was waived on this order and
    what stays due."""
    from .services.recovery import order_settled_so_far

    context = formal_notice_context(order=order, today=today)
    repaid, waived = order_settled_so_far(order)
    context.update({
        "title": "Demande de reversement",
        "ruling": {
            "decided_on": _iso(timezone.localdate(order.decided_at) if order.decided_at else today),
            "note": order.decision_note,
            "answered": bool(order.answer),
            "waived": fmt(waived),
            "repaid": fmt(repaid),
            "due": fmt(order.amount - repaid - waived),
        },
    })
    return json.loads(json.dumps(context, ensure_ascii=False))


def _demand_mail_body(app: Application, context: dict[str, Any]) -> str:
    return (
        f"Bonjour {app.applicant_name},\n\n{app.scheme.authority.name} a examiné votre situation après la mise en "
        f"demeure : le reversement de {euros(context['ruling']['due'])} est exigé. Vous trouverez la décision "
        "motivée jointe ; elle est aussi dans la rubrique « Reversements » de votre dossier.\n"
    ) + mail_signature(app)


def repayment_demand_issue(*, order_id: int) -> int:
    """Issue, store and e-mail the letter telling the student the claim is upheld (wholly, or for
    the rest after a partial waiver), printed like the formal notice. Idempotent (see
    _order_letter_issue)."""
    return _order_letter_issue(
        order_id=order_id, link="demand_letter", kind=Letter.Kind.REPAYMENT_DEMAND, template=DEMAND_TEMPLATE,
        build_context=repayment_demand_context, subject="demande de reversement", mail_body=_demand_mail_body,
        attachment="demande-de-reversement", event="repayment_demand_issued",
    )
