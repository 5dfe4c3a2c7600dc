"""Real services for the fault tests: a Redis and a Celery worker (with beat) of the test's own,
on their own port, and, for the restart test, a PostgreSQL cluster of its own. Every process is
started here and killed by its id (its process group: a worker with its embedded beat).

Missing binaries skip these tests on a developer's machine, with the reason; in CI (CI=true)
they fail, so that a broken CI image cannot pass on skipped fault tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def require(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI: {reason}", pytrace=False)
    pytest.skip(reason)


def require_binary(name: str) -> str:
    path = shutil.which(name)
    require(path is not None, f"{name} is not installed (apt-get install {name.split('-')[0]})")
    return path


def require_postgresql() -> None:
    require(settings.DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"),
            "needs DATABASE_URL on PostgreSQL: the worker process must see the test's committed data")


def free_port(first: int, last: int) -> int:
    for port in range(first, last + 1):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{last}")


def wait_until(predicate, *, timeout: float, what: str, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    pytest.fail(f"not within {timeout} s: {what}\n{tail}", pytrace=False)


def kill_group(process: subprocess.Popen, sig=signal.SIGKILL) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
    process.wait(timeout=20)


class RedisServer:
    def __init__(self, binary: str, port: int, log: Path):
        self.binary, self.port, self.log, self.process = binary, port, log, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"],
            stdout=self.log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        wait_until(self.answers, timeout=10, what=f"redis-server on {self.port}", log=self.log)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            kill_group(self.process)
            self.process = None

    def freeze(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(require_binary("redis-server"), free_port(6390, 6399), tmp_path / "redis.log")
    server.start()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.thaw()
    server.stop()


def test_database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """`python tests/faults/worker.py`: the production worker and beat, on the test's Redis and
    test database, with short delays (lease, stall, sweep) so that recovery fits in seconds."""

    def __init__(self, redis: RedisServer, tmp: Path, name: str = "worker"):
        # Workers of one test share the mail folder and MEDIA_ROOT (the file store), as
        # production workers share the mail server and the object storage; each has its own log.
        self.redis, self.tmp, self.process = redis, tmp, None
        self.mail_dir = tmp / "mail"
        self.mail_dir.mkdir(exist_ok=True)
        self.log = tmp / f"{name}.log"

    def start(self, **hooks: str) -> None:
        env = {
            **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "VIRTUAL_ENV")},
            "DJANGO_SETTINGS_MODULE": "aid_portal.settings",
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": self.redis.url,
            "EMAIL_URL": f"filemail:///{self.mail_dir}",
            "MEDIA_ROOT": str(self.tmp / "media"),
            "OUTBOX_LEASE_SECONDS": "3",
            "OUTBOX_SWEEP_SECONDS": "1",
            "OUTBOX_SWEEP_GRACE_SECONDS": "1",
            "CLOSING_STALLED_AFTER_SECONDS": "4",
            "FAULT_BEAT_SCHEDULE": str(self.tmp / "beat-schedule"),
            # The suite's own signing certificate (tests/conftest.py): a fresh clone has no
            # .signing/, and a worker that cannot sign would leave every letter in the outbox.
            "LETTER_SIGNING_CERT": settings.LETTER_SIGNING_CERT,
            "LETTER_SIGNING_KEY": settings.LETTER_SIGNING_KEY,
            **hooks,
        }
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "faults" / "worker.py")], cwd=ROOT, env=env,
            stdout=self.log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        wait_until(lambda: "ready." in self.log.read_text(errors="replace") or self.process.poll() is not None,
                   timeout=30, what="the Celery worker to be ready", log=self.log)
        assert self.process.poll() is None, self.log.read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        """kill -9, the worker and its embedded beat: nothing is acknowledged, nothing cleaned."""
        if self.process is not None:
            kill_group(self.process)
            self.process = None
            self.log.write_text(self.log.read_text(errors="replace").replace("ready.", "ready (killed)."))

    def mails(self) -> list:
        import email
        from email.header import decode_header, make_header

        found = []
        for path in sorted(self.mail_dir.glob("*.log")):
            # The file-based backend writes every message of a connection to one file.
            for raw in path.read_bytes().split(b"-" * 79):
                if raw.strip():
                    message = email.message_from_bytes(raw.strip())
                    found.append((message["To"], str(make_header(decode_header(message["Subject"])))))
        return found


@pytest.fixture
def celery_on(redis_server):
    """This process publishes to the test's own Redis, as the web process does in production."""
    from aid_portal.celery import app
    from applications.services import outbox

    saved = app.conf.task_always_eager, app.conf.broker_url, app.conf.result_backend
    app.conf.task_always_eager, app.conf.broker_url = False, redis_server.url
    outbox._publish_paused_until = 0.0
    yield app
    app.conf.task_always_eager, app.conf.broker_url, app.conf.result_backend = saved
    outbox._publish_paused_until = 0.0


@pytest.fixture(scope="module", autouse=True)
def _ready_for_serialized_rollback(django_db_setup, django_db_blocker):
    """The fault tests are transactional (the worker must see what they commit) and restore the
    migrated contents (schemes, authorities, parameters) with `serialized_rollback`. After an
    earlier transactional test without it, the flush left the tables empty but re-created the
    content types and permissions (post_migrate), which the snapshot holds too, with their
    original ids: they go first, or the restore fails on them. Module scope: this runs before
    the function-scoped database fixtures."""
    with django_db_blocker.unblock():
        from django.contrib.auth.models import Permission
        from django.contrib.contenttypes.models import ContentType

        from schemes.models import Scheme

        if not Scheme.objects.exists():
            Permission.objects.all().delete()
            ContentType.objects.all().delete()
            ContentType.objects.clear_cache()


@pytest.fixture
def worker(transactional_db, redis_server, celery_on, tmp_path):
    # After transactional_db: torn down before it, so no worker holds the test database open
    # while it is flushed.
    require_postgresql()
    process = Worker(redis_server, tmp_path)
    yield process
    process.kill()
