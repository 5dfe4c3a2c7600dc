"""The payment run's listing for the treasury (STYLE 10): `render_run_listing_html(context)` renders
`templates/payments/runs/listing_pdf.html` from selectors.run_listing(); `html_to_pdf` (shared
with the letters, applications.pdf) prints it with WeasyPrint, fetching nothing."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from applications.pdf import html_to_pdf

__all__ = ["html_to_pdf", "render_run_listing_html"]


def render_run_listing_html(context: dict[str, Any]) -> str:
    # The listing goes to the (French) treasury whatever the officer's interface language.
    with translation.override("fr"):
        return render_to_string("payments/runs/listing_pdf.html", context)
