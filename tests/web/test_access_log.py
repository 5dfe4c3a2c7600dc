"""Refused accesses are answered 404/403 and logged with who asked for what."""

import logging

import pytest
from django.urls import reverse

from applications import services
from schemes.models import Scheme
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_probe_for_another_students_file_is_logged(client, caplog, settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    owner, other = UserFactory(), UserFactory()
    app = services.application_create(student=owner, scheme=Scheme.objects.get(code="aude"))
    client.force_login(other)
    with caplog.at_level(logging.WARNING, logger="aid_portal.security"):
        response = client.get(reverse("applications:student_application", args=[app.pk]),
                              REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert response.status_code == 404
    record = next(r for r in caplog.records if r.name == "aid_portal.security")
    assert f"user={other.pk}" in record.getMessage() and f"/demandes/{app.pk}/" in record.getMessage()
    assert other.email not in record.getMessage()
    assert "ip=203.0.113.7" in record.getMessage()  # the client behind the proxy, not the proxy


def test_allowed_access_is_not_logged(client, caplog):
    owner = UserFactory()
    app = services.application_create(student=owner, scheme=Scheme.objects.get(code="aude"))
    client.force_login(owner)
    with caplog.at_level(logging.WARNING, logger="aid_portal.security"):
        assert client.get(reverse("applications:student_application", args=[app.pk])).status_code == 200
    assert not [r for r in caplog.records if r.name == "aid_portal.security"]
