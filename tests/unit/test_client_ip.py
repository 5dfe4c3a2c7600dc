"""aid_portal.net.client_ip: the proxy header is believed only as far as the deployment says."""

import pytest
from django.test import RequestFactory

from core.net import client_ip

PROXY = "10.0.0.2"


def request(**meta):
    return RequestFactory().get("/", REMOTE_ADDR=PROXY, **meta)


def test_without_a_declared_header_only_the_connection_counts(settings):
    settings.CLIENT_IP_HEADER = ""
    assert client_ip(request(HTTP_X_FORWARDED_FOR="203.0.113.7")) == PROXY


@pytest.mark.parametrize(
    "forwarded, proxies, expected",
    [
        ("203.0.113.7", 1, "203.0.113.7"),
        # The client wrote the first entry itself; only what our proxy appended is believed.
        ("1.2.3.4, 203.0.113.7", 1, "203.0.113.7"),
        ("1.2.3.4, 203.0.113.7, 10.0.0.9", 2, "203.0.113.7"),
        (" 2001:db8::1 ", 1, "2001:db8::1"),
        # Not through the declared proxies, or not an address: the connection's address.
        ("", 1, PROXY),
        ("203.0.113.7", 2, PROXY),
        ("not-an-address", 1, PROXY),
    ],
)
def test_declared_header_gives_the_address_seen_by_the_last_trusted_proxy(settings, forwarded, proxies, expected):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request(HTTP_X_FORWARDED_FOR=forwarded)) == expected


def test_single_value_header(settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request(HTTP_X_REAL_IP="198.51.100.20", HTTP_X_FORWARDED_FOR="1.2.3.4")) == "198.51.100.20"
