"""The electronic acknowledgement of receipt of a submitted file (art. L112-11 and R112-11-1 of
the code des relations entre le public et l'administration).

It gives the date of receipt, the service handling the file with its postal and e-mail addresses
and telephone, and the consequences of the administration's silence. Its content is fixed at
submission and stored in the `submit` event's payload (hash-chained, never updated): the PDF
downloaded later says what was acknowledged then, whatever the authority's contacts become.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from . import deadlines
from .models import Application

# Art. L231-4 3° CRPA: for a request of a financial nature, two months' silence is a rejection.
SILENCE_MONTHS = 2


def receipt_context(*, application: Application) -> dict[str, Any]:
    """What the acknowledgement says, as JSON data. Call at submission (submitted_at is set)."""
    scheme, authority = application.scheme, application.scheme.authority
    received = timezone.localtime(application.submitted_at)
    return {
        "reference": application.reference or "",
        "received_at": received.isoformat(timespec="minutes"),
        "received_on": received.date().isoformat(),
        "scheme": {"code": scheme.code, "name": scheme.name, "regulation": scheme.regulation},
        "authority": {
            "name": authority.name, "service": authority.service or authority.name,
            "address_lines": [line.strip() for line in authority.postal_address.splitlines() if line.strip()],
            "email": authority.email, "phone": authority.phone,
        },
        "student": {"name": application.applicant_name, "email": application.student.email or ""},
        "silence_months": SILENCE_MONTHS,
        # Horizons Art. 5: an item still missing two months after the request gets the file rejected.
        "incomplete_rule": deadlines.rejects_incomplete(scheme.code),
        "opinion_first": scheme.requires_establishment_opinion,
    }


def receipt_of(*, application: Application) -> dict[str, Any] | None:
    """The acknowledgement stored at submission, or None (a draft, or a file sent before it was
    stored: the pages then offer none rather than one rebuilt with today's contacts)."""
    event = application.events.filter(kind="submit").order_by("seq").first()
    return (event.payload or {}).get("receipt") if event else None
