"""The portal's identity for every page: its name, who operates it, its logo and contacts.

Read from the settings (themselves from the environment), never from the database, so that an
error page rendered without a request or a database (500.html) still names the portal."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.templatetags.static import static


@dataclass(frozen=True)
class PortalIdentity:
    name: str
    operator: str
    operator_address: str
    publication_director: str
    host: str
    base_url: str
    contact_email: str
    dpo_email: str
    logo_url: str


def portal_identity() -> PortalIdentity:
    logo = settings.PORTAL_LOGO
    if logo and not logo.startswith(("http://", "https://", "/")):
        logo = static(logo)
    return PortalIdentity(
        name=settings.PORTAL_NAME,
        operator=settings.PORTAL_OPERATOR,
        operator_address=settings.PORTAL_OPERATOR_ADDRESS,
        publication_director=settings.PORTAL_PUBLICATION_DIRECTOR,
        host=settings.PORTAL_HOST,
        base_url=settings.PORTAL_BASE_URL,
        contact_email=settings.PORTAL_CONTACT_EMAIL,
        dpo_email=settings.PORTAL_DPO_EMAIL,
        logo_url=logo,
    )


def portal(request) -> dict:
    return {"portal": portal_identity()}
