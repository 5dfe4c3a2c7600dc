"""The student's journeys in a real browser, on a phone first: sign up and simulate, apply to
each of the three schemes with real uploads, answer a document request, accept an agreement and
ask for the Horizons balance. Every page visited goes through audit() (axe WCAG 2.1 AA at 375 and
1280 px, no sideways scroll); the dashboard and the simulator are kept as screenshots."""

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from urllib.parse import urlparse

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections

from accounts.models import Establishment, User
from applications import services
from applications.documents import required_kinds
from applications.models import Application
from applications.states import State
from schemes.models import Scheme, ZoningEntry
from tests import flows
from tests.e2e.conftest import audit
from tests.e2e.student import fill, review_and_submit, save_step, send_documents, sign_in
from tests.flows import PDF

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
IDENTITY = {"first_name": "Léa", "last_name": "Martin", "birth_date": "2002-04-17", "phone": "06 12 34 56 78",
            "address": "12 rue des Lois, 31000 Toulouse"}
BANK = {"iban": "FR76 3000 6000 0112 3456 7890 189", "account_holder": "Léa Martin"}


@pytest.fixture
def pdf(tmp_path):
    path = tmp_path / "piece.pdf"
    path.write_bytes(PDF)
    return path


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    # Uploads and letters land in the test's own folder, never in the project's media.
    settings.MEDIA_ROOT = tmp_path / "media"
    if "location" in settings.STORAGES["default"].get("OPTIONS", {}):
        settings.STORAGES = {**settings.STORAGES,
                             "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "media")}}}


def test_sign_up_simulate_then_apply_to_horizons_with_the_answers(live_server, page, pdf):
    Establishment.objects.create(name="Université Toulouse Capitole", uai="0311382J", in_region=True)
    email = "nouvelle.etudiante@example.org"
    # The mobility starts on 1 September 2025: sign up and apply in June.
    with time_machine.travel(date(2025, 6, 2), tick=True):
        page.goto(f"{live_server.url}/")
        audit(page, "home")
        # On a phone the menu is folded behind its button.
        page.get_by_role("button", name=re.compile("menu", re.I)).click()
        page.get_by_role("link", name="Créer un compte").click()
        page.wait_for_url(re.compile(r"/comptes/signup/"))
        audit(page, "signup")
        page.locator("input[name=email]").fill(email)
        page.locator("input[name=password1]").fill("Un-mot-de-passe-solide-2026")
        page.locator("input[name=password2]").fill("Un-mot-de-passe-solide-2026")
        page.locator("form").filter(has=page.locator("input[name=password2]")).get_by_role("button").last.click()
        page.wait_for_url(re.compile(r"/comptes/confirm-email/"))
        audit(page, "signup-verification-sent")
        # The live server runs in this process: its e-mails are in the test's outbox.
        [message] = mail.outbox
        link = re.search(r"https?://\S+/comptes/confirm-email/\S+", message.body).group(0)
        page.goto(live_server.url + urlparse(link).path)
        audit(page, "signup-confirm-email")
        page.get_by_role("button", name=re.compile("Confirmer")).click()
        page.wait_for_url(re.compile(r"/tableau-de-bord/"))
        audit(page, "student-dashboard-empty")
        assert "aucune demande" in page.locator("main").inner_text()

        page.goto(f"{live_server.url}/simulateur/")
        audit(page, "simulator", screenshot=True)
        fill(page, {"scheme": "horizons", "aid": "grant", "h_level": "M1", "h_establishment_in_region": True,
                    "h_recognised_diploma": True, "h_scholarship_holder": True, "h_in_curriculum": True,
                    "h_kind": "study", "h_start_date": "2025-09-01", "h_end_date": "2025-12-19", "h_country": "DE"})
        page.get_by_role("button", name="Calculer").click()
        page.get_by_role("status").wait_for()
        assert re.search(r"1\s?120,00", page.get_by_role("status").inner_text())
        audit(page, "simulator-result")

        page.get_by_role("button", name="Faire ma demande").click()
        page.wait_for_url(re.compile(r"/demandes/nouvelle/"))
        audit(page, "application-new-from-simulator")
        assert "Horizons" in page.locator("input[name=scheme]:checked").evaluate("e => e.labels[0].textContent")
        assert page.locator("#id_aid").input_value() == "grant"
        page.locator("#id_establishment").select_option(label="Université Toulouse Capitole")
        page.get_by_role("button", name="Commencer ma demande").click()
        page.wait_for_url(re.compile(r"/etape/1/"))
        fill(page, IDENTITY)
        save_step(page, "horizons-identity", 2)
        # The simulator's answers are there: the student only checks them.
        assert page.locator("#id_start_date").input_value() == "2025-09-01"
        assert page.locator("#id_country").input_value() == "DE"
        assert page.locator("#id_level").input_value() == "M1"
        save_step(page, "horizons-situation", 3)
        fill(page, BANK)
        save_step(page, "horizons-bank", 4)
        send_documents(page, pdf, len(required_kinds("horizons", scholarship_holder=True)), "horizons-documents")
        review = review_and_submit(page, "horizons-review")
        assert "Allemagne" in review and "01/09/2025" in review and "Oui" in review

    student = User.objects.get(email=email)
    app = Application.objects.get(student=student)
    assert app.state == State.AWAITING_OPINION and app.data["mobility"]["end_date"] == "2025-12-19"
    assert app.documents.filter(superseded=False).count() == 4


def test_student_applies_to_the_aude(live_server, page, pdf):
    student = flows.user("etudiante")
    _verified(student)
    # The student never types a zone: the portal reads the ARS zoning of the supervisor's commune.
    ZoningEntry.objects.create(commune_insee="11069", commune_name="Carcassonne", category="zac", valid_from=date(2023, 1, 1))
    with time_machine.travel(date(2025, 6, 2), tick=True):
        sign_in(page, live_server, student, check=True)
        _start(page, "médecine de 2e cycle")
        fill(page, IDENTITY)
        save_step(page, "aude-identity", 2)
        fill(page, {"cycle": "2", "faculty": "montpellier", "start_date": "2026-01-05", "end_date": "2026-04-04",
                    "specialty": "general_medicine", "supervisor_commune_insee": "11069", "passed_first_year_exam": "true"})
        save_step(page, "aude-situation", 3)
        assert re.search(r"1\s?800,00", page.locator("main").inner_text())  # the live estimate
        fill(page, BANK)
        save_step(page, "aude-bank", 4)
        # A file chosen but not sent: leaving the step warns first, naming it, and stays.
        page.locator("form[data-document-form] input[type=file]").first.set_input_files(str(pdf))
        page.get_by_role("link", name="Continuer").click()
        warning = page.locator("#unsent-files-warning")
        warning.wait_for()
        assert "piece.pdf" in warning.inner_text() and re.search(r"/etape/4/$", page.url)
        assert page.evaluate("document.activeElement.id") == "unsent-files-warning"
        audit(page, "aude-documents-unsent-warning")
        send_documents(page, pdf, len(required_kinds("aude")), "aude-documents")
        review = review_and_submit(page, "aude-review")
        assert "Montpellier" in review and "05/01/2026" in review
        reference = Application.objects.get(student=student).reference
        assert reference and reference in page.content()
    assert Application.objects.get(student=student).state == State.IN_INSTRUCTION


def test_student_applies_to_haute_garonne(live_server, page, pdf):
    student = flows.user("interne")
    _verified(student)
    ZoningEntry.objects.create(commune_insee="31069", commune_name="Blagnac", category="zip", valid_from=date(2023, 1, 1))
    with time_machine.travel(date(2025, 6, 2), tick=True):
        sign_in(page, live_server, student)
        _start(page, "Aide Jeune Médecin")
        fill(page, IDENTITY)
        save_step(page, "hg-identity", 2)
        fill(page, {"cycle": "3", "specialty": "general_medicine", "scholarship_holder": True,
                    "start_date": "2025-11-03", "end_date": "2026-05-02", "commune_insee": "31069"})
        page.locator("input[name=indemnities][value=travel]").check()
        page.locator("input[name=indemnities][value=housing]").check()
        save_step(page, "hg-situation", 3)
        fill(page, BANK)
        save_step(page, "hg-bank", 4)
        send_documents(page, pdf, len(required_kinds("haute-garonne")), "hg-documents")
        review = review_and_submit(page, "hg-review")
        assert "03/11/2025" in review and "Hébergement" in review
    app = Application.objects.get(student=student)
    assert app.state == State.IN_INSTRUCTION and app.data["indemnities"] == ["travel", "housing"]


def test_student_answers_a_document_request_from_the_dashboard(live_server, page, pdf):
    student = flows.user("etu")
    _verified(student)
    agent = flows.officer("aude")
    with time_machine.travel(date(2025, 6, 1), tick=True):
        current = _submitted("aude", student)
        asked = _submitted("aude", student)
        closed = _submitted("aude", student)
        services.application_withdraw(application=closed, by=student, reason="Stage annulé")
    with time_machine.travel(date(2025, 7, 1), tick=True):
        services.document_request_create(application=asked, items=["bank_details"], by=agent, today=date(2025, 7, 1),
                                         message="Le RIB envoyé est illisible : merci d'en envoyer un autre.")
        sign_in(page, live_server, student)
        audit(page, "student-dashboard", screenshot=True)
        main = page.locator("main")
        # The file awaiting the student comes first; the closed one is folded.
        first = main.locator("a[href*='/demandes/']").filter(has_not_text="Nouvelle").first
        assert first.get_attribute("href").endswith(f"/demandes/{asked.pk}/")
        assert "envoyer les pièces demandées" in main.inner_text()
        folded = page.locator("details.dashboard-closed")
        closed_title = folded.locator("h3", has_text=closed.reference)
        assert folded.get_attribute("open") is None and not closed_title.is_visible()
        folded.locator("summary").click()
        assert closed_title.is_visible()
        audit(page, "student-dashboard-closed-unfolded")
        assert current.reference in main.inner_text()
        first.click()
        page.wait_for_url(re.compile(rf"/demandes/{asked.pk}/$"))
        audit(page, "student-application-document-request")
        assert "illisible" in main.inner_text()
        form = page.locator("form[data-document-form]").first
        form.locator("input[type=file]").set_input_files(str(pdf))
        with page.expect_navigation():
            form.get_by_role("button", name=re.compile("Envoyer|Remplacer")).click()
        audit(page, "student-application-document-sent")
        with page.expect_navigation():
            page.get_by_role("button", name="J'ai transmis les pièces").click()
        assert page.locator(".application-state").inner_text() == "En cours d'instruction"
        audit(page, "student-application-documents-transmitted")
    asked.refresh_from_db()
    assert asked.state == State.IN_INSTRUCTION and asked.document_requests.get().answered_at is not None
    assert asked.documents.filter(kind="bank_details", superseded=False).count() == 1


def test_student_accepts_the_aude_agreement(live_server, page):
    from decisions.letters import decision_letters_issue
    from decisions.models import Letter

    agent = flows.officer("aude")
    with time_machine.travel(date(2025, 7, 3), tick=True):
        app = _off_the_loop(flows.decided_file, "aude", agent)
        _off_the_loop(decision_letters_issue, decision_id=app.current_decision_id)
    _verified(app.student)
    agreement = Letter.objects.get(application=app, kind=Letter.Kind.AGREEMENT)
    with time_machine.travel(date(2025, 7, 7), tick=True):
        sign_in(page, live_server, app.student)
        page.goto(f"{live_server.url}/demandes/{app.pk}/")
        audit(page, "student-application-granted")
        page.get_by_role("link", name="Lire et accepter").click()
        page.wait_for_url(re.compile(r"/courriers/\d+/accepter/"))
        audit(page, "letter-accept")
        with page.expect_navigation():
            page.get_by_role("button", name="Accepter", exact=True).click()
        assert "Cochez la case" in page.locator("main").inner_text()  # the box must be ticked
        audit(page, "letter-accept-error")
        page.get_by_label(re.compile("J'ai lu et j'accepte")).check()
        page.get_by_role("button", name="Accepter", exact=True).click()
        page.wait_for_url(re.compile(rf"/demandes/{app.pk}/$"))
        assert "votre acceptation est enregistrée" in page.locator("main").inner_text()
        audit(page, "student-application-agreement-accepted")
    agreement.refresh_from_db()
    assert agreement.accepted_by == app.student and agreement.accepted_at is not None


def test_student_asks_for_the_horizons_balance(live_server, page, pdf):
    from payments import services as pay
    from payments.models import BalanceRequest

    agent = flows.officer("horizons")
    with time_machine.travel(date(2025, 7, 3), tick=True):
        app = _off_the_loop(flows.decided_file, "horizons", agent)
    _verified(app.student)
    with time_machine.travel(date(2025, 7, 10), tick=True):
        run = pay.payment_run_create(authority=app.scheme.authority, by=agent, execution_date=date(2025, 7, 10),
                                     instalment_ids=list(app.instalments.values_list("pk", flat=True)),
                                     today=date(2025, 7, 10))
        pay.payment_run_confirm(run=run, by=agent, today=date(2025, 7, 10))
    with time_machine.travel(date(2026, 1, 10), tick=True):
        sign_in(page, live_server, app.student)
        page.goto(f"{live_server.url}/demandes/{app.pk}/")
        audit(page, "student-application-advance-paid")
        # First the account of the file: the advance paid (60 % of 1,120.00).
        page.get_by_role("link", name="Versements et compte du dossier").click()
        page.wait_for_url(re.compile(r"/compte/$"))
        assert re.search(r"672,00", page.locator("main").inner_text())
        _tables_scroll_in_focusable_regions(page)
        audit(page, "student-ledger")
        page.go_back()
        page.get_by_role("link", name="Demander le solde").click()
        page.wait_for_url(re.compile(r"/solde/"))
        audit(page, "balance-request")
        page.locator("#id_actual_end_date").fill("2025-11-28")
        page.get_by_role("button", name="Calculer mon solde").click()
        page.locator(".balance-preview").wait_for()
        assert re.search(r"238,00", page.locator(".balance-preview").inner_text())
        audit(page, "balance-preview")
        page.locator("input[type=file][name=stay_certificate]").set_input_files(str(pdf))
        page.locator("input[type=file][name=scholarship_notice]").set_input_files(str(pdf))
        page.locator("input[name=confirm]").check()
        page.get_by_role("button", name="Demander le solde").click()
        page.get_by_text("Votre demande de solde est enregistrée").wait_for()
        audit(page, "balance-requested")
    request = BalanceRequest.objects.get(application=app)
    assert request.status == "pending" and request.actual_end_date == date(2025, 11, 28)
    assert len(request.documents) == 2


# --- Helpers ---------------------------------------------------------------------------------------
def _off_the_loop(function, *args, **kwargs):
    """Run `function` in a thread of its own. Playwright's sync API keeps an asyncio loop running
    in the test's thread, and pyHanko, which signs the letters, calls asyncio.run(), which refuses
    to start inside a running loop. The thread's database connection is closed before it ends."""
    def call():
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def _tables_scroll_in_focusable_regions(page) -> None:
    """A table wider than a phone scrolls inside its own region, which the keyboard can reach
    (tabindex=0, a role and a name), so that the page itself never scrolls sideways."""
    page.set_viewport_size({"width": 375, "height": 900})
    try:
        regions = page.evaluate("""() => [...document.querySelectorAll('table')].map(t => {
            const box = t.closest('.table-responsive');
            return box && {tabindex: box.getAttribute('tabindex'), role: box.getAttribute('role'),
                           label: box.getAttribute('aria-label') || box.getAttribute('aria-labelledby')};
        })""")
    finally:
        page.set_viewport_size({"width": 390, "height": 844})
    assert regions and all(r and r["tabindex"] == "0" and r["role"] == "region" and r["label"] for r in regions), regions


def _verified(student):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=student, email=student.email, verified=True, primary=True)


def _start(page, scheme_label: str) -> None:
    page.get_by_role("link", name=re.compile("Nouvelle demande")).click()
    page.wait_for_url(re.compile(r"/demandes/nouvelle/"))
    audit(page, "application-new")
    page.get_by_label(re.compile(scheme_label)).check()
    page.get_by_role("button", name="Commencer ma demande").click()
    page.wait_for_url(re.compile(r"/etape/1/"))


def _submitted(code: str, student) -> Application:
    """A file of `code` submitted by `student` with its documents, in instruction."""
    app = services.application_create(student=student, scheme=Scheme.objects.get(code=code))
    services.application_update(application=app, by=student, data=flows.DATA[code], first_name="Léa",
                                last_name="Martin", iban=flows.IBAN, account_holder="Léa Martin")
    for kind in required_kinds(code):
        services.document_add(application=app, by=student, kind=kind, upload=SimpleUploadedFile("p.pdf", PDF))
    return services.application_submit(application=app, by=student, today=date(2025, 6, 1))
