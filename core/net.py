"""Who is asking: the client's address, as the deployment's proxies report it."""

import ipaddress
import logging

from django.conf import settings

log = logging.getLogger("aid_portal.net")


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip().strip("[]")))
    except ValueError:
        return None


def client_ip(request) -> str:
    """The address of the client that sent `request`.

    Behind a TLS proxy every request comes from the proxy's address (REMOTE_ADDR), so rate
    limits keyed on it would lump every user together. The deployment declares the header its
    proxies fill in (settings.CLIENT_IP_HEADER, a request.META name such as
    HTTP_X_FORWARDED_FOR) and how many proxies it trusts (settings.TRUSTED_PROXY_COUNT). Each
    proxy appends the address it saw, so the client is the TRUSTED_PROXY_COUNT-th entry from the
    right; whatever stands further left was written by the client and is not believed. With no
    header declared, the header is never read: a client could write anything in it.
    """
    remote = _address(request.META.get("REMOTE_ADDR", "")) or "0.0.0.0"
    header = settings.CLIENT_IP_HEADER
    if not header:
        return remote
    hops = [hop for hop in request.META.get(header, "").split(",") if hop.strip()]
    if len(hops) < settings.TRUSTED_PROXY_COUNT:
        # Not through the declared proxies (a health check from inside, or a misconfiguration).
        log.warning("client address: %s has %d entries, %d trusted proxies declared; using REMOTE_ADDR",
                    header, len(hops), settings.TRUSTED_PROXY_COUNT)
        return remote
    return _address(hops[-settings.TRUSTED_PROXY_COUNT]) or remote
