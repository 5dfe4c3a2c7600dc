"""Project middleware."""

import logging

from django.utils.cache import add_never_cache_headers

from .net import client_ip

security_log = logging.getLogger("aid_portal.security")


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
