"""Reads of applications: querysets for lists, and the engine's verdict on a stored file."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import QuerySet

from schemes.engine import Verdict
from schemes.engine.durations import academic_year_start
from schemes.inputs import InvalidInput
from schemes.simulation import validate_batch, verdicts_for

from .documents import required_kinds
from .models import Application, Document, DocumentRequest, OutboxMessage


def application_case_data(application: Application) -> dict:
    """The file's declared situation as one simulation-contract case. For Horizons, the aid
    already granted to the student that academic year is the student's real history (Art. 4),
    never what was declared."""
    data = dict(application.data or {})
    data["scheme"] = application.scheme.code
    if application.scheme.code == "horizons":
        data["aid"] = application.aid or data.get("aid")
        data["prior_awards"] = [award for _other, award in student_awards(application=application)]
    if application.submitted_at and "submitted_on" not in data:
        data["submitted_on"] = application.submitted_at.date().isoformat()
    return data


def file_year(application: Application) -> int | None:
    """The academic year (1 Sept - 31 Aug, by the mobility's or internship's start) of a file:
    the one stored at submission, else the one its declared start date gives."""
    if application.academic_year:
        return application.academic_year
    data = application.data or {}
    start = (data.get("mobility") or data.get("internship") or {}).get("start_date")
    try:
        return academic_year_start(date.fromisoformat(start)) if start else None
    except (TypeError, ValueError):
        return None


def student_other_files(*, application: Application, year: int | None = None) -> QuerySet[Application]:
    """The student's other files of the same scheme and academic year (the file's own by default)."""
    year = year if year is not None else file_year(application)
    if year is None or application.student_id is None:
        return Application.objects.none()
    return (Application.objects.filter(student_id=application.student_id, scheme_id=application.scheme_id,
                                       academic_year=year)
            .exclude(pk=application.pk).select_related("current_decision").order_by("pk"))


def student_awards(*, application: Application) -> list[tuple[Application, dict]]:
    """Horizons Art. 4: the aid granted to the student on their other files of the same academic
    year, by the decisions in force, in the contract's `prior_awards` form (grants with their
    funded weeks, read from the decision's snapshot)."""
    out = []
    for other in student_other_files(application=application).filter(
            current_decision__outcome="granted", current_decision__amount__gt=0):
        snapshot = other.current_decision.snapshot or {}
        mobility = (snapshot.get("input") or {}).get("mobility") or (other.data or {}).get("mobility") or {}
        award = {"aid": other.aid or "grant", "kind": mobility.get("kind", "study")}
        if award["aid"] == "grant":
            award["weeks"] = int((snapshot.get("result") or {}).get("weeks") or 0)
        out.append((other, award))
    return out


def student_files_in_progress(*, application: Application) -> QuerySet[Application]:
    """The student's other files of the same scheme and academic year still undecided (submitted,
    in instruction or on a commission's agenda): a possible cumulation the officer is warned of."""
    from .states import UNDECIDED, State

    return student_other_files(application=application).filter(
        state__in=[s for s in UNDECIDED if s != State.DRAFT])


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
    return required_kinds(application.scheme.code, scholarship_holder=student.get("scholarship_holder"),
                          aid=application.aid or "")


def documents_to_renew(*, application: Application, today: date) -> list[str]:
    """Kinds on file that the scheme's text asks to renew each year and whose copy predates the
    academic year of `today` (Aude: the schooling certificate)."""
    from schemes.engine.durations import academic_year_start

    from .documents import RENEWED_EACH_YEAR

    year_start = date(academic_year_start(today), 9, 1)
    on_file = documents_current(application=application)
    return [k for k in RENEWED_EACH_YEAR.get(application.scheme.code, ())
            if k in on_file and on_file[k].uploaded_at.date() < year_start]


def outbox_backlog() -> tuple[int, datetime | None]:
    """How many outbox rows wait for delivery, and when the oldest of them was written."""
    from django.db.models import Count, Min

    pending = OutboxMessage.objects.filter(delivered_at__isnull=True).aggregate(n=Count("pk"), oldest=Min("created_at"))
    return pending["n"], pending["oldest"]
