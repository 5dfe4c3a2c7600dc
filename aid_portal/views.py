"""The portal's own pages: legal notice, accessibility statement, personal data notice, contact,
and the error pages (in the portal's layout, in the user's language)."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from django.conf import settings
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import requires_csrf_token

from schemes.models import Scheme

from .context_processors import portal_identity
from .middleware import database_unavailable_response, is_database_unavailable

# RGAA 4.1: "partiellement conforme" while no complete audit exists (the automated axe checks
# cover part of the criteria only); "totalement conforme" needs an audit of every criterion.
ACCESSIBILITY_STATUS = _("partiellement conforme")


def legal_notice(request):
    return render(request, "legal/legal_notice.html")


# The summary of the browser tests' axe audits (tests/e2e/conftest.py, `make accessibility-audit`).
ACCESSIBILITY_AUDIT = Path(__file__).resolve().parent / "accessibility_audit.json"


def accessibility_audit() -> dict | None:
    """The last automated audit as the statement shows it, or None when none was recorded."""
    try:
        audit = json.loads(ACCESSIBILITY_AUDIT.read_text())
    except (OSError, ValueError):
        return None
    return {
        "date": date.fromisoformat(audit["date"]),
        "engine": audit["engine"],
        "widths": audit["widths"],
        "page_count": len(audit["pages"]),
        "paths": sorted({page["path"] for page in audit["pages"].values()}),
        "violations": audit["violations"],
    }


def accessibility(request):
    return render(request, "legal/accessibility.html",
                  {"status": ACCESSIBILITY_STATUS, "audit": accessibility_audit()})


def personal_data(request):
    """The information notice on personal data (GDPR Art. 13): public, linked from the footer and
    from every form that collects personal data (sign-up, sign-in, the application's steps, the
    simulator); it states the retention rules aid_portal.archive applies."""
    schemes = Scheme.objects.select_related("authority").order_by("code")
    return render(request, "legal/personal_data.html", {
        "schemes": schemes,
        "never_paid_months": settings.RETENTION_NEVER_PAID_MONTHS,
        "never_paid_from": date.fromisoformat(settings.RETENTION_NEVER_PAID_FROM),
    })


def contact(request):
    schemes = Scheme.objects.select_related("authority").order_by("code")
    return render(request, "legal/contact.html", {"schemes": schemes})


# --- Error pages (aid_portal.urls: handler400, handler403, handler404, handler500) ------------
def _error(template_name: str, status: int):
    @requires_csrf_token
    def view(request, exception=None):
        # A refusal's message is the reason written for the user (applications.rules); other
        # exceptions (a 404's resolver details, a bad request's) are for the logs only.
        reason = str(exception or "") if status == 403 else ""
        return render(request, template_name, {"reason": reason}, status=status)

    view.__name__ = f"error_{status}"
    return view


bad_request = _error("400.html", 400)
permission_denied = _error("403.html", 403)
page_not_found = _error("404.html", 404)
too_many_requests = _error("429.html", 429)


def server_error(request):
    """handler500. A database outage met outside a view (a middleware reading the session)
    still answers 503 (aid_portal.middleware); any other error, the portal's 500 page."""
    if is_database_unavailable(sys.exc_info()[1]):
        return database_unavailable_response()
    # Neither the request's context processors nor the database: whatever failed may be them.
    # The portal's identity comes from the settings alone.
    html = loader.get_template("500.html").render({"portal": portal_identity()})
    return HttpResponseServerError(html)


urlpatterns = [
    path("mentions-legales/", legal_notice, name="legal_notice"),
    path("accessibilite/", accessibility, name="accessibility"),
    path("donnees-personnelles/", personal_data, name="personal_data"),
    path("contact/", contact, name="contact"),
]
