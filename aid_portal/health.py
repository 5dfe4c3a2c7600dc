"""/healthz: is this instance able to serve? The database, Redis, and the outbox's backlog.

200 with each check when all pass, 503 naming what failed. It reads no personal data (a count
and an age), needs no sign-in, and is answered by a middleware placed first: before the host
check, the HTTPS redirect, sessions and any rate limit, so that a container's health check can
call it over plain HTTP on localhost (docker-compose.yml).
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone

from applications.selectors import outbox_backlog

logger = logging.getLogger("aid_portal.health")

PATHS = ("/healthz", "/healthz/")


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True}


def _redis() -> dict:
    if not settings.REDIS_URL:
        return {"ok": True, "detail": "not configured: tasks run in-process"}
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
                                  socket_timeout=settings.REDIS_SOCKET_TIMEOUT)
    try:
        client.ping()
    finally:
        client.close()
    return {"ok": True}


def _outbox() -> dict:
    pending, oldest = outbox_backlog()
    age = int((timezone.now() - oldest).total_seconds()) if oldest else 0
    limit = settings.OUTBOX_BACKLOG_MAX_AGE_SECONDS
    check = {"ok": age <= limit, "pending": pending, "oldest_age_seconds": age, "max_age_seconds": limit}
    if not check["ok"]:
        check["detail"] = "undelivered letters or e-mails older than the limit: is a worker and beat running?"
    return check


CHECKS = {"database": _database, "redis": _redis, "outbox": _outbox}


def health_report() -> tuple[bool, dict]:
    checks = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            result = check()
        except Exception as exc:  # a check that raises has failed; say which, not the traceback
            logger.warning("health check %s failed", name, exc_info=True)
            result = {"ok": False, "detail": type(exc).__name__}
            if isinstance(exc, DatabaseError):
                connection.close()  # a broken connection is not reused by the next request
        result["ms"] = round(1000 * (time.monotonic() - started))
        checks[name] = result
    failed = [name for name, result in checks.items() if not result["ok"]]
    return not failed, {"status": "fail" if failed else "ok", "failed": failed, "checks": checks}


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path not in PATHS or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        healthy, report = health_report()
        response = JsonResponse(report, status=200 if healthy else 503)
        response["Cache-Control"] = "no-store"
        return response
