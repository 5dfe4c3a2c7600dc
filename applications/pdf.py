"""Letters as HTML, and HTML as PDF (STYLE 10).

`render_<kind>_html(context)` renders `templates/letters/<kind>.html` from a context of pure JSON
data (what decisions.letters stores in `Letter.context`); `html_to_pdf(html)` prints it with
WeasyPrint. Both are deterministic: the templates read no clock (the letter's date is in the
context), WeasyPrint is given no base URL (nothing is fetched) and the fonts are the system's,
so the same context gives the same PDF byte for byte. That is what lets a stored letter be
proved authentic years later: render its stored context again and compare the SHA-256.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

TEMPLATES = {
    "award": "letters/award.html",
    "rejection": "letters/rejection.html",
    "agreement": "letters/agreement.html",
    "commitment": "letters/commitment.html",
    "appeal_upheld": "letters/appeal_upheld.html",
    "appeal_reopened": "letters/appeal_reopened.html",
    "amendment": "letters/amendment.html",
    "change_refused": "letters/change_refused.html",
    "receipt": "letters/receipt.html",
}


def render_letter_html(template_name: str, context: dict[str, Any]) -> str:
    # Letters are French whatever the language of the request or worker that issues them.
    with translation.override("fr"):
        return render_to_string(template_name, context)


def html_to_pdf(html: str) -> bytes:
    """Print `html` to PDF. No base URL: a letter embeds everything it shows (its CSS is inline)
    and must never fetch anything while printing."""
    from weasyprint import HTML  # imported here: loading Pango costs ~0.3 s at start-up

    return HTML(string=html, base_url=None).write_pdf()


def render_award_html(context: dict[str, Any]) -> str:
    return render_letter_html(TEMPLATES["award"], context)


def render_rejection_html(context: dict[str, Any]) -> str:
    return render_letter_html(TEMPLATES["rejection"], context)


def render_agreement_html(context: dict[str, Any]) -> str:
    return render_letter_html(TEMPLATES["agreement"], context)


def render_commitment_html(context: dict[str, Any]) -> str:
    return render_letter_html(TEMPLATES["commitment"], context)


def render_appeal_upheld_html(context: dict[str, Any]) -> str:
    return render_letter_html(TEMPLATES["appeal_upheld"], context)


def render_appeal_reopened_html(context: dict[str, Any]) -> str:
    return render_letter_html(TEMPLATES["appeal_reopened"], context)


def render_amendment_html(context: dict[str, Any]) -> str:
    return render_letter_html(TEMPLATES["amendment"], context)


def render_change_refused_html(context: dict[str, Any]) -> str:
    return render_letter_html(TEMPLATES["change_refused"], context)


def render_receipt_html(context: dict[str, Any]) -> str:
    """The acknowledgement of receipt (applications/receipts.py), from its stored context."""
    return render_letter_html(TEMPLATES["receipt"], context)


RENDERERS = {
    "award": render_award_html,
    "rejection": render_rejection_html,
    "agreement": render_agreement_html,
    "commitment": render_commitment_html,
    "appeal_upheld": render_appeal_upheld_html,
    "appeal_reopened": render_appeal_reopened_html,
    "amendment": render_amendment_html,
    "change_refused": render_change_refused_html,
}
