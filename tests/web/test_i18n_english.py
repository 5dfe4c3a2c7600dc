"""The portal in English: /en/ pages, the language switcher, and a complete catalogue.

The catalogue's compiled .mo is committed, so these tests need no gettext on the machine."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


@pytest.fixture(autouse=True)
def _back_to_french():
    # LocaleMiddleware leaves the last request's language active in the thread: an /en/ request
    # must not turn the next test's labels English.
    yield
    translation.activate(settings.LANGUAGE_CODE)


def switcher_form(html: str) -> dict[str, str]:
    form = re.search(r'<form class="language-switcher" action="([^"]+)" method="post">(.*?)</form>', html, re.S)
    assert form, html
    fields = dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', form.group(2)))
    return {"action": form.group(1), "next": fields["next"]}


def text(response) -> str:
    return unescape(response.content.decode())


def test_simulator_in_english(client):
    response = client.get("/en/simulateur/")
    assert response.status_code == 200
    html = text(response)
    assert '<html lang="en">' in html
    assert "Aid simulator" in html  # the page heading
    assert "Simulator – Student Aid Portal" in html  # the title
    assert ">Calculate</button>" in html  # the submit button
    assert "Destination country" in html and "Mobility start date" in html  # field labels
    assert "Simulateur d'aides" not in html and ">Calculer<" not in html
    # The header too: the menu and its toggler speak English.
    assert "Sign in" in html and "Create an account" in html
    assert 'aria-label="Show or hide the menu"' in html


def test_simulator_stays_french_by_default(client):
    response = client.get("/simulateur/")
    html = text(response)
    assert '<html lang="fr">' in html
    assert "Simulateur d'aides" in html and ">Calculer</button>" in html
    assert "Aid simulator" not in html


def test_language_switcher_switches_to_english_and_back(client):
    french = switcher_form(client.get("/simulateur/").content.decode())
    assert french["action"] == reverse("set_language")
    response = client.post(french["action"], {"language": "en", "next": french["next"]}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/en/simulateur/"
    html = text(response)
    assert '<html lang="en">' in html and "Aid simulator" in html

    # Back to French from the English page: the switcher must not keep the /en/ prefix.
    english = switcher_form(response.content.decode())
    response = client.post(english["action"], {"language": "fr", "next": english["next"]}, follow=True)
    assert response.redirect_chain[-1][0] == "/simulateur/"
    html = text(response)
    assert '<html lang="fr">' in html and "Simulateur d'aides" in html


def test_english_result_and_engine_reasons_stay_consistent(client):
    # The engine's reasons are French by contract (schemes/engine/reasons.py); the page around
    # them is English.
    response = client.post("/en/simulateur/", {"scheme": "horizons"})
    assert response.status_code == 200
    html = text(response)
    assert "The calculation could not be done: correct the following points" in html


def test_catalogue_is_complete_without_fuzzy_entries():
    po = PO.read_text(encoding="utf-8")
    assert "#, fuzzy" not in po
    entries = po.split("\n\n")[1:]  # the first block is the header
    untranslated = [
        e for e in entries if re.search(r'^msgstr(\[\d\])? ""\n?$', e, re.M) and '\n"' not in e.split("msgstr", 1)[1]
    ]
    assert untranslated == []
    assert (PO.with_suffix(".mo")).stat().st_size > 0


def test_gettext_answers_in_english_for_domain_labels():
    with translation.override("en"):
        from schemes.forms import AID_CHOICES

        assert str(dict(AID_CHOICES)["grant"]) == "Study and internship grant"
        assert translation.gettext("Oui") == "Yes"


def test_officer_pages_in_english(client):
    from tests.flows import officer

    client.force_login(officer("horizons"))
    response = client.get("/en/commission/")
    assert response.status_code == 200
    html = text(response)
    assert '<html lang="en">' in html
    assert "Committee meetings" in html and "Séances de la commission" not in html
    # The officers' menus: instruction, decisions (meetings, appeals), payments (recovery, dashboard).
    assert ">Decisions</button>" in html and ">Payments</button>" in html and ">My account</button>" in html
    assert ">Committee meetings</a>" in html and ">Appeals and changes</a>" in html and ">Dashboard</a>" in html

    response = client.get("/en/paiements/")
    assert response.status_code == 200
    html = text(response)
    assert "Payments" in html and "Payable instalments" in html and "Payment batches" in html
    assert "Échéances payables" not in html and "Lots de paiement" not in html


def test_catalogue_has_no_untranslated_entry():
    po = polib.pofile(str(PO))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
