"""Payment runs and ledgers through the test client: an officer of the funding authority prepares a
run from the payable list, downloads its SEPA file, PDF and CSV listings, confirms or cancels it;
the officer and the student read the file's ledger. Another authority's officer finds nothing."""

import csv
import html as htmllib
import io
import os
from datetime import timedelta
from decimal import Decimal

import pypdf
import pytest
import sepaxml
import xmlschema
from django.urls import reverse
from django.utils import timezone

from applications.models import Application
from payments import pdf, selectors
from payments.models import Account, Instalment, LedgerEntry, PaymentRun
from tests.flows import decided_file, officer, user

pytestmark = pytest.mark.django_db

PAIN_001_XSD = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", "pain.001.001.03.xsd")


@pytest.fixture
def region():
    return officer("horizons")


@pytest.fixture
def granted(region):
    """A Horizons file granted 1 120 €: its 672 € advance (60 %) is payable, the balance awaits
    the proofs of the stay."""
    return decided_file("horizons", region)


def advance_of(app) -> Instalment:
    return app.instalments.get(kind=Instalment.Kind.ADVANCE)


def create_run(client, agent, app, **data) -> PaymentRun:
    client.force_login(agent)
    payload = {"instalments": [advance_of(app).pk], "execution_date": timezone.localdate().isoformat(), **data}
    response = client.post(reverse("payments:payable"), payload)
    run = PaymentRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("payments:run_detail", args=[run.pk])
    return run


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


# --- Payable list and scope ----------------------------------------------------------------------
def test_payable_list_shows_the_authoritys_advance_only(client, region, granted):
    client.force_login(region)
    response = client.get(reverse("payments:payable"))
    assert response.status_code == 200
    page = response.content.decode()
    assert granted.reference in page and "672,00" in page
    assert [i.pk for i in response.context["page_obj"]] == [advance_of(granted).pk]  # balance awaits proofs

    client.force_login(officer("aude"))
    response = client.get(reverse("payments:payable"))
    assert response.status_code == 200
    assert granted.reference not in response.content.decode()
    assert list(response.context["page_obj"]) == []


def test_payable_filters_and_bad_filter_value(client, region, granted):
    client.force_login(region)
    url = reverse("payments:payable")
    assert list(client.get(url, {"kind": "balance"}).context["page_obj"]) == []
    assert len(client.get(url, {"kind": "advance", "scheme": granted.scheme_id}).context["page_obj"]) == 1
    assert list(client.get(url, {"due_before": "2025-07-02"}).context["page_obj"]) == []
    assert len(client.get(url, {"due_before": "2025-07-03"}).context["page_obj"]) == 1
    response = client.get(url, {"due_before": "pas-une-date", "page": "9999"})
    assert response.status_code == 200 and "Filtre ignoré" in messages_of(response)
    assert len(response.context["page_obj"]) == 1  # the bad filter is dropped, the last page shown


def test_non_officer_is_refused(client, granted):
    client.force_login(granted.student)
    assert client.get(reverse("payments:payable")).status_code == 403


# --- Creating a run ------------------------------------------------------------------------------
def test_run_created_from_the_page_then_listed(client, region, granted):
    run = create_run(client, region, granted)
    assert (run.count, run.total, run.status) == (1, Decimal("672.00"), "prepared")
    assert advance_of(granted).status == Instalment.Status.IN_RUN
    page = client.get(reverse("payments:payable"))
    assert list(page.context["page_obj"]) == []  # no longer payable
    assert run.reference in page.content.decode()  # in the list of runs

    detail = client.get(reverse("payments:run_detail", args=[run.pk])).content.decode()
    assert granted.reference in detail and "Léa Martin" in detail and "672,00" in detail
    assert "•••• 0189" in detail and "FR7630006000011234567890189" not in detail  # IBAN masked


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"instalments": []}, "Cochez au moins une échéance"),
        ({"instalments": ["999999"]}, "Aucune des échéances choisies n'est payable"),
        ({"instalments": ["abc"]}, "sélection des échéances est invalide"),
        ({"instalments": ["-3"]}, "sélection des échéances est invalide"),
        ({"execution_date": "hier"}, "Saisissez une date valide"),
    ],
)
def test_bad_run_input_is_said_never_a_500(client, region, granted, data, expected):
    client.force_login(region)
    payload = {"instalments": [advance_of(granted).pk], "execution_date": timezone.localdate().isoformat(), **data}
    response = client.post(reverse("payments:payable"), payload)
    assert response.status_code == 200
    assert expected in htmllib.unescape(response.content.decode())
    assert not PaymentRun.objects.exists()


