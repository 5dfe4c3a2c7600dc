"""Hostile input to the simulator: wrong types, dates at the edge of the calendar, oversized
batches, a client that will not stop. Each is refused per field or per limit, never with a 500,
on the API, the command line, the public page and the student's draft alike."""

import copy
import io
import json
import logging

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from applications import services
from applications.models import Application
from core.net import client_ip
from tests.flows import horizons_actors, horizons_draft

pytestmark = pytest.mark.django_db
URL = "/api/v1/simulate"

GRANT = {
    "scheme": "horizons",
    "aid": "grant",
    "submitted_on": "2025-06-01",
    "student": {"level": "M1", "establishment_in_region": True, "recognised_diploma": True,
                "scholarship_holder": True},
    "mobility": {"kind": "study", "start_date": "2025-09-01", "end_date": "2025-12-19", "country": "DE",
                 "in_curriculum": True},
}
AUDE = {
    "scheme": "aude",
    "submitted_on": "2025-06-01",
    "student": {"cycle": 2, "faculty": "toulouse"},
    "internship": {"start_date": "2025-11-03", "end_date": "2026-05-02", "specialty": "general_medicine",
                   "supervisor_commune_insee": "11069", "zone": "zip"},
}


def post(client, body, **extra):
    text = body if isinstance(body, str) else json.dumps(body)
    return client.post(URL, text, content_type="application/json", **extra)


def with_mobility(**fields):
    case = copy.deepcopy(GRANT)
    case["mobility"].update(fields)
    return case


def cli(text):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as info:
        call_command("simulate", stdin=io.StringIO(text), stdout=out, stderr=err)
    return info.value.code, out.getvalue(), err.getvalue()


# --- Types --------------------------------------------------------------------------------------
@pytest.mark.parametrize("scheme", [[], {}, 3, True, ["horizons"], {"horizons": 1}])
def test_scheme_of_the_wrong_type_is_a_422_naming_the_field(client, scheme):
    response = post(client, {**GRANT, "scheme": scheme})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "scheme"
    assert "valeurs possibles" in response.json()["errors"][0]["message"]
    response = post(client, [GRANT, {**GRANT, "scheme": scheme}])
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["[1].scheme"]
    assert cli(json.dumps({**GRANT, "scheme": scheme}))[:2] == (2, "")


@pytest.mark.parametrize(("path", "value"), [
    ("student", []), ("mobility", "2025"), ("student.level", []), ("mobility.country", {}),
    ("mobility.start_date", 20250901), ("mobility.monthly_gratification", []), ("aid", {}),
    ("prior_awards", {}), ("other_aid", [1]),
])
def test_any_field_of_the_wrong_type_is_named(client, path, value):
    case = copy.deepcopy(GRANT)
    *parents, last = path.split(".")
    target = case
    for key in parents:
        target = target[key]
    target[last] = value
    response = post(client, case)
    assert response.status_code == 422
    assert path in [e["field"] for e in response.json()["errors"]]


# --- Dates at the edge of the calendar ------------------------------------------------------------
EDGE_DATES = ["9999-12-31", "9999-12-30", "2201-01-01", "1899-12-31", "0001-01-01"]


@pytest.mark.parametrize("value", EDGE_DATES)
@pytest.mark.parametrize("field", ["start_date", "end_date", "actual_end_date"])
def test_a_date_outside_1900_2200_is_refused_on_its_field(client, field, value):
    case = with_mobility(**{field: value})
    response = post(client, case)
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert {"field": f"mobility.{field}", "message": "date hors de la plage admise (du 01/01/1900 au 31/12/2200)"} in errors
    code, out, err = cli(json.dumps(case))
    assert (code, out) == (2, "") and f"mobility.{field}: date hors de la plage admise" in err


@pytest.mark.parametrize("value", EDGE_DATES)
def test_submission_and_internship_dates_are_bounded_too(client, value):
    for case, field in ((dict(GRANT, submitted_on=value), "submitted_on"),
                        ({**AUDE, "internship": {**AUDE["internship"], "end_date": value}}, "internship.end_date")):
        response = post(client, case)
        assert response.status_code == 422
        assert field in [e["field"] for e in response.json()["errors"]]


def test_the_last_day_of_the_range_is_computed():
    response = post(Client(), with_mobility(start_date="2200-09-01", end_date="2200-12-31"))
    assert response.status_code == 200 and response.json()["eligible"] in (True, False)


def test_simulator_page_shows_an_edge_date_next_to_its_field(client):
    data = {"scheme": "horizons", "aid": "grant", "submitted_on": "2025-06-01", "h_level": "M1",
            "h_establishment_in_region": "on", "h_recognised_diploma": "on", "h_scholarship_holder": "on",
            "h_kind": "study", "h_start_date": "2025-09-01", "h_end_date": "9999-12-31", "h_country": "DE",
            "h_in_curriculum": "on"}
    response = client.post(reverse("schemes:simulator"), data)
    assert response.status_code == 200
    assert response.context["verdict"] is None
    assert "h_end_date" in response.context["form"].errors
    assert "31/12/2200" in response.context["form"].errors["h_end_date"][0]


@pytest.mark.parametrize(("field", "value"), [("end_date", "9999-12-31"), ("start_date", "9999-12-30"),
                                              ("start_date", "0001-01-01")])
