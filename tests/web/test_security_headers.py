"""Security headers: Content-Security-Policy without inline script, Permissions-Policy, and no
cached copy of any page or file holding personal data."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import FileResponse
from django.test import RequestFactory
from django.urls import reverse

from aid_portal.middleware import PrivacyHeadersMiddleware
from tests.flows import decided_file, officer
from tests.web.test_payment_runs import create_run

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Letters and listings are rendered to PDF by WeasyPrint, never served as HTML pages.
PDF_ONLY = ("letters/", "payments/runs/listing_pdf")  # listing_pdf.html and listing_pdf_pages.html


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def test_content_security_policy_allows_no_inline_script(client):
    csp = directives(client.get(reverse("schemes:simulator")))
    assert csp["script-src"] == ["'self'"] and csp["default-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in value for name, values in csp.items() if name != "style-src-attr" for value in values)


def test_no_template_has_an_inline_script_or_event_handler():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        name = path.relative_to(TEMPLATES).as_posix()
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+\s*=", text, re.IGNORECASE):
            offenders.append(name)
        elif "<style" in text and not name.startswith(PDF_ONLY):
            offenders.append(name)
    assert offenders == []


def test_permissions_policy_on_every_page(client):
    for response in (client.get(reverse("schemes:simulator")), client.get(reverse("account_login"))):
        policy = response["Permissions-Policy"]
        assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy


def test_signed_in_pages_and_files_are_never_stored(client):
    region = officer("horizons")
    run = create_run(client, region, decided_file("horizons", region))
    for name in ("payments:payable", "payments:run_detail", "payments:run_sepa_xml", "payments:run_listing_pdf",
                 "payments:run_listing_csv"):
        response = client.get(reverse(name, args=[run.pk] if name != "payments:payable" else []))
        assert response.status_code == 200, name
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], name


def test_public_pages_and_static_files_stay_cacheable(client, settings):
    settings.WHITENOISE_USE_FINDERS = settings.WHITENOISE_AUTOREFRESH = True  # no collectstatic in tests
    assert "no-store" not in client.get(reverse("schemes:simulator")).get("Cache-Control", "")
    static = client.get("/static/css/portal.css")
    assert static.status_code == 200 and "no-store" not in static.get("Cache-Control", "")


def test_a_file_download_is_never_stored_even_signed_out(tmp_path):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    attachment = tmp_path / "releve.csv"
    attachment.write_text("a;b\n")
    middleware = PrivacyHeadersMiddleware(lambda r: FileResponse(attachment.open("rb"), as_attachment=True))
    response = middleware(request)
    response.close()
    assert "no-store" in response["Cache-Control"]
