"""The student simulator page: no login, French, same engine as the CLI and the API."""

import json
import re
from html import unescape
from pathlib import Path

import pytest
from django.urls import reverse

from schemes.forms import FIELD_PATHS

pytestmark = pytest.mark.django_db

CASES_FILE = Path(__file__).resolve().parents[2].parent / "shared/acceptance/public-cases.json"
CASES = json.loads(CASES_FILE.read_text(encoding="utf-8")) if CASES_FILE.exists() else []
NNBSP, NBSP = "\u202f", "\xa0"

# The first public case, as a student fills the page in.
HORIZONS_GRANT = {
    "scheme": "horizons",
    "aid": "grant",
    "submitted_on": "2025-06-01",
    "h_level": "M1",
    "h_establishment_in_region": "on",
    "h_recognised_diploma": "on",
    "h_scholarship_holder": "on",
    "h_kind": "study",
    "h_start_date": "2025-09-01",
    "h_end_date": "2025-12-19",
    "h_country": "DE",
    "h_in_curriculum": "on",
}
HAUTE_GARONNE = {
    "scheme": "haute-garonne",
    "hg_cycle": "3",
    "hg_specialty": "general_medicine",
    "hg_scholarship_holder": "on",
    "hg_start_date": "2025-11-03",
    "hg_end_date": "2026-05-02",
    "hg_commune_insee": "31069",
    "hg_zone": "zip",
    "hg_indemnities": ["travel", "housing"],
}
AUDE = {
    "scheme": "aude",
    "au_cycle": "2",
    "au_faculty": "montpellier",
    "au_passed_first_year_exam": "on",
    "au_start_date": "2026-01-05",
    "au_end_date": "2026-04-04",
    "au_specialty": "general_medicine",
    "au_supervisor_commune_insee": "11069",
    "au_zone": "zac",
}


def text_of(response) -> str:
    """The page's visible text, spaces normalised (French amounts use no-break spaces)."""
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    text = unescape(re.sub(r"<[^>]+>", " ", html)).replace(NNBSP, " ").replace(NBSP, " ")
    return re.sub(r"\s+", " ", text)


def result_text(response) -> str:
    html = response.content.decode()
    match = re.search(r'<section id="result".*?</section>', html, flags=re.S)
    assert match, "no result section on the page"
    text = unescape(re.sub(r"<[^>]+>", " ", match.group(0))).replace(NNBSP, " ").replace(NBSP, " ")
    return re.sub(r"\s+", " ", text)


def post(client, data):
    return client.post(reverse("schemes:simulator"), data)


def test_home_links_to_simulator(client):
    response = client.get("/")
    assert response.status_code == 200
    assert reverse("schemes:simulator").encode() in response.content


