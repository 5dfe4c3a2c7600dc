"""Art. 10-12 through the pages, dates frozen: from the file's account page the officer declares
the aid lost (confirmation asked), opens a control and concludes it; the student sends the
documents; a partial waiver on the order page. Refusals leave everything as it was."""

import html
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from payments import services as pay
from payments.models import Account, Control, RepaymentOrder
from tests.flows import PDF, decided_file, officer

pytestmark = pytest.mark.django_db


def at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=ZoneInfo("Europe/Paris")), tick=False)


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def region():
    return officer("horizons")


@pytest.fixture
def paid(region):
    app = decided_file("horizons", region)
    ids = list(app.instalments.values_list("pk", flat=True))
    run = pay.payment_run_create(authority=app.scheme.authority, instalment_ids=ids, by=region,
                                 execution_date=date(2025, 7, 10), today=date(2025, 7, 10))
    pay.payment_run_confirm(run=run, by=region, today=date(2025, 7, 10))
    return app


def test_officer_declares_the_aid_lost_with_a_confirmation(client, paid, region):
    client.force_login(region)
    ledger = client.get(reverse("payments:officer_ledger", args=[paid.pk]))
    url = reverse("payments:aid_lost", args=[paid.pk])
    assert url in text(ledger) and reverse("payments:control_open", args=[paid.pk]) in text(ledger)
    with at(date(2025, 11, 3)):
        page = client.post(url, {"reason": "Stage interrompu, non signalé"})
        assert page.status_code == 200 and "Cochez cette case" in text(page)
        assert not paid.repayment_orders.exists() and paid.instalments.filter(status="planned").exists()
        response = client.post(url, {"reason": "Stage interrompu le 15/09, non signalé.", "confirm": "on"})
    order = RepaymentOrder.objects.get(application=paid)
    assert response.status_code == 302 and response.url == reverse("payments:order_detail", args=[order.pk])
    assert (order.reason, order.amount, order.created_on) == ("lost", Decimal("672.00"), date(2025, 11, 3))
    # Another authority's officer does not see the page, and changes nothing.
    client.force_login(officer("aude"))
    assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 404
    assert paid.repayment_orders.count() == 1


def test_partial_waiver_on_the_order_page(client, paid, region):
    order = pay.aid_lost_declare(application=paid, by=region, reason="Non signalé", today=date(2025, 11, 3))
    client.force_login(region)
    url = reverse("payments:order_detail", args=[order.pk])
    with at(date(2025, 12, 1)):
        page = client.post(url, {"action": "decide", "decide-outcome": "partial", "decide-note": "Maladie",
                                 "decide-confirm": "on"})
        assert page.status_code == 200 and "Indiquez le montant de la remise" in text(page)
        page = client.post(url, {"action": "decide", "decide-outcome": "partial", "decide-amount": "700",
                                 "decide-note": "Maladie", "decide-confirm": "on"})
        assert page.status_code == 200 and "comprise entre 0,01\u00a0€ et 672,00\u00a0€" in text(page)
        assert Account.objects.get(application=paid).waived == 0
        response = client.post(url, {"action": "decide", "decide-outcome": "partial", "decide-amount": "172.00",
                                     "decide-note": "Maladie : remise à due proportion.", "decide-confirm": "on"},
                               follow=True)
    assert "500,00\u00a0€ sont exigés" in text(response)
    order.refresh_from_db()
    assert order.status == "standing" and Account.objects.get(application=paid).waived == Decimal("172.00")


def test_control_opened_documents_sent_and_concluded(client, region):
    app = decided_file("horizons", region)
    client.force_login(region)
    url = reverse("payments:control_open", args=[app.pk])
    with at(date(2025, 7, 4)):
        assert client.get(url).status_code == 200
        data = {"reason": "Contrôle sur pièces", "requested_items": "Attestation d'inscription",
                "documents_due": "2025-08-04"}
        page = client.post(url, data)
        assert page.status_code == 200 and "Cochez cette case" in text(page) and not app.controls.exists()
        response = client.post(url, {**data, "confirm": "on"})
    control = Control.objects.get(application=app)
    assert response.url == reverse("payments:control_detail", args=[control.pk])
    with at(date(2025, 7, 10)):
        payable = client.get(reverse("payments:payable"))
        assert app.reference not in text(payable)
        assert "les versements de ce dossier sont suspendus" in text(client.get(reverse("payments:officer_ledger", args=[app.pk])))
    client.force_login(app.student)
    student_url = reverse("payments:student_control", args=[app.pk])
    with at(date(2025, 7, 15)):
        page = client.get(student_url)
        assert "Attestation d'inscription" in text(page) and "04/08/2025" in text(page)
        client.post(student_url, {"document": SimpleUploadedFile("inscription.pdf", PDF)})
    assert app.events.filter(kind="control_document_sent").count() == 1
    client.force_login(region)
    detail = reverse("payments:control_detail", args=[control.pk])
    with at(date(2025, 7, 20)):
        assert "inscription.pdf" in text(client.get(detail))
        response = client.post(detail, {"outcome": "compliant", "conclusion": "Inscription vérifiée", "confirm": "on"})
        assert response.status_code == 302
        assert app.reference in text(client.get(reverse("payments:payable")))
    control.refresh_from_db()
    assert control.status == "compliant" and control.closed_on == date(2025, 7, 20)
