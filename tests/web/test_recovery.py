"""The balance and recovery screens through the test client: the student's balance request (Art. 9)
and answer to a formal notice (Art. 11), the officers' repayment orders and the Haute-Garonne
breach. Others get a 404; bad input gets the form back with its errors, never a 500. Dates are
frozen: the views read timezone.localdate()."""

import html
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from decisions.models import Letter
from payments import services as pay
from payments.models import Account, BalanceRequest, LedgerEntry, RepaymentOrder
from payments.notices import formal_notice_issue
from tests.flows import PDF, balance_settled, decided_file, officer, user

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=PARIS), tick=False)


def _pay(app, agent, ids, day):
    run = pay.payment_run_create(authority=app.scheme.authority, instalment_ids=ids, by=agent, execution_date=day,
                                 today=day)
    pay.payment_run_confirm(run=run, by=agent, today=day)


@pytest.fixture
def region():
    return officer("horizons")


@pytest.fixture
def paid(region):
    """A Horizons grant of 1120.00 decided on 3 July 2025, its advance of 672.00 paid."""
    app = decided_file("horizons", region)
    _pay(app, region, list(app.instalments.values_list("pk", flat=True)), date(2025, 7, 10))
    return app


@pytest.fixture
def order(paid, region):
    """A stay cut to 8.5 weeks: the whole advance is claimed, and its notice issued."""
    balance_settled(paid, region, actual_end=date(2025, 10, 31),
                               today=date(2026, 1, 10))
    order = RepaymentOrder.objects.get(application=paid)
    with at(date(2026, 1, 12)):
        formal_notice_issue(order_id=order.pk)
    order.refresh_from_db()
    return order


def text(response) -> str:
    return html.unescape(response.content.decode())