def test_get_in_french_without_login(client):
    response = client.get("/simulateur/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Simulateur d'aides" in unescape(html)
    assert 'href="#main"' in html and 'id="main"' in html  # skip link and main landmark
    assert "csrfmiddlewaretoken" in html and 'method="post"' in html
    assert "/static/vendor/bootstrap/bootstrap.min.css" in html
    for fieldset in ('data-scheme="horizons"', 'data-scheme="haute-garonne"', 'data-scheme="aude"'):
        assert fieldset in html
    assert 'name="language"' in html  # the language switcher


def test_horizons_grant_shows_amount_article_and_weeks(client):
    response = post(client, HORIZONS_GRANT)
    assert response.status_code == 200
    result = result_text(response)
    assert "Vous êtes éligible" in result
    assert "1 120,00 €" in result
    assert "Art. 6" in result
    assert "16 semaines aidées" in result
    assert 'role="status"' in response.content.decode()


def test_settlement_shown_when_actual_end_date_given(client):
    response = post(client, {**HORIZONS_GRANT, "h_actual_end_date": "2025-11-28"})
    result = result_text(response)
    assert "Montant définitif 910,00 €" in result
    assert "Avance versée (60 %) 672,00 €" in result
    assert "Solde à recevoir 238,00 €" in result
    assert "Somme à reverser 0,00 €" in result


def test_ineligible_case_shows_reason_message_and_advice(client):
    from schemes.engine.reasons import CATALOGUE

    data = {key: value for key, value in HORIZONS_GRANT.items() if key != "h_scholarship_holder"}
    response = post(client, data)
    assert response.status_code == 200
    result = result_text(response)
    assert "Vous n'êtes pas éligible" in result
    assert "0,00 €" in result
    assert CATALOGUE["not_scholarship_holder"].message in result
    assert CATALOGUE["not_scholarship_holder"].advice in result
    assert "Ce que vous pouvez faire" in result


def test_end_before_start_is_shown_next_to_the_field(client):
    response = post(client, {**HORIZONS_GRANT, "h_end_date": "2025-08-01"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="result"' not in html
    # In the error summary, linked to the field...
    assert re.search(r'<a href="#id_h_end_date">[^<]*la date de fin précède la date de début', html)
    # ...and next to the field, tied to it by aria-describedby.
    field = re.search(r'<div id="div_id_h_end_date".*?</div>\s*</div>', html, flags=re.S).group(0)
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="id_h_end_date_error"' in field
    assert "la date de fin précède la date de début" in field


def test_engine_rejects_missing_fields_of_the_chosen_scheme_only(client):
    # Garbage in the Aude fieldset is ignored when Haute-Garonne is chosen.
    response = post(
        client, {**HAUTE_GARONNE, "au_start_date": "not a date", "hg_commune_insee": ""}
    )
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert '<a href="#id_hg_commune_insee">' in html
    assert "champ obligatoire" in html
    assert "au_start_date" not in re.search(r'id="error-summary".*?</div>', html, flags=re.S).group(
        0
    )


def test_empty_post_asks_for_the_scheme(client):
    response = post(client, {})
    assert response.status_code == 200
    assert 'href="#id_scheme_0"' in response.content.decode()


def test_haute_garonne_submission(client):
    result = result_text(post(client, HAUTE_GARONNE))
    assert "Vous êtes éligible" in result
    assert "2 400,00 €" in result
    assert "1 200,00 €" in result  # one line per indemnity


def test_haute_garonne_one_indemnity(client):
    result = result_text(post(client, {**HAUTE_GARONNE, "hg_indemnities": ["housing"]}))
    assert "1 200,00 €" in result and "2 400,00 €" not in result


def test_aude_submission(client):
    result = result_text(post(client, AUDE))
    assert "Vous êtes éligible" in result
    assert "1 800,00 €" in result
    ineligible = result_text(post(client, {**AUDE, "au_faculty": "other"}))
    assert "Vous n'êtes pas éligible" in ineligible
    assert "Toulouse ou de Montpellier" in ineligible


def _form_data(case_input: dict) -> dict:
    """A public case as the page's form fields (the inverse of the form's payload mapping)."""
    scheme = case_input["scheme"]
    data = {"scheme": scheme}
    for name, path in FIELD_PATHS[scheme].items():
        node = case_input
        for key in path.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        if node is None or node is False:
            continue
        data[name] = (
            "on" if node is True and name not in ("h_partner_region", "h_oda_country") else node
        )
        if name in ("h_partner_region", "h_oda_country"):
            data[name] = "true" if node else "false"
    # The page offers the faculties and specialties the rules name, and "other" for the rest.
    for name in ("au_faculty", "au_specialty", "hg_specialty"):
        if name in data and data[name] not in ("toulouse", "montpellier", "general_medicine"):
            data[name] = "other"
    if scheme == "haute-garonne" and "indemnities" not in case_input:
        data["hg_indemnities"] = ["travel", "housing"]
    return data


@pytest.mark.skipif(not CASES, reason=f"public acceptance cases not found at {CASES_FILE}")
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_page_agrees_with_every_public_case(client, case):
    expected = case["expected"]
    response = post(client, _form_data(case["input"]))
    assert response.status_code == 200
    result = result_text(response)
    assert ("Vous êtes éligible" in result) is expected["eligible"]
    whole, cents = expected["amount"].split(".")
    grouped = f"{int(whole):,}".replace(",", " ")
    assert f"Montant : {grouped},{cents} €" in result
