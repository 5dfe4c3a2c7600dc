"""What each letter says (`letter_context`): pure JSON data, stored with the letter. Issuing,
sending and accepting letters is in issue.py.

A letter's context is pure JSON data and is stored with it; rendering the stored context again
gives the same unsigned PDF byte for byte (`letter_render_pdf`). The stored letter is that PDF
signed by the authority (applications.signing): the signature and the stored SHA-256 prove it.
Letters are dated the day of the decision; the 2-month appeal period runs from their
notification, the day they are made available and e-mailed (Horizons Art. 8 and 13).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from applications.deadlines import appeal_deadline
from applications.models import Application
from schemes.engine.durations import whole_months
from schemes.engine.horizons import CHEQUE_LABELS, KIND_LABELS
from schemes.engine.money import fmt
from schemes.engine.schedule import Instalment, aude_schedule, haute_garonne_schedule, horizons_schedule
from schemes.models import ZoningEntry
from schemes.selectors import parameter_timelines

from ..models import Appeal, ChangeReport, Decision, Letter, Outcome

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
    """The payment calendar of a grant (schemes/engine/schedule.py); empty for a rejection."""
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


def _decision_part(application: Application, decision: Decision, notified_on: date) -> dict[str, Any]:
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
            # A fixed amount other than the texts' is a derogation, stated with its reason in the act.
            "engine_amount": fmt(decision.engine_amount) if decision.engine_amount is not None else "",
            "amount_derogation": decision.amount_derogation,
            "quota_derogation": decision.quota_derogation,
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
        # Art. 13: the 2 months run from the notification to the student, the day the letter is
        # made available on the portal and e-mailed (issued and sent by the same task), not from
        # the act's date. The portal counts from the day the e-mail actually left
        # (Decision.notified_on), never earlier: an appeal within the date printed here is never
        # refused.
        "appeal": {
            "article": style["appeal_article"],
            "notified_on": _iso(notified_on),
            "last_day": _iso(appeal_deadline(notified_on)),
        },
    }
    if result:
        # CRPA L311-3-1: a decision taken on the basis of an algorithmic treatment says so, and
        # where the student can obtain its rules and parameters (R311-3-1-1 and 2).
        with override("fr"):
            path = reverse("schemes:rules", args=[application.scheme.code])
        part["algorithm"] = {"url": f"{settings.PORTAL_URL}{path}",
                             "engine_version": str(snapshot.get("engine_version") or "")}
    previous = decision.supersedes
    if previous is not None:
        part["previous"] = {"amount": fmt(previous.amount), "decided_on": _iso(previous.decided_on),
                            "act_number": previous.act_number, "outcome": previous.outcome}
    change = ChangeReport.objects.filter(new_decision=decision).first()
    if change is not None:
        part["change"] = {"id": change.pk, "kind_label": ChangeReport.kind_label(change.kind, change.application.scheme.code),
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
                             "kind_label": ChangeReport.kind_label(report.kind, report.application.scheme.code),
                             "description": report.description}
    letter_date = answer_date or (decision.decided_on if decision else timezone.localdate())
    context["letter_date"] = _iso(letter_date)
    # Made available and e-mailed today (the letter is issued and sent by one task), or on the
    # answer's day, whichever is later.
    notified_on = max(letter_date, timezone.localdate())
    if decision is not None:
        context.update(_decision_part(application, decision, notified_on))
        if kind in (K.APPEAL_UPHELD, K.CHANGE_REFUSED):
            # The contentious appeal runs 2 months from this answer (art. R. 421-1 CJA).
            context["appeal"]["contentious_last_day"] = _iso(appeal_deadline(notified_on))
    if kind == K.AGREEMENT:
        context["agreement"] = _agreement_part(application, decision, context)
    elif kind == K.COMMITMENT:
        context["commitment"] = _commitment_part(application, decision, context)
    # Round-trip through JSON: what is rendered now is exactly what the database will return.
    return json.loads(json.dumps(context, ensure_ascii=False))
