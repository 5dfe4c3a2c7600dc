"""Reads of the staff screens: the establishment's queue, the officer's queue and file page.

Kept apart from selectors.py (same role, separate module so that parallel work does not collide).
Every queryset here is scoped to what the user may see: a file outside that scope is simply not
found (the views answer 404), so a guessed primary key reveals nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accounts.rules import roles_of

from .deadlines import REMINDER_BEFORE
from .documents import KINDS
from .models import Application, DocumentRequest, Event
from .search import search_files
from .states import TRANSITIONS, State

# "Échéance proche": an open document request whose deadline falls within this window (the same
# 14 days as the reminder sent to the student).
DUE_SOON = REMINDER_BEFORE


# --- Establishment -----
def establishment_applications(*, user) -> QuerySet[Application]:
    """Submitted files of the user's establishments (any state but draft)."""
    return (
        Application.objects.filter(establishment_id__in=roles_of(user).establishment_ids)
        .exclude(state=State.DRAFT)
        .select_related("scheme", "establishment", "student", "opinion")
    )


def establishment_queue(*, user, validated: bool = False) -> QuerySet[Application]:
    """Files awaiting the establishment's opinion, oldest first; or those already given one."""
    qs = establishment_applications(user=user)
    if validated:
        return qs.filter(opinion__isnull=False).order_by("-opinion__given_at", "-pk")
    return qs.filter(state=State.AWAITING_OPINION).order_by("submitted_at", "pk")


# --- Officer -----
def officer_applications(*, user) -> QuerySet[Application]:
    """Submitted files of the schemes funded by the officer's authority."""
    return (
        Application.objects.filter(scheme_id__in=roles_of(user).officer_scheme_ids)
        .exclude(state=State.DRAFT)
        .select_related("scheme", "establishment", "student")
    )


def officer_file(*, user) -> QuerySet[Application]:
    """The officer's files with everything the file page shows, in a fixed number of queries."""
    return (
        officer_applications(user=user)
        .select_related("opinion__given_by")
        .prefetch_related(
            "documents__uploaded_by",
            "document_requests",
            "events",
            "messages__author",
            "notes__author",
        )
    )


def _open_request_due_within(today: date, window: timedelta):
    return (
        DocumentRequest.objects.filter(
            application=OuterRef("pk"), answered_at__isnull=True, expired_at__isnull=True
        )
        .annotate(deadline_on=Coalesce("extended_to", "due_on"))
        .filter(deadline_on__range=(today, today + window))
    )


def _open_request_overdue(today: date):
    return (
        DocumentRequest.objects.filter(
            application=OuterRef("pk"), answered_at__isnull=True, expired_at__isnull=True
        )
        .annotate(deadline_on=Coalesce("extended_to", "due_on"))
        .filter(deadline_on__lt=today)
    )


def officer_queue(
    *, user, filters: dict[str, Any], today: date, with_state: bool = True
) -> QuerySet[Application]:
    """The officer's files, filtered (already validated values, see staff_forms.QueueFilterForm)
    and sorted by submission date, oldest first (files are instructed in order of arrival).

    `overdue` marks a file whose document request is past its deadline and still unanswered.
    Horizons files are rejected the day after (Art. 5, sweeps.incomplete_files_reject); the Aude
    and Haute-Garonne texts have no such rule, so theirs wait here, flagged, for an officer."""
    qs = officer_applications(user=user).annotate(overdue=Exists(_open_request_overdue(today)))
    if with_state and filters.get("state"):
        qs = qs.filter(state=filters["state"])
    if filters.get("year"):
        qs = qs.filter(academic_year=filters["year"])
    if filters.get("establishment"):
        qs = qs.filter(establishment=filters["establishment"])
    if filters.get("scheme"):
        qs = qs.filter(scheme=filters["scheme"])
    if filters.get("aid"):
        qs = qs.filter(aid=filters["aid"])
    if filters.get("overdue"):
        qs = qs.filter(overdue=True)
    if filters.get("due_soon"):
        qs = qs.filter(Exists(_open_request_due_within(today, DUE_SOON)))
    qs = search_files(qs, filters.get("q") or "")
    return qs.order_by("submitted_at", "pk")