def pdf(name="p.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


# --- Student: balance ------------------------------------------------------------------------------
def test_balance_preview_then_request(client, paid):
    client.force_login(paid.student)
    url = reverse("payments:balance_request", args=[paid.pk])
    with at(date(2026, 1, 10)):
        page = client.get(url)
        assert page.status_code == 200 and "31/12/2026" in text(page)  # Art. 9 deadline
        page = client.get(url, {"actual_end_date": "2025-11-28"})
        body = text(page)
        assert page.status_code == 200 and not BalanceRequest.objects.exists()
        preview = page.context["preview"]
        assert (preview.final_amount, preview.advance, preview.balance, preview.repayment) == (
            Decimal("910.00"), Decimal("672.00"), Decimal("238.00"), Decimal("0.00"))
        assert "910,00\u00a0€" in body and "672,00\u00a0€" in body and "238,00\u00a0€" in body
        # Without the confirmation nothing is written.
        page = client.post(url, {"actual_end_date": "2025-11-28", "stay_certificate": pdf(),
                                 "scholarship_notice": pdf()})
        assert page.status_code == 200 and "Cochez cette case" in text(page)
        assert not BalanceRequest.objects.exists()
        response = client.post(url, {"actual_end_date": "2025-11-28", "stay_certificate": pdf("attestation.pdf"),
                                     "scholarship_notice": pdf(), "confirm": "on"}, follow=True)
    assert response.redirect_chain[-1][0] == url
    request = BalanceRequest.objects.get(application=paid)
    # Art. 9: nothing is computed nor payable on the student's declaration alone.
    assert request.status == "pending" and (request.final_amount, request.balance) == (None, None)
    balance = paid.instalments.get(kind="balance")
    assert balance.awaiting_proof and not pay.instalments_payable(date(2026, 1, 10)).filter(pk=balance.pk).exists()
    body = text(response)
    assert "Votre demande de solde est enregistrée" in body and "en cours de vérification" in body
    proofs = paid.documents.filter(pk__in=request.documents)
    assert sorted(d.original_name for d in proofs) == ["attestation.pdf", "p.pdf"]
    # The scholarship notice the decision was taken on stays in force.
    assert paid.documents.get(kind="scholarship_notice", superseded=False)


def test_officer_checks_the_proofs_then_the_balance_is_planned(client, paid, region):
    with at(date(2026, 1, 10)):
        request = pay.balance_request_submit(
            application=paid, by=paid.student, actual_end_date=date(2025, 11, 28), today=date(2026, 1, 10),
            proofs=[("stay_certificate", pdf("attestation.pdf")), ("scholarship_notice", pdf("bourse.pdf"))])
        client.force_login(region)
        ledger = client.get(reverse("payments:officer_ledger", args=[paid.pk]))
        assert "Demandes de solde (art. 9)" in text(ledger)
        url = reverse("payments:balance_review", args=[request.pk])
        page = client.get(url)
        assert page.status_code == 200 and "attestation.pdf" in text(page)
        assert "attestation définitive d'attribution de bourse" in text(page).lower()
        # A refusal must say why; without the confirmation nothing is recorded.
        page = client.post(url, {"decision": "reject", "confirm": "on"})
        assert page.status_code == 200 and "Motivez le refus" in text(page)
        page = client.post(url, {"decision": "validate", "checked_start_date": "2025-09-01", "checked_end_date": "2025-11-28"})
        assert page.status_code == 200 and "Cochez cette case" in text(page)
        request.refresh_from_db()
        assert request.status == "pending"
        response = client.post(url, {"decision": "validate", "checked_start_date": "2025-09-01",
                                     "checked_end_date": "2025-11-28", "confirm": "on"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.final_amount, request.balance) == ("validated", Decimal("910.00"), Decimal("238.00"))
    balance = paid.instalments.get(kind="balance")
    assert balance.amount == Decimal("238.00") and pay.instalments_payable(date(2026, 1, 10)).filter(pk=balance.pk).exists()


def test_proofs_rejected_nothing_payable_and_student_may_send_others(client, paid, region):
    request = pay.balance_request_submit(
        application=paid, by=paid.student, actual_end_date=date(2025, 11, 28), today=date(2026, 1, 10),
        proofs=[("stay_certificate", pdf()), ("scholarship_notice", pdf())])
    pay.balance_request_review(request=request, by=region, validate=False, note="Attestation non signée", today=date(2026, 1, 12))
    balance = paid.instalments.get(kind="balance")
    assert balance.awaiting_proof and balance.status == "planned"
    client.force_login(paid.student)
    with at(date(2026, 1, 13)):
        page = client.get(reverse("payments:balance_request", args=[paid.pk]))
    assert "Attestation non signée" in text(page) and "Justificatifs refusés" in text(page)
    again = pay.balance_request_submit(
        application=paid, by=paid.student, actual_end_date=date(2025, 11, 28), today=date(2026, 1, 20),
        proofs=[("stay_certificate", pdf()), ("scholarship_notice", pdf())])
    assert again.status == "pending"


def test_balance_refused_before_the_stay_ends_and_without_the_notice(paid):
    with pytest.raises(pay.ServiceError, match="une fois la mobilité terminée"):
        pay.balance_request_submit(application=paid, by=paid.student, actual_end_date=date(2025, 12, 19),
                                   today=date(2025, 12, 1), proofs=[("stay_certificate", pdf()), ("scholarship_notice", pdf())])
    with pytest.raises(pay.ServiceError, match="définitive"):
        pay.balance_request_submit(application=paid, by=paid.student, actual_end_date=date(2025, 12, 19),
                                   today=date(2026, 1, 5), proofs=[("stay_certificate", pdf())])
    assert not BalanceRequest.objects.exists() and paid.instalments.get(kind="balance").awaiting_proof


def test_balance_refused_after_the_deadline(client, paid):
    url = reverse("payments:balance_request", args=[paid.pk])
    with at(date(2027, 1, 2)):
        client.force_login(paid.student)  # signed in that day: a session made earlier would have expired
        page = client.get(url)
        assert "Le solde devait être demandé avant le 31/12/2026 (art. 9) : il est caduc." in text(page)
        page = client.post(url, {"actual_end_date": "2025-11-28", "stay_certificate": pdf(),
                                 "scholarship_notice": pdf(),
                                 "confirm": "on"})
    assert page.status_code == 200
    assert "il est caduc" in text(page) and not BalanceRequest.objects.exists()


def test_balance_bad_input_is_shown_never_a_500(client, paid):
    client.force_login(paid.student)
    url = reverse("payments:balance_request", args=[paid.pk])
    with at(date(2026, 1, 10)):
        page = client.get(url, {"actual_end_date": "pas une date"})
        assert page.status_code == 200 and "Date invalide" in text(page)
        page = client.get(url, {"actual_end_date": "2025-08-01"})
        assert page.status_code == 200 and "précède le début de la mobilité" in text(page)
        page = client.post(url, {"actual_end_date": "2025-08-01", "stay_certificate": pdf(),
                                 "scholarship_notice": pdf(),
                                 "confirm": "on"})
        assert page.status_code == 200 and "précède le début de la mobilité" in text(page)
        page = client.post(url, {"actual_end_date": "2025-11-28",
                                 "stay_certificate": SimpleUploadedFile("x.pdf", b"hello"),
                                 "confirm": "on"})
        body = text(page)
        assert page.status_code == 200 and "Format non accepté" in body and "Joignez cette pièce" in body
        for hostile in ("9999-12-31", "0001-01-01"):  # refused on the field, not computed
            page = client.get(url, {"actual_end_date": hostile})
            assert page.status_code == 200 and "Saisissez une date entre le" in text(page)
            page = client.post(url, {"actual_end_date": hostile, "stay_certificate": pdf(), "confirm": "on"})
            assert page.status_code == 200 and "Saisissez une date entre le" in text(page)
    assert not BalanceRequest.objects.exists()


def test_balance_before_the_advance_is_paid(client, region):
    app = decided_file("horizons", region)
    client.force_login(app.student)
    with at(date(2025, 7, 5)):
        page = client.get(reverse("payments:balance_request", args=[app.pk]))
    assert "L'avance n'a pas encore été versée" in text(page)


# --- Student: answer --------------------------------------------------------------------------------
def test_student_reads_and_answers_the_notice(client, order):
    student = order.application.student
    client.force_login(student)
    url = reverse("payments:student_orders", args=[order.application_id])
    with at(date(2026, 1, 20)):
        page = client.get(url)
        body = text(page)
        assert page.status_code == 200 and "672,00 €" in body and "Mise en demeure envoyée" in body
        page = client.post(url, {"order": order.pk, f"o{order.pk}-answer": "  "})
        assert page.status_code == 200 and "Expliquez votre situation" in text(page)
        response = client.post(url, {"order": order.pk, f"o{order.pk}-answer": "Rapatriement sanitaire le 31/10.",
                                     f"o{order.pk}-document": pdf()}, follow=True)
    assert "Votre réponse est transmise" in text(response)
    order.refresh_from_db()
    assert order.status == "answered" and order.answer == "Rapatriement sanitaire le 31/10."
    balance_proofs = BalanceRequest.objects.get(application=order.application).documents
    assert order.application.documents.filter(kind="other", uploaded_by=student).exclude(pk__in=balance_proofs).count() == 1


def test_student_downloads_the_notice(client, order):
    client.force_login(order.application.student)
    page = client.get(reverse("payments:student_orders", args=[order.application_id]))
    pdf_url = reverse("decisions:letter_pdf", args=[order.notice_letter_id])
    assert pdf_url in text(page)
    response = client.get(pdf_url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")


def test_student_answer_after_the_month_is_refused(client, order, region):
    pay.notice_received(order=order, received_on=date(2026, 1, 15), by=region)
    client.force_login(order.application.student)
    with at(date(2026, 2, 16)):
        page = client.post(reverse("payments:student_orders", args=[order.application_id]),
                           {"order": order.pk, f"o{order.pk}-answer": "Trop tard ?"})
    assert page.status_code == 200 and "Le délai d'un mois pour répondre a expiré le 15/02/2026" in text(page)


def test_other_students_get_404(client, order):
    before = RepaymentOrder.objects.filter(pk=order.pk).values().get()
    client.force_login(user("intrus"))
    app_pk = order.application_id
    assert client.get(reverse("payments:balance_request", args=[app_pk])).status_code == 404
    assert client.get(reverse("payments:student_orders", args=[app_pk])).status_code == 404
    assert client.post(reverse("payments:student_orders", args=[app_pk]),
                       {"order": order.pk, f"o{order.pk}-answer": "x"}).status_code == 404
    assert client.get(reverse("payments:order_detail", args=[order.pk])).status_code == 404
    # The owner cannot reach another file's order through their own page either.
    client.force_login(order.application.student)
    assert client.post(reverse("payments:student_orders", args=[app_pk]), {"order": "999999"}).status_code == 404
    assert RepaymentOrder.objects.filter(pk=order.pk).values().get() == before  # no answer recorded


# --- Officer ----------------------------------------------------------------------------------------
def test_officer_lists_and_filters_orders(client, order, region):
    client.force_login(region)
    page = client.get(reverse("payments:orders"))
    assert page.status_code == 200 and order.application.reference in text(page)
    page = client.get(reverse("payments:orders"), {"statut": "settled"})
    assert order.application.reference not in text(page)
    page = client.get(reverse("payments:orders"), {"statut": "nonsense", "page": "x"})
    assert page.status_code == 200


def test_officer_records_receipt_and_waives(client, order, region):
    client.force_login(region)
    url = reverse("payments:order_detail", args=[order.pk])
    with at(date(2026, 2, 1)):
        assert client.get(url).status_code == 200
        response = client.post(url, {"action": "received", "received-received_on": "2026-01-15"}, follow=True)
        assert "réponse attendue au plus tard le 15/02/2026" in text(response)
        page = client.post(url, {"action": "decide", "decide-outcome": "waive", "decide-note": "Hospitalisation"})
        assert page.status_code == 200 and "Cochez cette case" in text(page)
        page = client.post(url, {"action": "decide", "decide-outcome": "waive", "decide-note": "",
                                 "decide-confirm": "on"})
        assert page.status_code == 200 and "Motivez la décision" in text(page)
        response = client.post(url, {"action": "decide", "decide-outcome": "waive", "decide-confirm": "on",
                                     "decide-note": "Circonstances exceptionnelles : hospitalisation (art. 11)."},
                               follow=True)
    assert "Remise accordée" in text(response)
    order.refresh_from_db()
    assert order.status == "waived" and order.response_due == date(2026, 2, 15)
    assert Account.objects.get(application=order.application).waived == Decimal("672.00")
    page = client.post(url, {"action": "bogus"})
    assert page.status_code == 200 and "Action inconnue" in text(page)


def test_officer_maintains_then_records_repayments(client, order, region):
    client.force_login(region)
    url = reverse("payments:order_detail", args=[order.pk])
    with at(date(2026, 3, 1)):
        client.post(url, {"action": "decide", "decide-outcome": "maintain", "decide-confirm": "on",
                          "decide-note": "Aucun élément ne justifie la remise."})
        order.refresh_from_db()
        assert order.status == "standing"
        page = client.post(url, {"action": "repayment", "repayment-amount": "abc"})
        assert page.status_code == 200 and "Montant invalide" in text(page)
        page = client.post(url, {"action": "repayment", "repayment-amount": "700.00"})
        assert page.status_code == 200 and "au plus 672,00\u00a0€." in text(page)
        client.post(url, {"action": "repayment", "repayment-amount": "300.00"})
        response = client.post(url, {"action": "repayment", "repayment-amount": "372.00"}, follow=True)
    assert "l'ordre est soldé" in text(response)
    order.refresh_from_db()
    assert order.status == "settled" and Account.objects.get(application=order.application).repaid == Decimal("672.00")


def test_other_authorities_officers_get_404(client, order):
    before = (RepaymentOrder.objects.filter(pk=order.pk).values().get(),
              Account.objects.filter(application=order.application).values().get(), LedgerEntry.objects.count())
    client.force_login(officer("aude"))
    assert client.get(reverse("payments:order_detail", args=[order.pk])).status_code == 404
    decide = {"action": "decide", "decide-outcome": "waive", "decide-note": "x", "decide-confirm": "on"}
    assert client.post(reverse("payments:order_detail", args=[order.pk]), decide).status_code == 404
    assert order.application.reference not in text(client.get(reverse("payments:orders")))
    # Nothing waived, nothing booked.
    assert (RepaymentOrder.objects.filter(pk=order.pk).values().get(),
            Account.objects.filter(application=order.application).values().get(), LedgerEntry.objects.count()) == before


def test_haute_garonne_breach(client):
    agent = officer("haute-garonne")
    app = decided_file("haute-garonne", agent, act_date=date(2025, 10, 1))
    Letter.objects.create(application=app, decision=app.current_decision, kind="commitment", template="x", context={},
                          requires_acceptance=True, accepted_at="2025-10-02T10:00:00+01:00")
    _pay(app, agent, list(app.instalments.order_by("sequence").values_list("pk", flat=True)[:2]), date(2026, 1, 5))
    client.force_login(agent)
    url = reverse("payments:breach", args=[app.pk])
    with at(date(2026, 2, 15)):
        assert client.get(url).status_code == 200
        page = client.post(url, {"explanation": "Stage abandonné"})
        assert page.status_code == 200 and "Cochez cette case" in text(page)
        response = client.post(url, {"explanation": "Stage abandonné en février.", "confirm": "on"})
    order = RepaymentOrder.objects.get(application=app)
    assert response.status_code == 302 and response.url == reverse("payments:order_detail", args=[order.pk])
    assert (order.reason, order.amount) == ("breach", Decimal("800.00"))
    # Not a Haute-Garonne file, or not the officer's authority: not found.
    region = officer("horizons")
    client.force_login(region)
    assert client.get(url).status_code == 404
    horizons_file = decided_file("horizons", region)
    assert client.get(reverse("payments:breach", args=[horizons_file.pk])).status_code == 404
