"""Faults against real services: a worker killed mid-closing and mid-letter, Redis stopped or
frozen during a submission, PostgreSQL restarted under load. Each test starts (and kills) its
own Redis, worker and, for the restart, PostgreSQL cluster; each is bounded to about a minute."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from applications.models import Event, OutboxMessage
from applications.services import outbox
from applications.states import State
from decisions import services as decision_services
from decisions.models import CommissionSession, Decision, Letter
from tests.flows import horizons_actors, horizons_draft, officer, ready_file

from .conftest import ROOT, Worker, free_port, kill_group, require, require_binary, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
ACT = date(2025, 7, 3)
BEFORE_MOBILITY = datetime(2025, 6, 1, 10, tzinfo=ZoneInfo("Europe/Paris"))


def closing(n: int) -> CommissionSession:
    agent = officer("horizons")
    files = [ready_file("horizons", agent) for _ in range(n)]
    session = decision_services.session_create(scheme=files[0].scheme, title="Commission", meeting_date=ACT, by=agent)
    decision_services.session_add_files(session=session, applications=files, by=agent, today=ACT)
    for entry in session.entries.all():
        decision_services.session_entry_record(entry=entry, outcome="granted", by=agent, amount=entry.proposed_amount)
    # Committed (transactional test): the outbox row, and its publish to the worker's Redis.
    decision_services.session_close_start(session=session, by=agent, today=ACT)
    return session


def letters_mails(worker) -> list[str]:
    return sorted(to for to, subject in worker.mails() if "aide attribuée" in subject)


def assert_everything_done_once(session: CommissionSession, worker, n: int) -> None:
    session.refresh_from_db()
    assert session.status == "closed" and session.progress_done == n
    decisions = Decision.objects.filter(session=session).select_related("application__student")
    assert decisions.count() == n and len({d.application_id for d in decisions}) == n
    students = sorted(d.application.student.email for d in decisions)
    for decision in decisions:
        assert Letter.objects.filter(decision=decision).count() == 1  # a Horizons award: one letter
        assert Letter.objects.get(decision=decision).sent_at is not None
        # Art. 13: the appeal period runs, from the day the letter was e-mailed.
        assert decision.notified_on == timezone.localdate(Letter.objects.get(decision=decision).sent_at)
        assert Event.objects.filter(application=decision.application, kind="letters_sent").count() == 1
    assert letters_mails(worker) == students  # one e-mail each, none twice
    assert not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()


def all_notified(session: CommissionSession, n: int) -> bool:
    return (
        Decision.objects.filter(session=session, notified_on__isnull=False).count() == n
        and not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()
    )


def test_worker_killed_mid_closing_then_everything_done_once(worker):
    n = 9
    worker.start(FAULT_DECIDE_SECONDS="0.4", FAULT_CLOSING_BATCH="3")
    session = closing(n)

    def progress():
        return CommissionSession.objects.get(pk=session.pk).progress_done

    wait_until(lambda: 3 <= progress() < n, timeout=40, what="a first batch decided", log=worker.log)
    worker.kill()
    session.refresh_from_db()
    assert session.status == "closing" and session.progress_done < n
    # Restarted, as after a crash: nobody re-queues anything by hand.
    worker.start()
    wait_until(lambda: all_notified(session, n), timeout=45, what="the closing resumed and every letter sent",
               log=worker.log)
    assert_everything_done_once(session, worker, n)


def test_worker_killed_while_rendering_a_letter_then_it_is_sent_once(worker, tmp_path):
    marker = tmp_path / "rendering"
    worker.start(FAULT_HANG_RENDER=str(marker))
    session = closing(1)
    wait_until(marker.exists, timeout=40, what="the letter being rendered", log=worker.log)
    worker.kill()
    row = OutboxMessage.objects.get(task="decisions.issue_decision_letters")
    assert row.delivered_at is None and row.attempts == 1 and not Letter.objects.exists()
    worker.start()
    wait_until(lambda: all_notified(session, 1), timeout=40, what="the letter sent after the restart", log=worker.log)
    assert_everything_done_once(session, worker, 1)
    row.refresh_from_db()
    assert row.attempts == 2


def received_ids(log: Path) -> list[str]:
    """Ids of the tasks a worker took, in order, from its log. The one a killed worker hung on
    may be one row's delivery (deliver_outbox), a chunk's (deliver_outbox_many, as a closing's
    letters are published) or the sweep's (sweep_outbox, which delivers overdue rows inline)."""
    text = log.read_text(errors="replace")
    return re.findall(r"Task [\w.]+\[([0-9a-f-]+)\] received", text)


