"""Celery tasks of the money side: ids in, one service call, safe to run twice."""

from celery import shared_task


# Idempotent (an order that has its notice is left alone), hence acknowledged late; written to
# the outbox by the order's service, which retries it.
@shared_task(name="payments.issue_formal_notice", acks_late=True, reject_on_worker_lost=True)
def issue_formal_notice(order_id: int) -> int:
    from .notices import formal_notice_issue

    return formal_notice_issue(order_id=order_id)


# Idempotent like the notice (an order that has its letter is left alone).
@shared_task(name="payments.issue_repayment_demand", acks_late=True, reject_on_worker_lost=True)
def issue_repayment_demand(order_id: int) -> int:
    from .notices import repayment_demand_issue

    return repayment_demand_issue(order_id=order_id)
