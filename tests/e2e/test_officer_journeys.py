"""An officer's day in a real browser: the queue they land on, a file instructed, a commission
session run to its act and letters, a payment run with its SEPA file, a recovery started with a
formal notice. The files are brought to each starting point by the real services (tests.flows);
the browser does what the officer does from there. Every page goes through the accessibility
and layout audit (tests/e2e/conftest.py)."""

import re
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aid_portal.celery import app as celery_app
from applications import services
from applications.documents import required_kinds
from applications.models import Application, DocumentRequest
from applications.states import State
from decisions.models import CommissionSession, Letter
from payments.models import Instalment, PaymentRun, RepaymentOrder
from schemes.models import Scheme
from tests.files import PDF
from tests.flows import DATA, IBAN, decided_file, officer, school_with_staff, user

from .conftest import audit
from .support import off_the_event_loop, sign_in, signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def instructed_file(code, *, last_name, opinion=True) -> Application:
    """A file of `code` submitted on 1 June 2025 with its documents, under `last_name`; a
    Horizons file also has its establishment's opinion unless `opinion` is False."""
    student = user("etu")
    school, staff = school_with_staff() if code == "horizons" else (None, None)
    app = services.application_create(student=student, scheme=Scheme.objects.get(code=code),
                                      aid="grant" if code == "horizons" else "", establishment=school)
    services.application_update(application=app, by=student, data=DATA[code], first_name="Léa", last_name=last_name,
                                iban=IBAN, account_holder=f"Léa {last_name}")
    for kind in required_kinds(code, scholarship_holder=True, aid=app.aid):
        services.document_add(application=app, by=student, kind=kind, upload=SimpleUploadedFile("p.pdf", PDF))
    app = services.application_submit(application=app, by=student, today=date(2025, 6, 1))
    if opinion and app.state == State.AWAITING_OPINION:
        services.opinion_record(application=app, by=staff, favourable=True)
    return Application.objects.get(pk=app.pk)


def rows_text(page) -> str:
    return page.locator("table tbody").first.inner_text()


def test_officer_lands_on_the_queue_searches_and_instructs(live_server, page):
    agent = officer("horizons")
    durand = instructed_file("horizons", last_name="Durand")
    petit = instructed_file("horizons", last_name="Petit")
    waiting = instructed_file("horizons", last_name="Bernard", opinion=False)
    elsewhere = instructed_file("aude", last_name="Audois")
    with time_machine.travel(date(2025, 6, 10), tick=True):
        sign_in(page, live_server, agent, lands_on="/instruction/")
        audit(page, "officer-queue", screenshot=True)
        listed = rows_text(page)
        assert all(a.reference in listed for a in (durand, petit, waiting)) and elsewhere.reference not in listed

        page.get_by_label("Nom ou référence").fill("peti")
        page.get_by_role("button", name="Filtrer").click()
        page.wait_for_url(re.compile(r"q=peti"))
        listed = rows_text(page)
        assert petit.reference in listed and durand.reference not in listed
        page.get_by_label("Nom ou référence").fill("")
        page.get_by_label("État", exact=True).select_option("in_instruction")
        page.get_by_role("button", name="Filtrer").click()
        page.wait_for_url(re.compile(r"state=in_instruction"))
        audit(page, "officer-queue-filtered")
        listed = rows_text(page)
        assert durand.reference in listed and petit.reference in listed and waiting.reference not in listed

        # A piece is missing from one file: the officer asks for it (two months to answer, Art. 5).
        page.get_by_role("link", name=durand.reference).click()
        page.wait_for_url(re.compile(rf"/instruction/{durand.pk}/$"))
        audit(page, "officer-file")
        ask = page.locator("form").filter(has=page.get_by_role("button", name="Envoyer la demande"))
        ask.get_by_label("Relevé d'identité bancaire (RIB)").check()
        ask.get_by_label("Message à l'étudiant").fill("Le RIB joint est illisible : merci d'en envoyer un autre.")
        ask.get_by_label(re.compile("Je confirme cette action")).check()
        ask.get_by_role("button", name="Envoyer la demande").click()
        page.locator(".document-request").wait_for()
        due = DocumentRequest.objects.get(application=durand).due_on
        assert due == date(2025, 8, 10) and due.strftime("%d/%m/%Y") in page.locator(".document-request").inner_text()
        audit(page, "officer-file-awaiting-documents")

        # The other one is complete: ready for the commission.
        page.goto(f"{live_server.url}/instruction/{petit.pk}/")
        ready = page.locator("form").filter(has=page.get_by_role("button", name="Prêt pour décision"))
        ready.get_by_label(re.compile("Je confirme cette action")).check()
        ready.get_by_role("button", name="Prêt pour décision").click()
        page.get_by_role("status").filter(has_text=re.compile(".")).first.wait_for()
        audit(page, "officer-file-ready")
    assert Application.objects.get(pk=durand.pk).state == State.AWAITING_DOCUMENTS
    assert Application.objects.get(pk=petit.pk).state == State.READY_FOR_DECISION