def test_two_workers_one_killed_mid_letter_every_letter_once(worker, redis_server, tmp_path, monkeypatch):
    """Scaling out: two workers on one Redis, one database, one file store; the one without beat
    is killed while it renders a letter. The survivor's sweep delivers that letter when its lease
    ends, and Redis hands the killed worker's unacknowledged message to the survivor when the
    visibility timeout ends: that second delivery finds the row done and changes nothing."""
    n = 8
    # One message a letter, wherever the closing runs (here or in a worker): the 8 letters would
    # otherwise be one message, taken by one worker, and the other might never render one.
    monkeypatch.setattr(outbox, "PUBLISH_CHUNK", 1)
    short_visibility = {"CELERY_VISIBILITY_TIMEOUT": "6", "FAULT_RESTORE_SECONDS": "2", "FAULT_PUBLISH_CHUNK": "1"}
    worker.start(**short_visibility)
    marker = tmp_path / "rendering"
    second = Worker(redis_server, tmp_path, name="second")
    try:
        second.start(FAULT_HANG_RENDER=str(marker), FAULT_NO_BEAT="1", **short_visibility)
        session = closing(n)
        wait_until(marker.exists, timeout=40, what="the second worker rendering a letter", log=second.log)
        killed_task = received_ids(second.log)[-1]
        second.kill()
        wait_until(lambda: all_notified(session, n), timeout=45, what="every letter sent by the survivor",
                   log=worker.log)
        # The killed worker's message, redelivered to the survivor: run, and a no-op.
        wait_until(lambda: killed_task in received_ids(worker.log), timeout=45,
                   what="the unacknowledged message redelivered to the survivor", log=worker.log)
        wait_until(lambda: f"[{killed_task}] succeeded" in worker.log.read_text(errors="replace"),
                   timeout=20, what="the redelivered message run", log=worker.log)
    finally:
        second.kill()
    assert_everything_done_once(session, worker, n)
    rows = OutboxMessage.objects.filter(task="decisions.issue_decision_letters")
    assert rows.count() == n and sorted(rows.values_list("attempts", flat=True)) == [1] * (n - 1) + [2]


@pytest.mark.parametrize("outage", ["stopped", "frozen"])
def test_redis_away_during_a_submission(worker, redis_server, client, outage):
    worker.start()
    with time_machine.travel(BEFORE_MOBILITY):
        actors = horizons_actors()
        app = horizons_draft(actors)
        client.force_login(actors["student"])
        redis_server.stop() if outage == "stopped" else redis_server.freeze()
        started = time.monotonic()
        response = client.post(reverse("applications:draft_step", args=[app.pk, 5]), {"certify": "on"})
        elapsed = time.monotonic() - started
        # At once, with success: the file is submitted and its proof of filing is owed.
        assert response.status_code == 302 and response["Location"] == reverse("applications:submitted", args=[app.pk])
        assert elapsed < 4, f"the submission took {elapsed:.1f} s with Redis {outage}"
        app.refresh_from_db()
        assert app.state == State.AWAITING_OPINION
        row = OutboxMessage.objects.get(args__0=app.pk, args__1="submitted")
        assert row.delivered_at is None
        assert client.get(response["Location"]).status_code == 200
    redis_server.start() if outage == "stopped" else redis_server.thaw()
    # Redis is back: the worker reconnects, beat's sweep delivers the e-mail (Art. 5).
    wait_until(lambda: any(app.reference in subject for _to, subject in worker.mails()), timeout=50,
               what="the confirmation e-mail once Redis is back", log=worker.log)
    assert [to for to, subject in worker.mails() if app.reference in subject] == [actors["student"].email]
    row.refresh_from_db()
    assert row.delivered_at is not None


# --- PostgreSQL restarted under load -------------------------------------------------------------
def postgres_binaries() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        require_binary("initdb")  # skips (or fails in CI) with the reason
        return os.path.dirname(subprocess.check_output(["which", "initdb"], text=True).strip())
    return os.path.dirname(found[-1])


