"""The officer's header in a real browser, from a small phone to a wide screen: menus grouped
(Instruction, Décisions, Paiements) and the account in a menu keep it short and on one line from
992 px on; it never makes the page scroll sideways; the language selector and the account menu
stay reachable at every width. The pages whose tables used to overflow on a phone (recovery, the
Aude dashboard, appeals) are audited too."""

import re
from datetime import date

import pytest
import time_machine

from accounts.models import OfficerMembership, User
from schemes.models import Scheme
from tests.flows import decided_file

from .conftest import audit
from .support import off_the_event_loop, signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = (320, 375, 1024, 1280, 1920)
FOLDED_BELOW = 992  # Bootstrap's navbar-expand-lg: below it the menu folds behind a toggler
# Measured with the portal's name on two lines at 1024 px (96 px) and one line from 1200 px (57
# px); folded, the brand and the toggler (67-73 px). A bar that wraps its menus grows past these.
MAX_HEIGHT = {"folded": 100, "open": 110}
PAGES = {"aftercare-queue": "/instruction/recours/", "recovery": "/recouvrement/",
         "aude-dashboard": "/tableau-de-bord/collectivite/"}
# A long address, as some authorities give their agents: it must not stretch the bar.
EMAIL = "agent.tres.long.nom@collectivite-territoriale.example.org"


def layout(page) -> dict:
    return page.evaluate("""() => {
        const middles = [...document.querySelectorAll('#portal-menu > .navbar-nav > .nav-item')]
            .filter(e => e.offsetParent !== null)
            .map(e => { const r = e.getBoundingClientRect(); return (r.top + r.bottom) / 2; });
        return {
            height: document.querySelector('header.portal-header').getBoundingClientRect().height,
            overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
            middles: middles,
        };
    }""")


def check_header(page, width, *, menus=False):
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_timeout(50)
    state = layout(page)
    folded = width < FOLDED_BELOW
    assert state["overflow"] <= 0, (width, state)
    assert state["height"] <= MAX_HEIGHT["folded" if folded else "open"], (width, state)
    if not folded:
        # Simulator, three menus, account, language: six entries, their middles on one line.
        middles = state["middles"]
        assert len(middles) == 6 and max(middles) - min(middles) <= 4, (width, state)
        assert page.get_by_label("Langue").is_visible()
    if not menus:
        return
    toggler = page.get_by_role("button", name="Afficher ou masquer le menu")
    if folded:
        assert toggler.is_visible() and not page.get_by_label("Langue").is_visible()
        toggler.click()
        page.locator("#portal-menu.show").wait_for()
    language = page.get_by_label("Langue")
    assert language.is_visible() and language.bounding_box()["x"] + language.bounding_box()["width"] <= width
    for menu, entry in (("Instruction", "Dossiers à instruire"), ("Décisions", "Séances de commission"),
                        ("Paiements", "Recouvrement")):
        page.get_by_role("button", name=menu, exact=True).click()
        assert page.get_by_role("link", name=entry, exact=True).is_visible()
        page.keyboard.press("Escape")
    page.get_by_role("button", name="Mon compte").click()
    address = page.locator(".portal-account-menu").get_by_text(EMAIL)
    address.wait_for()
    box = address.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (width, box)
    assert page.get_by_role("button", name="Se déconnecter").is_visible()
    assert layout(page)["overflow"] <= 0, width  # the open menus never widen the page either
    page.reload()  # menus closed, folded bar closed: as the next width's visitor finds it


def test_officer_header_holds_from_320_to_1920_px(live_server, page):
    agent = User.objects.create_user(username=EMAIL, email=EMAIL, password="pw-demo-2026")
    OfficerMembership.objects.create(user=agent, authority=Scheme.objects.get(code="aude").authority)
    # A decided Aude file, so that the dashboard's and recovery's tables have rows.
    with time_machine.travel(date(2026, 1, 6), tick=True):
        app = off_the_event_loop(decided_file, "aude", agent, act_date=date(2026, 1, 6))
        signed_in(page, live_server, agent)
        page.goto(f"{live_server.url}/instruction/")
        for width in WIDTHS:
            check_header(page, width)
        for width in WIDTHS:
            check_header(page, width, menus=True)
        for name, path in PAGES.items():
            page.goto(live_server.url + path)
            audit(page, name)
            for width in WIDTHS:
                check_header(page, width)
        assert re.search(r"Nombre d'étudiants aidés", page.locator("main").inner_text())
        assert app.reference
