"""The simulator's "Faire ma demande": the answers go, through the session, into the new draft's
situation step; nothing of them in a URL, and only into the scheme simulated."""

import pytest
from django.urls import reverse

from applications.models import Application
from schemes.models import Scheme
from schemes.views import SIMULATION_ANSWERS
from tests.flows import user
from tests.web.test_simulator_page import AUDE, HAUTE_GARONNE, HORIZONS_GRANT

pytestmark = pytest.mark.django_db
SIMULATOR = reverse("schemes:simulator")
NEW = reverse("applications:application_new")


def test_the_result_offers_to_apply(client):
    page = client.post(SIMULATOR, HORIZONS_GRANT).content.decode()
    assert 'form="simulator-form" name="apply"' in page and "Faire ma demande" in page


def test_anonymous_visitor_is_sent_to_sign_in_with_the_answers_kept(client):
    response = client.post(SIMULATOR, {**HORIZONS_GRANT, "apply": "1"})
    assert response.status_code == 302 and response["Location"] == NEW
    assert "2025-09-01" not in response["Location"]  # the situation stays out of URLs
    assert client.session[SIMULATION_ANSWERS]["mobility"]["start_date"] == "2025-09-01"
    assert reverse("account_login") in client.get(NEW)["Location"]


def test_horizons_answers_fill_the_draft(client):
    student = user("sim")
    client.force_login(student)
    client.post(SIMULATOR, {**HORIZONS_GRANT, "apply": "1"})
    page = client.get(NEW)
    horizons = Scheme.objects.get(code="horizons")
    assert page.context["form"].initial == {"scheme": horizons, "aid": "grant"}
    assert "Vos réponses au simulateur seront reprises" in page.content.decode()

    from accounts.models import Establishment

    school = Establishment.objects.create(name="Université Toulouse Capitole", uai="0311382J")
    response = client.post(NEW, {"scheme": horizons.pk, "aid": "grant", "establishment": school.pk})
    app = Application.objects.get(student=student)
    assert response["Location"] == reverse("applications:draft_step", args=[app.pk, 1])
    assert app.data["student"] == {"level": "M1", "establishment_in_region": True, "recognised_diploma": True,
                                   "scholarship_holder": True, "apprentice": False}
    assert app.data["mobility"]["country"] == "DE" and app.data["mobility"]["end_date"] == "2025-12-19"
    assert "submitted_on" not in app.data and "scheme" not in app.data
    step = client.get(reverse("applications:draft_step", args=[app.pk, 2]))
    assert step.context["form"].initial["start_date"] == "2025-09-01"
    assert SIMULATION_ANSWERS not in client.session  # read once


@pytest.mark.parametrize("answers, code, expected", [
    (AUDE, "aude", {"student": {"cycle": 2, "faculty": "montpellier", "passed_first_year_exam": True},
                    "internship": {"start_date": "2026-01-05", "end_date": "2026-04-04",
                                   "specialty": "general_medicine", "supervisor_commune_insee": "11069"}}),
    (HAUTE_GARONNE, "haute-garonne", {
        "student": {"cycle": 3, "specialty": "general_medicine", "scholarship_holder": True},
        "internship": {"start_date": "2025-11-03", "end_date": "2026-05-02", "commune_insee": "31069"},
        "indemnities": ["travel", "housing"]}),
])
def test_medical_answers_fill_the_draft_without_the_zone(client, answers, code, expected):
    # The zone is the portal's to find from the commune (ARS zoning): never taken from the simulator.
    student = user("sim")
    client.force_login(student)
    client.post(SIMULATOR, {**answers, "apply": "1"})
    client.post(NEW, {"scheme": Scheme.objects.get(code=code).pk})
    app = Application.objects.get(student=student)
    for section, values in expected.items():
        if isinstance(values, dict):
            assert {k: app.data[section].get(k) for k in values} == values
            assert "zone" not in app.data[section]
        else:
            assert app.data[section] == values


def test_answers_are_not_carried_into_another_scheme(client):
    student = user("sim")
    client.force_login(student)
    client.post(SIMULATOR, {**AUDE, "apply": "1"})
    client.post(NEW, {"scheme": Scheme.objects.get(code="haute-garonne").pk})
    app = Application.objects.get(student=student)
    assert not app.data.get("internship") and SIMULATION_ANSWERS not in client.session


def test_invalid_answers_stay_on_the_simulator(client):
    response = client.post(SIMULATOR, {**AUDE, "au_start_date": "pas une date", "apply": "1"})
    assert response.status_code == 200 and SIMULATION_ANSWERS not in client.session
