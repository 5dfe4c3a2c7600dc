"""Amounts and dates the French way in pages, letters and e-mails; e-mails that name the
portal and link to the file."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.template import Context, Template
from django.urls import reverse

from applications.notifications import application_mail_send
from applications.states import State
from schemes.engine.money import euros
from tests.factories import ApplicationFactory, OfficerFactory

pytestmark = pytest.mark.django_db
NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.mark.parametrize(
    "value, shown",
    [
        (Decimal("1540"), f"1{NNBSP}540,00{NBSP}€"),
        ("672.00", f"672,00{NBSP}€"),
        (Decimal("1234567.891"), f"1{NNBSP}234{NNBSP}567,89{NBSP}€"),
        (Decimal("-1800"), f"-1{NNBSP}800,00{NBSP}€"),
        (0, f"0,00{NBSP}€"),
        (None, ""),
        ("abc", "abc"),
    ],
)
def test_one_formatter(value, shown):
    assert euros(value) == shown


def test_page_and_letter_filters_are_the_one_formatter():
    page = Template("{% load portal %}{{ a|euros }}").render(Context({"a": Decimal("1540")}))
    letter = Template("{% load letter_format %}{{ a|euros }}").render(Context({"a": "1540.00"}))
    assert page == letter == f"1{NNBSP}540,00{NBSP}€"


def test_officer_queue_shows_amounts_the_french_way(client):
    officer = OfficerFactory()
    app = ApplicationFactory(state=State.IN_INSTRUCTION, estimate_amount=Decimal("1540.00"))
    client.force_login(officer)
    html = client.get(reverse("applications:officer_queue"), {"state": ""}).content.decode()
    row = html[html.index(app.reference) :]
    row = row[: row.index("</tr>")]
    assert f"1{NNBSP}540,00{NBSP}€" in row
    assert "1540" not in row and "1 540,00 €" not in row


def test_letter_schedule_writes_amounts_and_dates_the_french_way():
    html = Template('{% include "letters/_schedule.html" %}').render(Context({
        "schedule": [
            {"label": "Avance", "amount": "1800.00", "due_on": "2026-04-12", "condition": "", "article": "Art. 9"},
            {"label": "Solde", "amount": "1200.00", "due_on": "2026-09-01", "condition": "", "article": "Art. 9"},
        ],
        "schedule_total": "3000.00",
    }))
    assert f"1{NNBSP}800,00{NBSP}€" in html and f"3{NNBSP}000,00{NBSP}€" in html
    assert "12/04/2026" in html
    assert "1800.00" not in html


def test_notification_names_the_portal_and_links_to_the_file(settings):
    settings.PORTAL_NAME = "Aides aux études d'Occitanie"
    settings.PORTAL_BASE_URL = "https://aides.example.org"
    app = ApplicationFactory(state=State.AWAITING_OPINION, reference="HZ-2026-000042")
    assert application_mail_send(application=app, kind="opinion_given") == 1
    body = mail.outbox[-1].body
    assert f"https://aides.example.org/demandes/{app.pk}/" in body
    assert "Aides aux études d'Occitanie" in body


def test_student_message_links_officers_to_their_file_page(settings):
    settings.PORTAL_BASE_URL = "https://aides.example.org"
    app = ApplicationFactory(state=State.IN_INSTRUCTION)
    OfficerFactory(authority=app.scheme.authority)
    assert application_mail_send(application=app, kind="student_message") == 1
    assert f"https://aides.example.org/instruction/{app.pk}/" in mail.outbox[-1].body


def test_account_e_mails_name_the_portal_not_the_host(client, settings):
    settings.PORTAL_NAME = "Aides aux études d'Occitanie"
    settings.PORTAL_BASE_URL = "https://aides.example.org"
    client.post(reverse("account_signup"), {
        "email": "nouvelle@example.org", "password1": "un-mot-de-passe-solide-42", "password2": "un-mot-de-passe-solide-42",
    })
    message = mail.outbox[-1]
    assert message.subject.startswith("[Aides aux études d'Occitanie] ")
    assert "Aides aux études d'Occitanie" in message.body
    assert "testserver" not in message.body.split("http://testserver/comptes/")[0]
    assert "aides.example.org" in message.body
