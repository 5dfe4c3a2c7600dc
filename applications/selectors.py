"""Reads of applications: querysets for lists, and the engine's verdict on a stored file."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import QuerySet

from schemes.engine import Verdict
from schemes.inputs import InvalidInput
from schemes.simulation import validate_batch, verdicts_for

from .documents import required_kinds
from .models import Application, Document, DocumentRequest, OutboxMessage


def application_case_data(application: Application) -> dict:
    """The file's declared situation as one simulation-contract case."""
    data = dict(application.data or {})
    data["scheme"] = application.scheme.code
    if application.scheme.code == "horizons":
        data["aid"] = application.aid or data.get("aid")
    if application.submitted_at and "submitted_on" not in data:
        data["submitted_on"] = application.submitted_at.date().isoformat()
    return data


def application_verdict(*, application: Application, today: date) -> Verdict:
    """The engine's answer on the file's declared situation, through the simulator's own path.
    Raises InvalidInput when the declared data are incomplete or invalid."""
    cases = validate_batch([application_case_data(application)], indexed=False)
    return verdicts_for(cases, today=today)[0]


def application_verdict_or_errors(*, application: Application, today: date) -> tuple[Verdict | None, list]:
    try:
        return application_verdict(application=application, today=today), []
    except InvalidInput as exc:
        return None, exc.errors


def applications_for_student(*, student) -> QuerySet[Application]:
    return Application.objects.filter(student=student).select_related("scheme", "establishment")


def documents_current(*, application: Application) -> dict[str, Document]:
    """The file's documents in force, by kind (a newer upload of a kind supersedes the older)."""
    return {d.kind: d for d in application.documents.filter(superseded=False)}


def document_requests_open(*, application: Application) -> QuerySet[DocumentRequest]:
    return application.document_requests.filter(answered_at__isnull=True, expired_at__isnull=True)


def required_document_kinds(*, application: Application) -> tuple[str, ...]:
    student = (application.data or {}).get("student") or {}
    return required_kinds(application.scheme.code, scholarship_holder=student.get("scholarship_holder"))


def outbox_backlog() -> tuple[int, datetime | None]:
    """How many outbox rows wait for delivery, and when the oldest of them was written."""
    from django.db.models import Count, Min

    pending = OutboxMessage.objects.filter(delivered_at__isnull=True).aggregate(n=Count("pk"), oldest=Min("created_at"))
    return pending["n"], pending["oldest"]
