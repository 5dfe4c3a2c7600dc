"""Celery tasks of the decisions app: take ids, hold no logic, call one service, safe to run twice."""

from celery import shared_task


@shared_task(name="decisions.close_session")
def close_session(session_id: int) -> int:
    """Decide every file of a closing commission session; resumable and safe to run twice."""
    from .services import session_close_run

    return session_close_run(session_id=session_id)


@shared_task(name="decisions.issue_decision_letters")
def issue_decision_letters(decision_id: int) -> int:
    """Render, store and send the letters of one decision; sends nothing twice."""
    from .letters import decision_letters_issue

    return decision_letters_issue(decision_id=decision_id)


@shared_task(name="decisions.issue_letter")
def issue_letter(application_id: int, kind: str, decision_id: int | None = None) -> int:
    """Render, store and send one letter answering an appeal or a reported change."""
    from .letters import answer_letter_issue

    return answer_letter_issue(application_id=application_id, kind=kind, decision_id=decision_id)
