"""Whole journeys in a real browser, on a phone-sized screen."""

import re
from datetime import date

import pytest
import time_machine

from applications.documents import required_kinds
from applications.models import Application
from applications.states import State
from schemes.models import ZoningEntry
from tests.flows import PDF, user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_simulator_without_an_account(live_server, page):
    page.goto(f"{live_server.url}/simulateur/")
    page.locator("input[name=scheme][value=horizons]").check()
    page.locator("#id_submitted_on").fill("2025-06-01")
    page.locator("#id_aid").select_option("grant")
    page.locator("#id_h_level").select_option("M1")
    for name in ("h_establishment_in_region", "h_recognised_diploma", "h_scholarship_holder", "h_in_curriculum"):
        page.locator(f"#id_{name}").check()
    page.locator("input[name=h_kind][value=study]").check()
    page.locator("#id_h_start_date").fill("2025-09-01")
    page.locator("#id_h_end_date").fill("2025-12-19")
    page.locator("#id_h_country").select_option("DE")
    page.get_by_role("button", name="Calculer").click()
    result = page.get_by_role("status")
    result.wait_for()
    text = result.inner_text()
    assert "éligible" in text.lower() and re.search(r"1\s?120,00", text)
    assert "Art. 6" in page.locator("main").inner_text()  # each line of the calculation cites its article


def test_student_applies_from_signup_to_submission(live_server, page, tmp_path, settings):
    student = user("etudiante")
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=student, email=student.email, verified=True, primary=True)
    # The student never types a zone: the portal reads the ARS zoning of the supervisor's commune.
    ZoningEntry.objects.create(commune_insee="11069", commune_name="Carcassonne", category="zac", valid_from=date(2023, 1, 1))
    pdf = tmp_path / "piece.pdf"
    pdf.write_bytes(PDF)
    # The mobility starts on 1 September 2025: apply in June, as a student would.
    with time_machine.travel(date(2025, 6, 2), tick=True):
        page.goto(f"{live_server.url}/comptes/login/")
        page.locator("input[name=login]").fill(student.email)
        page.locator("input[name=password]").fill("pw-demo-2026")
        page.locator("form").filter(has=page.locator("input[name=password]")).get_by_role("button").last.click()
        page.wait_for_url(re.compile(r"/tableau-de-bord/"))
        page.get_by_role("link", name=re.compile("Nouvelle demande")).click()
        page.get_by_label(re.compile("médecine de 2e cycle")).check()
        page.get_by_role("button", name=re.compile("Commencer|Créer|Continuer")).click()
        page.wait_for_url(re.compile(r"/etape/1/"))
        page.locator("#id_first_name").fill("Léa")
        page.locator("#id_last_name").fill("Martin")
        page.locator("#id_birth_date").fill("2002-04-17")
        page.locator("#id_phone").fill("06 12 34 56 78")
        page.locator("#id_address").fill("12 rue des Lois, 31000 Toulouse")
        page.get_by_role("button", name=re.compile("Enregistrer")).click()
        page.wait_for_url(re.compile(r"/etape/2/"))
        page.locator("#id_cycle").select_option("2")
        page.locator("#id_faculty").select_option("montpellier")
        page.locator("#id_start_date").fill("2026-01-05")
        page.locator("#id_end_date").fill("2026-04-04")
        page.locator("#id_specialty").select_option("general_medicine")
        page.locator("#id_supervisor_commune_insee").fill("11069")
        page.locator("input[name=passed_first_year_exam][value=true]").check()
        page.get_by_role("button", name=re.compile("Enregistrer")).click()
        page.wait_for_url(re.compile(r"/etape/3/"))
        estimate = page.locator("main").inner_text()
        assert re.search(r"1\s?800,00", estimate), estimate  # the live estimate
        page.locator("#id_iban").fill("FR76 3000 6000 0112 3456 7890 189")
        page.locator("#id_account_holder").fill("Léa Martin")
        page.get_by_role("button", name=re.compile("Enregistrer")).click()
        page.wait_for_url(re.compile(r"/etape/4/"))
        # One form per required document (four for the Aude), in the page's order.
        for _ in required_kinds("aude"):
            form = page.locator("form").filter(has=page.get_by_role("button", name="Envoyer")).first
            form.locator("input[type=file]").set_input_files(str(pdf))
            form.get_by_role("button", name="Envoyer").click()
            page.wait_for_load_state()
        page.get_by_role("link", name="Continuer").click()
        page.wait_for_url(re.compile(r"/etape/5/"))
        page.locator("input[type=checkbox]").first.check()
        page.get_by_role("button", name=re.compile("Déposer")).click()
        page.wait_for_url(re.compile(r"/confirmation/"))
        reference = Application.objects.get(student=student).reference
        assert reference and reference in page.content()
    assert Application.objects.get(student=student).state == State.IN_INSTRUCTION