def as_postgres(command: list[str], **kwargs):
    # initdb refuses to run as root: the cluster belongs to the postgres user when we are root.
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=60, **kwargs)


@pytest.fixture
def private_postgres():
    bin_dir = postgres_binaries()
    require_binary("runuser") if os.geteuid() == 0 else None
    # Not under pytest's tmp_path: the postgres user cannot enter root's private folder.
    base = Path(tempfile.mkdtemp(prefix="aid-faults-pg-"))
    os.chmod(base, 0o755)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    data, port = base / "data", free_port(5440, 5449)
    as_postgres([f"{bin_dir}/initdb", "-D", str(data), "-A", "trust", "-U", "postgres"])
    ctl = [f"{bin_dir}/pg_ctl", "-D", str(data), "-l", str(base / "log"), "-w", "-t", "30"]
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"

    class Cluster:
        url = f"postgres://postgres@127.0.0.1:{port}/aid_portal"

        def start(self):
            as_postgres([*ctl, "-o", options, "start"])

        def stop(self):
            as_postgres([*ctl, "-m", "fast", "stop"])

    cluster = Cluster()
    cluster.start()
    try:
        as_postgres([f"{bin_dir}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "aid_portal"])
        yield cluster
    finally:
        subprocess.run([*(["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []), *ctl, "-m", "immediate",
                        "stop"], capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def fetch(url: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": "sessionid=a-session-the-database-does-not-know"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError as error:
        return 0, str(error)


def test_postgresql_restarted_under_load(private_postgres, tmp_path):
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    require(gunicorn.exists() or bool(subprocess.run(["which", "gunicorn"], capture_output=True).returncode == 0),
            "gunicorn is not installed")
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "VIRTUAL_ENV")},
        "DATABASE_URL": private_postgres.url,
        # Production settings (DEBUG off: the error pages are the real ones), over plain HTTP,
        # static files without collectstatic (tests/faults/gunicorn_settings.py).
        "DJANGO_SETTINGS_MODULE": "tests.faults.gunicorn_settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "fault-test-only-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SESSION_COOKIE_SECURE": "false",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT,
                   env=env, check=True, timeout=60, capture_output=True)
    port = free_port(8110, 8119)
    log = tmp_path / "gunicorn.log"
    server = subprocess.Popen(
        [str(gunicorn) if gunicorn.exists() else "gunicorn", "aid_portal.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--timeout", "30"], cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    seen: list[tuple[float, str, int, str]] = []
    stop = threading.Event()

    def load():
        while not stop.is_set():
            # A visitor with a session cookie: the page reads the session, hence the database.
            for path in ("/comptes/login/", "/healthz"):
                status, body = fetch(base + path)
                seen.append((time.monotonic(), path, status, body))

    try:
        wait_until(lambda: fetch(base + "/healthz")[0] == 200, timeout=30, what="gunicorn up", log=log)
        threads = [threading.Thread(target=load) for _ in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(1)
        private_postgres.stop()
        down_from = time.monotonic()
        time.sleep(2)
        restart_at = time.monotonic()  # the server answers again at some point during start()
        private_postgres.start()
        wait_until(lambda: fetch(base + "/comptes/login/")[0] == 200 and fetch(base + "/healthz")[0] == 200, timeout=20,
                   what="recovery after the restart", log=log)
        recovered_at = time.monotonic()
        time.sleep(2)
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
    finally:
        stop.set()
        kill_group(server)
    statuses = {status for _t, _p, status, _b in seen}
    assert 500 not in statuses, "a database outage must never be a 500"
    during = [(p, s, b) for t, p, s, b in seen if down_from + 0.5 < t < restart_at]
    assert during and all(s == 503 for _p, s, _b in during), {(p, s) for p, s, _b in during}
    assert any(p == "/comptes/login/" and "Service momentanément indisponible" in b for p, _s, b in during)
    assert any(p == "/healthz" and '"database"' in b and '"fail"' in b for p, _s, b in during)
    after = [s for t, _p, s, _b in seen if t > recovered_at + 0.5]  # and stays recovered
    assert after and set(after) == {200}