def test_student_draft_refuses_an_edge_date_and_keeps_its_data(client, field, value):
    actors = horizons_actors()
    app = horizons_draft(actors, documents=False)
    client.force_login(app.student)
    situation = {"aid": "grant", "level": "M1", "establishment_in_region": "true", "recognised_diploma": "true",
                 "scholarship_holder": "true", "kind": "study", "start_date": "2025-09-01",
                 "end_date": "2025-12-19", "country": "DE", "in_curriculum": "true", field: value}
    response = client.post(reverse("applications:draft_step", args=[app.pk, 2]), situation)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Application.objects.get(pk=app.pk).data == app.data


def test_student_identity_refuses_an_edge_birth_date(client):
    actors = horizons_actors()
    app = horizons_draft(actors, documents=False)
    client.force_login(app.student)
    identity = {"first_name": "Léa", "last_name": "Martin", "birth_date": "0001-01-01", "phone": "0611223344",
                "address": "1 rue du Taur"}
    response = client.post(reverse("applications:draft_step", args=[app.pk, 1]), identity)
    assert response.status_code == 200 and "birth_date" in response.context["form"].errors
    assert Application.objects.get(pk=app.pk).birth_date == app.birth_date
    assert services  # the draft was built through the services, as a student's is


# --- Batch size -----------------------------------------------------------------------------------
class CountingBody(io.RawIOBase):
    def __init__(self, data: bytes):
        self.data, self.consumed = data, 0

    def read(self, n=-1):
        n = len(self.data) - self.consumed if n is None or n < 0 else n
        chunk = self.data[self.consumed : self.consumed + n]
        self.consumed += len(chunk)
        return chunk

    def readline(self, n=-1):
        return self.read(n)


def test_a_body_over_the_cap_is_refused_before_it_is_read(client, settings):
    body = json.dumps([GRANT] * 2000).encode()
    assert len(body) > settings.SIMULATE_MAX_BODY_BYTES
    stream = CountingBody(body)
    response = client.generic("POST", URL, **{"wsgi.input": stream, "CONTENT_LENGTH": str(len(body)),
                                               "CONTENT_TYPE": "application/json"})
    assert response.status_code == 413
    assert stream.consumed == 0
    error = response.json()["errors"][0]
    assert error["field"] == "(corps)" and str(settings.SIMULATE_MAX_BODY_BYTES) in error["message"]


def test_too_many_cases_is_a_413_naming_the_limit_and_nothing_is_computed(client, settings, django_assert_max_num_queries):
    settings.SIMULATE_MAX_CASES = 10
    with django_assert_max_num_queries(0):
        response = post(client, [GRANT] * 11)
    assert response.status_code == 413
    assert response.json() == {"errors": [{"field": "(racine)", "message": (
        "11 cas : au plus 10 par requête ; envoyez-les en plusieurs fois")}]}
    assert post(client, [GRANT] * 10).status_code == 200


# --- Rate per client ------------------------------------------------------------------------------
@pytest.fixture
def limited(settings):
    from django.core.cache import cache

    settings.SIMULATE_RATE_CASES = 5
    settings.SIMULATE_RATE_WINDOW = 60
    cache.clear()
    yield settings
    cache.clear()


def test_a_client_over_its_budget_gets_429_with_retry_after(limited):
    client = Client(REMOTE_ADDR="203.0.113.7")
    assert post(client, [GRANT] * 3).status_code == 200
    assert post(client, [GRANT] * 2).status_code == 200
    response = post(client, GRANT)
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60
    message = response.json()["errors"][0]
    assert message["field"] == "(client)"
    assert "au plus 5 par 60 secondes" in message["message"] and f"réessayez dans {wait} secondes" in message["message"]
    # Another address has its own budget.
    assert post(Client(REMOTE_ADDR="203.0.113.8"), GRANT).status_code == 200


def test_a_batch_counts_each_of_its_cases(limited):
    client = Client(REMOTE_ADDR="198.51.100.1")
    assert post(client, [GRANT] * 6).status_code == 429


def test_the_proxy_header_names_the_client_only_when_configured(limited, rf):
    # The client wrote "198.51.100.66" itself; the one trusted proxy appended what it saw.
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.66, 203.0.113.9")
    assert client_ip(request) == "10.0.0.1"
    limited.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    limited.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"
    proxy = Client(REMOTE_ADDR="10.0.0.1")
    for address in ("203.0.113.20", "203.0.113.21"):
        assert post(proxy, [GRANT] * 5, HTTP_X_FORWARDED_FOR=address).status_code == 200
    assert post(proxy, GRANT, HTTP_X_FORWARDED_FOR="203.0.113.20").status_code == 429


def test_a_cache_outage_lets_requests_through_and_is_logged(limited, monkeypatch, caplog):
    from django.core.cache import cache

    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "add", broken)
    monkeypatch.setattr(cache, "incr", broken)
    client = Client(REMOTE_ADDR="192.0.2.50")
    with caplog.at_level(logging.WARNING, logger="aid_portal.security"):
        for _ in range(3):
            assert post(client, [GRANT] * 5).status_code == 200
    assert "cache unavailable" in caplog.text
