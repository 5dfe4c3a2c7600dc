"""Project middleware."""

import logging

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

from applications.documents import MAX_UPLOAD_BYTES
from core.net import client_ip

security_log = logging.getLogger("aid_portal.security")
outage_log = logging.getLogger("aid_portal.outage")


class AccessDeniedLogMiddleware:
    """Log every refused access (403) and every miss (404) with who asked for what.

    Files outside a user's scope answer 404 (their existence is not disclosed), so a 404 on a
    file URL is how a probe for someone else's file shows up; both are logged with the user's id
    (never their e-mail, so that the logs hold no more personal data than needed) and the
    client's address as aid_portal.net reads it behind the proxy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (403, 404):
            user = getattr(request, "user", None)
            security_log.warning(
                "access refused: status=%s method=%s path=%s user=%s ip=%s",
                response.status_code,
                request.method,
                request.path,
                user.pk if user is not None and user.is_authenticated else "anonymous",
                client_ip(request),
            )
        return response


class UploadTooLarge(StopUpload):
    def __init__(self, field: str):
        self.field = field
        # connection_reset: the parser stops reading the body here instead of draining the rest.
        super().__init__(connection_reset=True)


class CappedUploadHandler(FileUploadHandler):
    """First of the upload handlers: counts each file's bytes as they stream in and stops the
    parse as soon as one passes the cap, naming its field. The rest of the body is not read."""

    def __init__(self, request, *, limit: int):
        super().__init__(request)
        self.limit = limit

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.request.upload_too_large_field = self.field_name
            raise UploadTooLarge(self.field_name)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) builds the file


class UploadSizeLimitMiddleware:
    """A multipart body is refused with 413 and a French page before it is read when its
    Content-Length passes UPLOAD_MAX_REQUEST_BYTES, and as soon as one of its files passes
    MAX_UPLOAD_BYTES (applications.documents) while it streams in. Without this, Django stores the whole body (in
    memory or a temporary file) before any form sees the file's size."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("POST", "PUT", "PATCH") and request.content_type == "multipart/form-data":
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.UPLOAD_MAX_REQUEST_BYTES:
                return self.refuse(request, field="")
            request.upload_handlers.insert(0, CappedUploadHandler(request, limit=MAX_UPLOAD_BYTES))
            # Parsed now, with the cap, before CSRF or any view reads it. A malformed body raises
            # here as it would there, and Django answers 400 as before.
            request.FILES  # noqa: B018
            field = getattr(request, "upload_too_large_field", None)
            if field is not None:
                return self.refuse(request, field=field)
        return self.get_response(request)

    def refuse(self, request, *, field: str):
        security_log.warning("upload refused: too large, path=%s field=%s length=%s",
                             request.path, field or "-", request.META.get("CONTENT_LENGTH"))
        context = {
            "field": field,
            "file_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
            "request_mb": settings.UPLOAD_MAX_REQUEST_BYTES // (1024 * 1024),
        }
        return render(request, "errors/413.html", context, status=413)


# Browser features the portal never uses, refused to every page and whatever it embeds.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "autoplay", "browsing-topics", "camera", "display-capture", "geolocation", "gyroscope",
        "magnetometer", "microphone", "midi", "payment", "publickey-credentials-get", "usb", "xr-spatial-tracking",
    )
)


class PrivacyHeadersMiddleware:
    """Permissions-Policy on every response, and no copy of personal data left in any cache.

    Every page seen signed in shows someone's file, payments or letters, and every download
    (SEPA files, listings, exports, documents, letters) is personal data: those responses carry
    `Cache-Control: no-store` (with Django's never-cache headers), so that neither the browser's
    cache on a shared computer nor a proxy keeps a copy. What stays cacheable: static files
    (served by WhiteNoise before this middleware) and the public pages seen signed out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        private = signed_in or response.has_header("Content-Disposition") or response.streaming
        if private and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
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
