"""Project middleware."""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

security_log = logging.getLogger("aid_portal.security")
outage_log = logging.getLogger("aid_portal.outage")


class AccessDeniedLogMiddleware:
    """Log every refused access (403) and every miss (404) with who asked for what.

    Files outside a user's scope answer 404 (their existence is not disclosed), so a 404 on a
    file URL is how a probe for someone else's file shows up; both are logged with the user's id
    (never their e-mail) so that the logs hold no more personal data than needed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (403, 404):
            user = getattr(request, "user", None)
            security_log.warning(
                "access refused: status=%s method=%s path=%s user=%s",
                response.status_code,
                request.method,
                request.path,
                user.pk if user is not None and user.is_authenticated else "anonymous",
            )
        return response


def database_unavailable_response() -> HttpResponse:
    """The 503 page: rendered without the request (no user, no session), since the database
    they live in is the thing that is away."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = "60"
    return response


class DatabaseUnavailableMiddleware:
    """A database that cannot be reached (PostgreSQL restarting, a connection cut) is an
    outage, not a bug: the visitor gets a 503 page that says to retry, the log one line.
    Errors of the queries themselves (a constraint, bad SQL) are not caught: they are bugs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_unavailable(exception):
            outage_log.error("database unavailable: %s %s: %s", request.method, request.path, exception)
            return database_unavailable_response()
        return None


def is_database_unavailable(exception: BaseException) -> bool:
    # Django's OperationalError/InterfaceError wrap psycopg2's: lost or refused connections.
    return isinstance(exception, OperationalError | InterfaceError)


def server_error(request, *args, **kwargs):
    """handler500: a database outage met outside a view (a middleware reading the session)
    still answers 503; any other error the usual 500 page."""
    if is_database_unavailable(sys.exc_info()[1]):
        return database_unavailable_response()
    return defaults.server_error(request, *args, **kwargs)