def test_officer_runs_a_commission_and_its_letters_are_issued(live_server, page):
    # The closing and the letters are Celery tasks: in tests they run in the request that
    # starts them (tests/conftest.py), so the page after the closing already shows the act.
    assert celery_app.conf.task_always_eager
    agent = officer("horizons")
    alpha = services.application_mark_ready(application=instructed_file("horizons", last_name="Alpha"), by=agent)
    beta = services.application_mark_ready(application=instructed_file("horizons", last_name="Beta"), by=agent)
    with time_machine.travel(date(2025, 7, 1), tick=True):
        signed_in(page, live_server, agent)
        page.goto(f"{live_server.url}/commission/")
        audit(page, "sessions")
        page.get_by_label("Dispositif").select_option(label=alpha.scheme.name)
        page.get_by_label("Intitulé").fill("Commission de juillet")
        page.get_by_label("Date de la commission").fill("2025-07-03")
        page.get_by_role("button", name="Créer la séance").click()
        page.wait_for_url(re.compile(r"/commission/\d+/$"))
        audit(page, "session-agenda")
        for app in (alpha, beta):
            page.get_by_label(app.reference, exact=True).check()
        page.get_by_role("button", name="Inscrire les dossiers cochés").click()
        page.get_by_text("2 dossier(s) inscrit(s)").wait_for()

        session = CommissionSession.objects.get()
        granted, rejected = session.entries.order_by("application__last_name")
        row = page.locator(f"#entry-{granted.pk}")
        row.get_by_label("Attribution", exact=True).check()
        assert row.get_by_label("Montant attribué (€)").input_value() in ("1120.00", "1120,00")
        row.get_by_role("button", name="Enregistrer").click()
        page.wait_for_url(re.compile(rf"#entry-{granted.pk}$"))
        row = page.locator(f"#entry-{rejected.pk}")
        row.get_by_label("Rejet", exact=True).check()
        row.get_by_label(re.compile("Motivation")).fill("Mobilité hors du cursus de l'établissement.")
        row.get_by_role("button", name="Enregistrer").click()
        page.wait_for_url(re.compile(rf"#entry-{rejected.pk}$"))
        audit(page, "session-decided")

        page.get_by_role("link", name="Clôturer la séance…").click()
        page.wait_for_url(re.compile(r"/cloturer/$"))
        audit(page, "session-close")
        # Irreversible: without the confirmation box, nothing is closed.
        page.get_by_role("button", name="Clôturer la séance").click()
        page.locator(".invalid-feedback, .errorlist").first.wait_for()
        assert CommissionSession.objects.get().status == "open"
        page.get_by_label(re.compile("Je confirme cette action")).check()
        page.get_by_role("button", name="Clôturer la séance").click()
        page.wait_for_url(re.compile(r"/progression/$"))
        page.get_by_role("link", name="Voir l'arrêté").wait_for()
        audit(page, "session-progress")
        page.get_by_role("link", name="Voir l'arrêté").click()
        page.wait_for_url(re.compile(r"/arrete/$"))
        audit(page, "session-act")
        session.refresh_from_db()
        assert session.status == "closed" and session.act_number in page.locator("h1").inner_text()
        assert alpha.reference in page.locator("main").inner_text()

        # Each file's letter is issued with the act: the officer opens it from the file.
        page.get_by_role("link", name=alpha.reference).click()
        page.wait_for_url(re.compile(rf"/instruction/{alpha.pk}/$"))
        audit(page, "officer-file-granted")
        assert not Letter.objects.filter(application__in=(alpha, beta), sent_at=None).exists()
        award = Letter.objects.get(application=alpha, kind=Letter.Kind.AWARD)
        rejection = Letter.objects.get(application=beta, kind=Letter.Kind.REJECTION)
        award_link = page.locator("#letters-heading + ul").get_by_role("link", name=award.get_kind_display())
        for href in (award_link.get_attribute("href"), reverse("decisions:letter_pdf", args=[rejection.pk])):
            response = page.request.get(live_server.url + href)
            assert response.status == 200 and response.headers["content-type"] == "application/pdf"
            assert response.body().startswith(b"%PDF")
    assert Application.objects.get(pk=alpha.pk).state == State.GRANTED
    assert Application.objects.get(pk=beta.pk).state == State.REJECTED


