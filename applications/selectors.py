"""Reads of applications: querysets for lists, and the engine's verdict on a stored file."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from schemes.engine import Verdict
from schemes.inputs import InvalidInput
from schemes.simulation import validate_batch, verdicts_for

from .documents import required_kinds
from .models import Application, Document, DocumentRequest


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


# --- After the decision -------------------------------------------------------------------------
def decisions_of(*, application: Application):
    return application.decisions.select_related("supersedes").prefetch_related("letters").order_by("created_at", "pk")


def appeals_of(*, application: Application):
    return application.appeals.select_related("decision", "reviewed_by").prefetch_related("documents").order_by("filed_on", "pk")


def change_reports_of(*, application: Application):
    return application.change_reports.select_related("decision", "new_decision").order_by("reported_on", "pk")


def appeal_status(*, application: Application, today: date) -> tuple[date | None, str | None]:
    """(last day to appeal or None, why no appeal can be filed today or None): Art. 13, a
    recours gracieux within two months of the notification. The page and `appeal_file` both
    ask this, so what the student reads is what the service decides."""
    from django.utils.translation import gettext as _

    from . import deadlines
    from .states import DECIDED, State

    decision = application.current_decision
    if application.state == State.UNDER_APPEAL:
        return None, _("Un recours gracieux est déjà en cours d'examen sur ce dossier.")
    if application.state not in DECIDED or decision is None:
        return None, _("Un recours n'est possible que contre une décision notifiée.")
    if decision.notified_on is None:
        return None, _("La décision n'a pas encore été notifiée.")
    last_day = deadlines.appeal_deadline(decision.notified_on)
    if deadlines.is_expired(last_day, today):
        return last_day, (
            _("Le délai de recours gracieux de deux mois à compter de la notification (le %(n)s) a expiré "
              "le %(d)s (art. 13). Un recours contentieux reste possible devant le tribunal administratif.")
            % {"n": decision.notified_on.strftime("%d/%m/%Y"), "d": last_day.strftime("%d/%m/%Y")}
        )
    return last_day, None
