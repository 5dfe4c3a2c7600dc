"""Whole journeys in a real browser, on a phone-sized screen. The student's journeys (sign-up,
the three schemes, the document request, the agreement, the balance) are in
test_student_journeys.py."""

import re

import pytest

from tests.e2e.conftest import audit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_simulator_without_an_account(live_server, page):
    page.goto(f"{live_server.url}/simulateur/")
    audit(page, "simulator-anonymous")
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
    assert page.evaluate("document.activeElement.id") == "result-heading"  # the result is announced
    audit(page, "simulator-anonymous-result")


@pytest.mark.parametrize("path", [
    "/", "/regles/horizons/", "/regles/aude/", "/regles/haute-garonne/",
    "/mentions-legales/", "/accessibilite/", "/donnees-personnelles/", "/contact/",
])
def test_public_pages(live_server, page, path):
    """What anyone reaches from the footer and the home page, without an account: the rules each
    scheme applies (long tables, scrolled in keyboard-reachable regions on a phone) and the pages
    a public-service site owes its users."""
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == 200
    audit(page, "public" + path.rstrip("/").replace("/", "-"), screenshot=path == "/")
    for region in page.locator(".table-responsive").all():
        assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"
