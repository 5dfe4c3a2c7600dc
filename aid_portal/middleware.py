"""Project middleware."""

import logging

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
