"""An administrator in a real browser: signs in with their TOTP code, adds a dated value of a
scheme's parameter in the Django admin, and the public simulator answers with the new value for
a mobility after its date and with the old one before it."""

import re
from datetime import date

import pyotp
import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from accounts.models import User
from schemes.models import Parameter, Scheme

from .conftest import audit
from .support import submit_sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def simulate_horizons_grant(page, live_server, start: str, end: str) -> str:
    """The simulator's answer for an M1 scholarship holder's study stay in Germany."""
    page.goto(f"{live_server.url}/simulateur/")
    page.locator("input[name=scheme][value=horizons]").check()
    page.locator("#id_submitted_on").fill("2027-06-01")
    page.locator("#id_aid").select_option("grant")
    page.locator("#id_h_level").select_option("M1")
    for name in ("h_establishment_in_region", "h_recognised_diploma", "h_scholarship_holder", "h_in_curriculum"):
        page.locator(f"#id_{name}").check()
    page.locator("input[name=h_kind][value=study]").check()
    page.locator("#id_h_start_date").fill(start)
    page.locator("#id_h_end_date").fill(end)
    page.locator("#id_h_country").select_option("DE")
    page.get_by_role("button", name="Calculer").click()
    result = page.get_by_role("status")
    result.wait_for()
    return result.inner_text()


def test_admin_adds_a_dated_rate_and_the_simulator_follows_it(live_server, page):
    admin = User.objects.create_user(username="admin@example.org", email="admin@example.org", password="pw-demo-2026",
                                     is_staff=True, is_superuser=True)
    secret = generate_totp_secret()
    TOTP.activate(admin, secret)
    horizons = Scheme.objects.get(code="horizons")
    # In May 2027 the Région votes 80 € a week for the stays from 1 September 2027 on (Art. 6).
    with time_machine.travel(date(2027, 5, 3), tick=True):
        submit_sign_in(page, live_server, admin)
        page.wait_for_url(re.compile(r"/comptes/2fa/authenticate/$"))
        audit(page, "admin-second-factor")
        # The code as an authenticator application shows it; the form's last button is "Annuler".
        page.locator("input[name=code]").fill(pyotp.TOTP(secret).now())
        page.locator("input[name=code]").press("Enter")
        page.wait_for_url(re.compile(r"/admin/$"))
        audit(page, "admin-index", screenshot=True)

        # A new value is a new dated row, never an edit of the old one (schemes/admin.py).
        page.get_by_role("row").filter(has=page.get_by_role("link", name="Paramètres datés", exact=True)) \
            .get_by_role("link", name="Ajouter").click()
        page.wait_for_url(re.compile(r"/admin/schemes/parameter/add/$"))
        audit(page, "admin-parameter-add")
        page.get_by_label("Dispositif").select_option(label=str(horizons))
        page.get_by_label("Paramètre").select_option("weekly_rate")
        page.locator("#id_valid_from").fill("01/09/2027")
        page.get_by_label("Valeur").fill("80,00")
        page.get_by_label("Source").fill("Délibération de la commission permanente du 28 avril 2027")
        page.get_by_role("button", name="Enregistrer", exact=True).click()
        page.wait_for_url(re.compile(r"/admin/schemes/parameter/$"))
        audit(page, "admin-parameters")
        assert re.search(r"weekly_rate\s+1 septembre 2027\s+80.00", page.locator("#result_list").inner_text())
        new = Parameter.objects.get(scheme=horizons, key="weekly_rate", valid_from=date(2027, 9, 1))
        assert new.value == "80.00"

        # 16 weeks each: from 6 September at the new rate, from 2 August at the old one.
        after = simulate_horizons_grant(page, live_server, "2027-09-06", "2027-12-24")
        audit(page, "simulator-result")
        assert re.search(r"1\s?280,00", after), after
        before = simulate_horizons_grant(page, live_server, "2027-08-02", "2027-11-19")
        assert re.search(r"1\s?120,00", before), before
