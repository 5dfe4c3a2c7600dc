"""Celery tasks of the decisions app: take ids, hold no logic, call one service, safe to run twice.

Each is idempotent, hence acknowledged late (a message whose worker died is delivered again).
Letters are run by the outbox (applications.services.outbox), which retries them; the periodic
resumption retries on database errors like the outbox's own tasks (docs/reliability.md).
"""

from celery import shared_task
from django.utils import timezone

from applications.tasks import DATABASE_RETRY


@shared_task(name="decisions.close_session", acks_late=True, reject_on_worker_lost=True)
def close_session(session_id: int) -> int:
    """Decide every file of a closing commission session; resumable and safe to run twice."""
    from .services import session_close_run

    return session_close_run(session_id=session_id)


@shared_task(name="decisions.resume_stalled_closings", ignore_result=True, acks_late=True,
             reject_on_worker_lost=True, **DATABASE_RETRY)
def resume_stalled_closings() -> int:
    """Resume the closings whose progress has stopped moving (beat, every minute)."""
    from .services import sessions_resume_stalled

    return sessions_resume_stalled(now=timezone.now())


@shared_task(name="decisions.issue_decision_letters", acks_late=True, reject_on_worker_lost=True)
def issue_decision_letters(decision_id: int) -> int:
    """Render, store and send the letters of one decision; sends nothing twice."""
    from .letters import decision_letters_issue

    return decision_letters_issue(decision_id=decision_id)


@shared_task(name="decisions.issue_letter", acks_late=True, reject_on_worker_lost=True)
def issue_letter(application_id: int, kind: str, decision_id: int | None = None) -> int:
    """Render, store and send one letter answering an appeal or a reported change."""
    from .letters import answer_letter_issue

    return answer_letter_issue(application_id=application_id, kind=kind, decision_id=decision_id)
