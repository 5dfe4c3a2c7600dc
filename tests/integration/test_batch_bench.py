"""bench/batch.py's measures, run on 50 generated files with eager tasks, so that the benchmark
cannot rot unseen: each one must still do the work it claims to time (no figure is checked)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from applications.models import Application, DocumentRequest, OutboxMessage
from applications.states import State
from bench import batch
from decisions.models import Letter
from payments.models import Instalment, PaymentRun, RepaymentOrder
from schemes.models import Scheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def volume(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("generate_volume", "--files", "50", "--seed", "3", "--batch", "50", stdout=StringIO(), stderr=StringIO())


def test_the_sweeps_do_the_days_they_are_timed_on(volume):
    today = timezone.localdate()
    open_requests = DocumentRequest.objects.filter(answered_at__isnull=True, expired_at__isnull=True).count()
    assert open_requests and RepaymentOrder.objects.filter(status="notice_sent").exists()
    reminders, rejections, again = batch.measure_sweeps(days=[("reminders", batch.REMINDER_DAY), ("today", today),
                                                             ("again", today)])
    # The reminder day is within the 14 days before every open request's deadline.
    assert reminders["counts"]["documents_reminded"] == open_requests
    assert reminders["counts"]["repayment_orders_standing"] == RepaymentOrder.objects.filter(status="standing").count() > 0
    assert rejections["counts"]["incomplete_rejected"] > 0
    assert set(again["counts"].values()) == {0}
    assert all(m["seconds"] >= 0 and m["peak_rss_mib"] > 0 for m in (reminders, rejections, again))


def test_close_payment_run_and_letters(volume, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    closed, figures = batch.timed(batch.close_commission, files=4, run="T1")
    assert closed["decided"] == 4 and figures["peak_rss_mib"] > 0
    assert Application.objects.filter(reference__startswith="BNT1-", state=State.GRANTED).count() == 4

    authority = Scheme.objects.get(code="horizons").authority
    officer = User.objects.get(officer_membership__authority=authority, username__startswith="volume-agent-")
    ids = batch.payable_ids(authority=authority, today=today)
    assert len(ids) >= 4  # at least the advances of the files just decided
    run = batch.payment_run(authority=authority, officer=officer, ids=ids, today=today)
    assert run["instalments"] == len(ids) == PaymentRun.objects.get(pk=run["run_id"]).count
    assert Instalment.objects.filter(run_id=run["run_id"], status="in_run").count() == len(ids)
    assert run["sepa_xml_bytes"] > 0 and run["csv"]["bytes"] > 0 and run["pdf"]["bytes"] > 0

    # The close wrote one outbox message per decision; published here with eager tasks, each
    # issues its decision's letter, as a worker does with Redis.
    messages = batch.letter_messages(session=closed["session"])
    assert len(messages) == 4
    with django_capture_on_commit_callbacks(execute=True):
        batch.letters_publish(messages)
    done = batch.letters_wait(session=closed["session"], message_ids=messages, timeout=5)
    assert done == {"letters": 4, "undelivered": 0}
    assert not OutboxMessage.objects.filter(pk__in=messages, delivered_at__isnull=True).exists()
    assert Letter.objects.filter(decision__session=closed["session"], kind="award").count() == 4


def test_summary_gives_best_and_spread():
    def run(sweep, close, letters):
        return {"sweeps": [{"day": "d", "seconds": sweep}], "close": {"seconds": close},
                "payment_run": {"create": {"seconds": 1.0}, "csv": {"seconds": 0.5}, "pdf": {"seconds": 9.0}},
                "letters": {"seconds": letters}}

    summary = batch._summary([run(2.0, 10.0, 70.0), run(1.5, 12.0, 65.0)])
    assert summary["sweep 1: d"] == {"best": 1.5, "spread": 0.5, "runs": [2.0, 1.5]}
    assert summary["letters"]["best"] == 65.0 and summary["letters"]["spread"] == 5.0
    assert summary["payment_run_create"]["spread"] == 0


def test_the_acceptances_make_the_monthly_instalments_payable(volume):
    """The volume writes the Haute-Garonne commitments accepted (as letter_accept leaves them);
    a volume without them (generated earlier) gets them from payables_top_up, once."""
    today = timezone.localdate()
    authority = Scheme.objects.get(code="haute-garonne").authority
    payable = batch.payable_ids(authority=authority, today=today)
    assert payable
    Letter.objects.filter(kind="commitment").delete()
    assert batch.payable_ids(authority=authority, today=today) == []
    written = batch.payables_top_up(authority=authority, instalments=len(payable), today=today)
    assert written == Letter.objects.filter(kind="commitment", accepted_at__isnull=False).count() > 0
    assert batch.payable_ids(authority=authority, today=today) == payable
    assert batch.payables_top_up(authority=authority, instalments=len(payable), today=today) == 0