def test_past_execution_date_is_refused_next_to_the_field(client, region, granted):
    client.force_login(region)
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client.post(
        reverse("payments:payable"), {"instalments": [advance_of(granted).pk], "execution_date": yesterday.isoformat()}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["execution_date"] == ["La date d'exécution ne peut pas être passée."]
    assert not PaymentRun.objects.exists()


def test_another_authoritys_instalment_cannot_be_put_in_a_run(client, granted):
    client.force_login(officer("aude"))
    response = client.post(
        reverse("payments:payable"),
        {"instalments": [advance_of(granted).pk], "execution_date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200 and "Aucune des échéances" in messages_of(response)
    assert not PaymentRun.objects.exists()


def test_double_submit_of_the_creation_makes_one_run(client, region, granted):
    create_run(client, region, granted)
    response = client.post(
        reverse("payments:payable"),
        {"instalments": [advance_of(granted).pk], "execution_date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200 and "Aucune des échéances" in messages_of(response)
    assert PaymentRun.objects.count() == 1


# --- Downloads -----------------------------------------------------------------------------------
def test_sepa_xml_download_validates_against_pain001(client, region, granted):
    run = create_run(client, region, granted)
    response = client.get(reverse("payments:run_sepa_xml", args=[run.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == f'attachment; filename="{run.reference}.xml"'
    schema = xmlschema.XMLSchema(PAIN_001_XSD)
    schema.validate(io.BytesIO(response.content))
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
    tree = schema.to_etree(schema.to_dict(io.BytesIO(response.content)))
    assert tree.findtext(".//p:CdtTrfTxInf/p:Amt/p:InstdAmt", namespaces=ns) == "672.00"
    assert tree.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=ns) == "672.00"


def pdf_pages_text(response) -> list[str]:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)  # streamed from the file it was printed to
    assert content.startswith(b"%PDF")
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages]


def test_pdf_listing(client, region, granted):
    run = create_run(client, region, granted)
    html = pdf.render_run_listing_html(selectors.run_listing(run=run))
    assert run.reference in html and granted.reference in html and "Léa Martin" in html
    assert "672,00\u00a0€" in html and "•••• 0189" in html and "Signature" in html
    assert "Région" in html or run.authority.name in html
    response = client.get(reverse("payments:run_listing_pdf", args=[run.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="{run.reference}.pdf"'
    [page] = pdf_pages_text(response)
    assert f"1 {granted.reference} Léa Martin •••• 0189" in page and "Total (1 virement) 672,00\u00a0€" in page
    assert page.rstrip().endswith(f"Lot de paiement {run.reference} Page 1 / 1")


def test_pdf_listing_of_a_run_printed_in_parts(client, region, granted, monkeypatch):
    """A part per line: each file's line once, in the run's order, the total of both at the end."""
    other = decided_file("horizons", region)
    Application.objects.filter(pk=other.pk).update(account_holder="Noé Durand")
    client.force_login(region)
    client.post(reverse("payments:payable"), {"instalments": [advance_of(granted).pk, advance_of(other).pk],
                                              "execution_date": timezone.localdate().isoformat()})
    run = PaymentRun.objects.get()
    monkeypatch.setattr(pdf, "LINES_PER_PART", 1)
    pages = pdf_pages_text(client.get(reverse("payments:run_listing_pdf", args=[run.pk])))
    assert len(pages) == 2 and [page.rstrip()[-10:] for page in pages] == ["Page 1 / 2", "Page 2 / 2"]
    first, second = sorted([granted, other], key=lambda app: advance_of(app).pk)  # the SEPA file's order
    holder = {granted.pk: "Léa Martin", other.pk: "Noé Durand"}
    assert f"1 {first.reference} {holder[first.pk]}" in pages[0] and f"2 {second.reference} {holder[second.pk]}" in pages[1]
    assert first.reference not in pages[1] and second.reference not in pages[0]
    assert "Total (2 virements) 1\u202f344,00\u00a0€" in pages[1] and "Total (" not in pages[0]


def test_csv_listing_is_excel_ready_and_formula_safe(client, region, granted):
    run = create_run(client, region, granted)
    Application.objects.filter(pk=granted.pk).update(account_holder='=HYPERLINK("http://evil")')
    response = client.get(reverse("payments:run_listing_csv", args=[run.pk]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    assert response.streaming
    content = response.getvalue()
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Référence du dossier"
    assert rows[1] == [
        granted.reference,
        '\'=HYPERLINK("http://evil")',
        "•••• 0189",
        advance_of(granted).label,
        "672,00",
        f"I{advance_of(granted).pk}",
    ]
    assert rows[2][0] == "Total" and rows[2][4] == "672,00"


# --- Confirming and cancelling ---------------------------------------------------------------------
def test_confirm_twice_books_one_ledger_entry(client, region, granted):
    run = create_run(client, region, granted)
    url = reverse("payments:run_confirm", args=[run.pk])
    page = client.get(url)
    assert page.status_code == 200 and "irréversible" in page.content.decode()

    unchecked = client.post(url, {})
    assert unchecked.status_code == 200 and unchecked.context["form"].errors["confirm"]
    assert not LedgerEntry.objects.exists()

    first = client.post(url, {"confirm": "on"}, follow=True)
    assert "Paiement confirmé : 1 virement" in messages_of(first)
    second = client.post(url, {"confirm": "on"}, follow=True)
    assert second.status_code == 200 and "aucune nouvelle écriture" in messages_of(second)

    assert LedgerEntry.objects.filter(application=granted, kind="payment").count() == 1
    assert Account.objects.get(application=granted).paid == Decimal("672.00")
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.CONFIRMED
    assert advance_of(granted).status == Instalment.Status.PAID
    # A confirmed run can no longer be cancelled: said, not a 500.
    refused = client.post(reverse("payments:run_cancel", args=[run.pk]), {"confirm": "on"}, follow=True)
    assert "Seul un lot non confirmé" in messages_of(refused)


def test_cancel_gives_the_instalments_back(client, region, granted):
    run = create_run(client, region, granted)
    url = reverse("payments:run_cancel", args=[run.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"confirm": "on"})
    again = client.post(url, {"confirm": "on"}, follow=True)  # double submit
    assert again.status_code == 200
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.CANCELLED
    advance = advance_of(granted)
    assert (advance.status, advance.run_id) == (Instalment.Status.PLANNED, None)
    page = client.get(reverse("payments:payable"))
    assert [i.pk for i in page.context["page_obj"]] == [advance.pk]
    # A cancelled run confirms nothing.
    client.post(reverse("payments:run_confirm", args=[run.pk]), {"confirm": "on"})
    assert not LedgerEntry.objects.exists()


def test_another_authority_gets_404_on_runs_and_ledgers(client, region, granted):
    run = create_run(client, region, granted)
    client.force_login(officer("aude"))
    for name in ("run_detail", "run_sepa_xml", "run_listing_pdf", "run_listing_csv", "run_confirm", "run_cancel"):
        assert client.get(reverse(f"payments:{name}", args=[run.pk])).status_code == 404, name
    assert client.post(reverse("payments:run_confirm", args=[run.pk]), {"confirm": "on"}).status_code == 404
    assert client.get(reverse("payments:officer_ledger", args=[granted.pk])).status_code == 404
    assert client.get(reverse("payments:run_detail", args=[run.pk + 1000])).status_code == 404
    run.refresh_from_db()
    assert run.status == PaymentRun.Status.PREPARED
    assert not LedgerEntry.objects.exists() and advance_of(granted).status == Instalment.Status.IN_RUN  # not paid


# --- Ledgers ---------------------------------------------------------------------------------------
def _paid(client, region, granted):
    run = create_run(client, region, granted)
    client.post(reverse("payments:run_confirm", args=[run.pk]), {"confirm": "on"})
    return run


def test_officer_ledger_shows_totals_french_style(client, region, granted):
    _paid(client, region, granted)
    response = client.get(reverse("payments:officer_ledger", args=[granted.pk]))
    assert response.status_code == 200
    totals = response.context["ledger"]["totals"]
    assert (totals["notified"], totals["paid"], totals["net_paid"], totals["to_pay"]) == (
        Decimal("1120.00"),
        Decimal("672.00"),
        Decimal("672.00"),
        Decimal("448.00"),
    )
    page = response.content.decode()
    assert "1\u202f120,00\u00a0€" in page and "448,00\u00a0€" in page and "Paiement" in page


def test_student_ledger_shows_the_paid_advance_and_is_private(client, region, granted):
    _paid(client, region, granted)
    client.force_login(granted.student)
    response = client.get(reverse("payments:student_ledger", args=[granted.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "672,00\u00a0€" in page and "Payée" in page and timezone.localdate().strftime("%d/%m/%Y") in page

    client.force_login(user("etu"))
    assert client.get(reverse("payments:student_ledger", args=[granted.pk])).status_code == 404
    # The student's own file is not an officer's: no officer ledger for them.
    client.force_login(granted.student)
    assert client.get(reverse("payments:officer_ledger", args=[granted.pk])).status_code in (403, 404)


def test_payable_page_queries_do_not_grow_with_the_files(client, region, django_assert_max_num_queries):
    decided_file("horizons", region)
    client.force_login(region)
    url = reverse("payments:payable")
    client.get(url)  # warm the per-request caches of the session and roles
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    decided_file("horizons", region)
    decided_file("horizons", region)
    with django_assert_max_num_queries(len(one)):
        response = client.get(url)
    assert len(response.context["page_obj"]) == 3


# --- An administrator without an authority -------------------------------------------------------
def test_superuser_without_authority_posting_a_run_is_refused_not_a_500(client, granted):
    # Django grants a superuser every permission, so the page lets them in; they belong to no
    # authority, and the creation used to crash on the missing membership.
    admin = user("admin-")
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client.force_login(admin)
    client.raise_request_exception = False
    response = client.post(
        reverse("payments:payable"),
        {"instalments": [advance_of(granted).pk], "execution_date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    assert "rattaché à aucune collectivité" in htmllib.unescape(messages_of(response))
    assert not PaymentRun.objects.exists()
    assert advance_of(granted).status == Instalment.Status.PLANNED


def test_no_payments_url_answers_a_post_with_a_server_error(client, region, granted):
    """Every route of the payments app, posted to empty by an administrator, an officer and the
    student: a form error, a refusal, a redirect or 405, never a 500."""
    from django.urls import URLPattern

    from payments import urls

    run = create_run(client, region, granted)
    admin = user("admin-")
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client.raise_request_exception = False
    before = (PaymentRun.objects.values_list("pk", "status").get(), list(Instalment.objects.values_list("pk", "status")))
    for who in (admin, region, granted.student):
        client.force_login(who)
        for pattern in urls.urlpatterns:
            assert isinstance(pattern, URLPattern)
            kwargs = {"pk": run.pk if "lots/" in str(pattern.pattern) else granted.pk} if "<int:pk>" in str(pattern.pattern) else {}
            url = reverse(f"payments:{pattern.name}", kwargs=kwargs)
            response = client.post(url, {})
            assert response.status_code < 500, (who.email, url, response.status_code)
    assert (PaymentRun.objects.values_list("pk", "status").get(), list(Instalment.objects.values_list("pk", "status"))) == before
