"""Celery tasks of the money side: ids in, one service call, safe to run twice."""

from celery import shared_task


@shared_task(name="payments.issue_formal_notice")
def issue_formal_notice(order_id: int) -> int:
    from .notices import formal_notice_issue

    return formal_notice_issue(order_id=order_id)
