"""A closing whose worker dies: every batch that committed has its letters owed in the outbox,
and the closing itself is resumed when its progress stops moving (regression: 100 files of an
interrupted batch never got their letters, their appeal period never started)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from applications.models import OutboxMessage
from applications.services import outbox_sweep
from decisions import services as decision_services
from decisions.models import CommissionSession, Decision, Letter
from decisions.services import closing as sessions_module
from tests.flows import officer, ready_file

pytestmark = pytest.mark.django_db
ACT = date(2025, 7, 3)


def closing(n=3):
    agent = officer("horizons")
    files = [ready_file("horizons", agent) for _ in range(n)]
    session = decision_services.session_create(scheme=files[0].scheme, title="Commission", meeting_date=ACT, by=agent)
    decision_services.session_add_files(session=session, applications=files, by=agent, today=ACT)
    for entry in session.entries.all():
        decision_services.session_entry_record(entry=entry, outcome="granted", by=agent, amount=entry.proposed_amount)
    decision_services.session_close_start(session=session, by=agent, today=ACT)
    return session, agent


def later(seconds):
    return time_machine.travel(timezone.now() + timedelta(seconds=seconds))


def test_a_worker_killed_mid_closing_loses_no_letter(monkeypatch, settings, django_capture_on_commit_callbacks):
    session, _agent = closing(3)
    # The worker dies in the second batch: the first one committed, with its decision and the
    # outbox row of its letters; the after-commit publish never ran (the process is gone).
    monkeypatch.setattr(sessions_module, "CLOSING_BATCH", 1)
    real_decide, calls = sessions_module._decide, []

    def dies_on_second(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return real_decide(**kwargs)

    monkeypatch.setattr(sessions_module, "_decide", dies_on_second)
    with django_capture_on_commit_callbacks(), pytest.raises(SystemExit):  # callbacks captured, never run
        decision_services.session_close_run(session_id=session.pk)
    monkeypatch.setattr(sessions_module, "_decide", real_decide)
    session.refresh_from_db()
    assert (session.status, session.progress_done) == ("closing", 1)
    [first] = Decision.objects.filter(session=session)
    assert OutboxMessage.objects.filter(task="decisions.issue_decision_letters", args=[first.pk]).exists()

    # Still moving for all we know: nothing is resumed before the delay.
    assert decision_services.sessions_resume_stalled(now=timezone.now()) == 0
    with later(settings.CLOSING_STALLED_AFTER_SECONDS + 1):
        now = timezone.now()
        assert decision_services.sessions_resume_stalled(now=now) == 1
        assert decision_services.sessions_resume_stalled(now=now) == 0  # run twice: resumed once
        # The beat's sweep delivers the resumed closing; its batches write their letters, which
        # the next sweep delivers (the first closing's row is leased until then).
        with later(settings.OUTBOX_SWEEP_GRACE_SECONDS + 1), django_capture_on_commit_callbacks():
            outbox_sweep()
        session.refresh_from_db()
        assert session.status == "closed" and session.progress_done == 3
        grace = settings.OUTBOX_LEASE_SECONDS + settings.OUTBOX_SWEEP_GRACE_SECONDS
        with later(grace + 1), django_capture_on_commit_callbacks():
            outbox_sweep()
    decisions = Decision.objects.filter(session=session)
    assert decisions.count() == 3
    for decision in decisions:
        assert Letter.objects.filter(decision=decision).count() == 1  # a Horizons award: one letter
        # The appeal period runs, from the day the letter was e-mailed (Art. 13).
        assert decision.notified_on == timezone.localdate(Letter.objects.get(decision=decision).sent_at)
    # One e-mail of letters per student (the sweep also delivered the files' earlier notifications).
    letters_mail = [m.to[0] for m in mail.outbox if "aide attribuée" in m.subject]
    assert sorted(letters_mail) == sorted({d.application.student.email for d in decisions})
    assert not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()


def test_the_resumption_key_names_the_stall():
    session, agent = closing(1)
    CommissionSession.objects.filter(pk=session.pk).update(progress_at=timezone.now() - timedelta(hours=1))
    session.refresh_from_db()
    assert decision_services.session_close_stalled(session=session, now=timezone.now())
    decision_services.session_close_resume(session=session, by=agent)
    keys = sorted(OutboxMessage.objects.filter(task="decisions.close_session").values_list("key", flat=True))
    assert keys[0] == f"close-session:{session.pk}" and keys[1].startswith(f"close-session:{session.pk}:")
    session.refresh_from_db()
    assert not decision_services.session_close_stalled(session=session, now=timezone.now())
    with pytest.raises(decision_services.ServiceError, match="avance"):
        decision_services.session_close_resume(session=session, by=agent)


def test_letters_sent_by_a_run_that_died_before_the_notification_still_start_the_appeal_period(monkeypatch):
    import decisions.services
    from decisions.letters import decision_letters_issue
    from tests.flows import decided_file

    app = decided_file("horizons", officer("horizons"))
    decision = app.current_decision

    def killed(**kwargs):
        raise SystemExit("worker killed after the e-mail went out")

    real = decisions.services.decision_notified
    monkeypatch.setattr(decisions.services, "decision_notified", killed)
    with pytest.raises(SystemExit):
        decision_letters_issue(decision_id=decision.pk)
    decision.refresh_from_db()
    assert decision.notified_on is None and len(mail.outbox) == 1
    monkeypatch.setattr(decisions.services, "decision_notified", real)
    assert decision_letters_issue(decision_id=decision.pk) == 0  # the run again: nothing created
    decision.refresh_from_db()
    # Notified the day the letters were e-mailed (Art. 13), whatever run records it; nor sent twice.
    sent_at = decision.letters.order_by("pk").first().sent_at
    assert decision.notified_on == timezone.localdate(sent_at) and len(mail.outbox) == 1
