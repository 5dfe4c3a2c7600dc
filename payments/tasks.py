"""Celery tasks of the money side: ids in, one service call, safe to run twice."""

from celery import shared_task


@shared_task(name="payments.issue_formal_notice")
def issue_formal_notice(order_id: int) -> int:
    from .notices import formal_notice_issue

    return formal_notice_issue(order_id=order_id)


@shared_task(name="payments.archive_files")
def archive_files() -> int:
    """Minimise the personal data of files past their 3-year control period (Art. 12)."""
    from django.utils import timezone

    from .archive import files_archive

    return files_archive(today=timezone.localdate())