def officer_state_counts(
    *, user, filters: dict[str, Any], today: date
) -> list[tuple[str, str, int]]:
    """(state, label, count) for every state but draft, under the other filters."""
    counts = dict(
        officer_queue(user=user, filters=filters, today=today, with_state=False)
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
    )
    return [(s.value, str(s.label), counts.get(s.value, 0)) for s in State if s != State.DRAFT]


@dataclass(frozen=True)
class OfficerToday:
    """What needs the officer today, for the top of their queue (their home page)."""

    to_instruct: int
    ready_for_decision: int
    due_soon: int
    aftercare: int


def officer_today(*, user, today: date) -> OfficerToday:
    """Four counts, each read from the side where it is small: the files in two states by the
    (scheme, state) index, the open document requests and the pending appeals and changes from
    their own tables. (Counting them over every file of the authority, with a probe per file,
    took most of the queue's time on 100,000 files.)"""
    scheme_ids = roles_of(user).officer_scheme_ids
    by_state = dict(
        Application.objects.filter(
            scheme_id__in=scheme_ids, state__in=(State.IN_INSTRUCTION, State.READY_FOR_DECISION)
        )
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
    )
    due_soon = (
        DocumentRequest.objects.filter(
            application__scheme_id__in=scheme_ids, answered_at__isnull=True, expired_at__isnull=True
        )
        .exclude(application__state=State.DRAFT)
        .annotate(deadline_on=Coalesce("extended_to", "due_on"))
        .filter(deadline_on__range=(today, today + DUE_SOON))
        .values("application_id")
        .distinct()
        .count()
    )
    # Appeals and changes are the decisions app's: reached through the file's reverse relations
    # (no import of a later stage), as decisions.selectors.aftercare_pending lists them.
    aftercare = sum(
        Application._meta.get_field(relation).related_model.objects.filter(
            application__scheme_id__in=scheme_ids, status="pending"
        )
        .exclude(application__state=State.DRAFT)
        .count()
        for relation in ("appeals", "change_reports")
    )
    return OfficerToday(
        to_instruct=by_state.get(State.IN_INSTRUCTION, 0),
        ready_for_decision=by_state.get(State.READY_FOR_DECISION, 0),
        due_soon=due_soon,
        aftercare=aftercare,
    )


def officer_academic_years(*, user) -> list[int]:
    return academic_years(scheme_ids=roles_of(user).officer_scheme_ids, with_drafts=False)


