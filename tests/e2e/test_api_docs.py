"""The API's documentation page passes the same accessibility audit as every other page."""

import re

import pytest

from tests.e2e.conftest import audit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_api_docs_page_is_accessible_and_links_the_openapi_document(live_server, page):
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="API ouverte").click()
    page.wait_for_url(re.compile(r"/api/v1/docs$"))
    assert page.locator("html").get_attribute("lang") == "fr"
    audit(page, "api-docs", screenshot=True)
    # Every schema named in a type is a link to its own section on the page.
    page.locator(".api-operation").get_by_role("link", name="SimulationCase").first.click()
    assert page.evaluate("location.hash") == "#schema-SimulationCase"
    assert page.locator("#schema-SimulationCase").is_visible()
    response = page.request.get(live_server.url + page.locator(".api-openapi-link").get_attribute("href"))
    assert response.ok and response.json()["paths"]["/api/v1/simulate"]["post"]
