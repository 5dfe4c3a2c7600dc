"""Establishment staff in a real browser: they sign in, land on their own queue, open a file
awaiting their opinion and give it. Every page goes through the accessibility audit."""

import re
from datetime import date

import pytest
import time_machine

from applications import services
from applications.models import Application
from applications.states import State
from tests.flows import horizons_actors, horizons_draft

from .conftest import audit
from .support import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_staff_give_their_opinion(live_server, page):
    actors = horizons_actors()
    app = services.application_submit(application=horizons_draft(actors), by=actors["student"], today=date(2025, 6, 1))
    assert app.state == State.AWAITING_OPINION
    with time_machine.travel(date(2025, 6, 4), tick=True):
        sign_in(page, live_server, actors["staff"], lands_on="/etablissement/", check_page=True)
        audit(page, "staff-home", screenshot=True)
        row = page.get_by_role("row").filter(has_text=app.reference)
        row.get_by_role("link", name="Donner l'avis", exact=True).click()
        page.wait_for_url(re.compile(rf"/etablissement/{app.pk}/avis/$"))
        audit(page, "staff-opinion")
        page.get_by_label("Favorable", exact=True).check()
        page.get_by_label("Commentaire").fill("Projet cohérent avec le cursus.")
        page.get_by_role("button", name="Valider l'avis").click()
        # Without the confirmation box the form comes back with its error, and nothing is written.
        page.get_by_label(re.compile("Je valide l'avis")).wait_for()
        assert Application.objects.get(pk=app.pk).state == State.AWAITING_OPINION
        audit(page, "staff-opinion-error")
        page.get_by_label(re.compile("Je valide l'avis")).check()
        page.get_by_role("button", name="Valider l'avis").click()
        page.wait_for_url(re.compile(r"/etablissement/$"))
        assert app.reference not in page.locator("main").inner_text()
        page.get_by_role("link", name="Avis validés").click()
        page.wait_for_url(re.compile(r"onglet=valides"))
        audit(page, "staff-validated")
        assert re.search(rf"{app.reference}.*Favorable", page.locator("tbody").inner_text(), re.S)
    app.refresh_from_db()
    assert app.state == State.IN_INSTRUCTION and app.opinion.favourable and app.opinion.given_by == actors["staff"]