def academic_years(*, scheme_ids: Iterable[int], with_drafts: bool = True) -> list[int]:
    """The academic years that have files of these schemes, newest first (the filters' choices).

    A handful of years among tens of thousands of files: SELECT DISTINCT would read every one
    of them. This walks the academic-year index down instead, one probe per year found (a
    recursive query: the largest year, then the largest below it, and so on)."""
    ids = sorted(scheme_ids)
    if not ids:
        return []
    table = Application._meta.db_table
    scope = f"scheme_id IN ({', '.join(['%s'] * len(ids))}) AND academic_year IS NOT NULL"
    params: list[Any] = list(ids)
    if not with_drafts:
        scope += " AND state <> %s"
        params.append(State.DRAFT.value)
    sql = (
        f"WITH RECURSIVE years(y) AS ("
        f" SELECT MAX(academic_year) FROM {table} WHERE {scope}"
        f" UNION ALL"
        f" SELECT (SELECT MAX(academic_year) FROM {table} WHERE {scope} AND academic_year < years.y)"
        f" FROM years WHERE years.y IS NOT NULL"
        f") SELECT y FROM years WHERE y IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params + params)
        return [row[0] for row in cursor.fetchall()]


def open_document_requests(application: Application) -> list[DocumentRequest]:
    """Requests still waiting for the student (uses the prefetched rows)."""
    return [
        r for r in application.document_requests.all() if not r.answered_at and not r.expired_at
    ]


def current_documents(application: Application) -> list:
    return [d for d in application.documents.all() if not d.superseded]


# --- Presentation helpers (pure) -----
# One label per kind of event any app records on a file (the officer's timeline, the admin's
# history). Later apps' kinds are named here too, as plain strings: applications cannot import
# them, and tests/unit/test_event_labels.py fails when a kind recorded anywhere has no label.
EVENT_LABELS: dict[str, Any] = {
    "created": _("Création du brouillon"),
    "document_added": _("Pièce ajoutée"),
    "deadline_extended": _("Délai prolongé"),
    "message": _("Message"),
    "reject_incomplete": _("Rejet pour dossier incomplet"),
    "archived": _("Dossier archivé"),
    # decisions
    "decision_recorded": _("Décision enregistrée en commission"),
    "decision_act": _("Acte de décision établi"),
    "decision_receipt": _("Accusé de réception de la décision"),
    "letters_sent": _("Courrier envoyé"),
    "letter_accepted": _("Convention ou engagement accepté"),
    "change_reported": _("Changement signalé"),
    "change_refused": _("Changement refusé"),
    # payments
    "payment_run_created": _("Inscrit dans un lot de paiement"),
    "payment_run_cancelled": _("Lot de paiement annulé"),
    "ledger_payment": _("Paiement versé"),
    "ledger_repayment": _("Reversement reçu"),
    "ledger_waiver": _("Remise de dette accordée"),
    "balance_requested": _("Solde demandé"),
    "balance_validated": _("Justificatifs du solde validés"),
    "balance_proofs_rejected": _("Justificatifs du solde refusés"),
    "balance_lapsed": _("Solde non demandé dans le délai"),
    "breach_recorded": _("Manquement constaté"),
    "aid_lost_declared": _("Perte de l'aide déclarée"),
    "repayment_ordered": _("Reversement engagé"),
    "formal_notice_issued": _("Mise en demeure envoyée"),
    "notice_received": _("Accusé de réception de la mise en demeure"),
    "repayment_answered": _("Réponse de l'étudiant à la mise en demeure"),
    "repayment_decided": _("Décision sur le reversement"),
    "repayment_demand_issued": _("Demande de reversement envoyée"),
    "follow_up_recorded": _("Suivi enregistré"),
    "control_opened": _("Contrôle ouvert"),
    "control_document_sent": _("Pièce envoyée pour le contrôle"),
    "control_closed": _("Contrôle clos"),
    **{name: label for name, _sources, _targets, _role, label in TRANSITIONS},
}


def state_label(value: str) -> str:
    try:
        return str(State(value).label)
    except ValueError:
        return value


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor: str
    kind: str
    label: str
    from_label: str
    to_label: str
    reason: str


def timeline(events: list[Event]) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            at=e.created_at,
            actor=e.actor_label,
            kind=e.kind,
            label=EVENT_LABELS.get(e.kind, e.kind),
            from_label=state_label(e.from_state) if e.from_state else "",
            to_label=state_label(e.to_state) if e.to_state else "",
            reason=e.reason,
        )
        for e in events
    ]


def declared_situation(data: dict, prefix: str = "") -> list[tuple[str, str]]:
    """The declared situation flattened to (path, value) lines, in the order it was stored."""
    lines: list[tuple[str, str]] = []
    for key, value in (data or {}).items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            lines.extend(declared_situation(value, path))
        elif isinstance(value, bool):
            lines.append((path, "oui" if value else "non"))
        elif isinstance(value, list):
            lines.append((path, ", ".join(str(v) for v in value) or "—"))
        else:
            lines.append((path, "—" if value in (None, "") else str(value)))
    return lines


def kind_labels(items: list[str]) -> list[str]:
    return [str(KINDS.get(i, i)) for i in items]


def officer_schemes(*, user) -> QuerySet:
    from schemes.models import Scheme

    return Scheme.objects.filter(pk__in=roles_of(user).officer_scheme_ids).order_by("code")