def test_officer_pays_an_advance_then_claims_it_back(live_server, page, tmp_path):
    agent = officer("horizons")
    with time_machine.travel(date(2025, 7, 3), tick=True):
        granted = off_the_event_loop(decided_file, "horizons", agent)  # 1 120 €, its 60 % advance (672 €) payable (Art. 9)
    advance = granted.instalments.get(kind=Instalment.Kind.ADVANCE)
    with time_machine.travel(date(2025, 7, 10), tick=True):
        signed_in(page, live_server, agent)
        page.goto(f"{live_server.url}/paiements/")
        audit(page, "payable")
        page.locator(f"#inst-{advance.pk}").check()
        page.get_by_role("button", name="Préparer le lot de paiement").click()
        page.wait_for_url(re.compile(r"/paiements/lots/\d+/$"))
        audit(page, "payment-run")
        run = PaymentRun.objects.get()
        assert (run.count, str(run.total), run.status) == (1, "672.00", "prepared")

        with page.expect_download() as download:
            page.get_by_role("link", name="Fichier SEPA (XML)").click()
        sepa = tmp_path / download.value.suggested_filename
        download.value.save_as(sepa)
        assert sepa.name == f"{run.reference}.xml"
        xml = sepa.read_text()
        assert "pain.001.001.03" in xml and "<InstdAmt Ccy=\"EUR\">672.00</InstdAmt>" in xml and IBAN in xml

        # The paymaster has paid the file: the officer confirms the run.
        page.get_by_role("link", name="Confirmer le paiement (paierie)").click()
        page.wait_for_url(re.compile(r"/confirmer/$"))
        audit(page, "payment-run-confirm")
        page.get_by_label(re.compile("Je confirme")).check()
        page.get_by_role("button", name=re.compile("Confirmer")).click()
        page.wait_for_url(re.compile(r"/paiements/lots/\d+/$"))
        run.refresh_from_db()
        assert run.status == "confirmed" and Instalment.objects.get(pk=advance.pk).status == Instalment.Status.PAID

    # In October the Région learns the stay was cut short and never reported (Art. 10): the aid is
    # lost and the advance is claimed back after a formal notice (Art. 11).
    with time_machine.travel(date(2025, 10, 6), tick=True):
        signed_in(page, live_server, agent)  # another day: July's session has expired
        page.goto(f"{live_server.url}/instruction/{granted.pk}/compte/")
        audit(page, "officer-ledger")
        page.get_by_role("link", name="Déclarer l'aide perdue").click()
        page.wait_for_url(re.compile(r"/aide-perdue/$"))
        audit(page, "aid-lost")
        page.get_by_label("Motif de la perte de l'aide").fill(
            "Retour en France le 10/09/2025 sans en informer la Région (attestation de l'université d'accueil).")
        page.get_by_label(re.compile("Je confirme")).check()
        page.get_by_role("button", name="Déclarer l'aide perdue").click()
        page.wait_for_url(re.compile(r"/recouvrement/\d+/$"))
        audit(page, "repayment-order")
        order = RepaymentOrder.objects.get(application=granted)
        assert str(order.amount) == "672.00" and order.notice_letter is not None
        notice = page.locator("dd").get_by_role("link", name="PDF").first.get_attribute("href")
        response = page.request.get(live_server.url + notice)
        assert response.status == 200 and response.body().startswith(b"%PDF")

        page.get_by_role("link", name="Recouvrement").first.click()
        page.wait_for_url(re.compile(r"/recouvrement/$"))
        audit(page, "recovery")
        assert granted.reference in page.locator("main").inner_text()
        page.goto(f"{live_server.url}/tableau-de-bord/collectivite/")
        audit(page, "officer-dashboard", screenshot=True)
