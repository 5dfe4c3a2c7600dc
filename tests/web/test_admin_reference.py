"""The admin of the schemes' data: every page opens, ill-shaped parameters are refused with a
form error, and a new dated value changes the answers from its date on and not before."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from schemes.models import (
    OdaCountry,
    Parameter,
    PartnerRegion,
    PegasusInstitution,
    Scheme,
    ZoningEntry,
)
from schemes.simulation import simulate_one
from tests.flows import admin_sign_in

pytestmark = pytest.mark.django_db

MODELS = ["scheme", "parameter", "zoningentry", "partnerregion", "odacountry", "pegasusinstitution"]


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@example.org", "pw-Admin-2025")
    admin_sign_in(client, user)
    return client


@pytest.fixture
def horizons():
    return Scheme.objects.get(code="horizons")


def grant(start: date, end: date) -> dict:
    return {
        "scheme": "horizons",
        "aid": "grant",
        "submitted_on": "2027-06-01",
        "student": {
            "level": "M1",
            "establishment_in_region": True,
            "recognised_diploma": True,
            "scholarship_holder": True,
        },
        "mobility": {
            "kind": "study",
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "country": "DE",
            "in_curriculum": True,
        },
    }


def post_parameter(client, scheme, key, value, valid_from="2027-09-01"):
    return client.post(
        reverse("admin:schemes_parameter_add"),
        {"scheme": scheme.pk, "key": key, "valid_from": valid_from, "value": value, "source": "t"},
    )


def form_errors(response) -> dict:
    return response.context["adminform"].form.errors


@pytest.mark.parametrize("model", MODELS)
def test_changelist_and_add_form_open(admin_client, model):
    ZoningEntry.objects.create(
        commune_insee="31069", commune_name="Blagnac", category="zip", valid_from=date(2023, 1, 1)
    )
    PartnerRegion.objects.create(
        name="Catalogne", country="ES", subdivision="ES-CT", valid_from=date(2015, 9, 1)
    )
    OdaCountry.objects.create(country="SN", name="Sénégal", valid_from=date(2024, 1, 1))
    PegasusInstitution.objects.create(name="ISAE-SUPAERO", country="FR", city="Toulouse")
    for view in ("changelist", "add"):
        response = admin_client.get(reverse(f"admin:schemes_{model}_{view}"))
        assert response.status_code == 200, (model, view)


def test_change_pages_open_and_filters_work(admin_client, horizons):
    rate = Parameter.objects.get(scheme=horizons, key="weekly_rate")
    response = admin_client.get(reverse("admin:schemes_parameter_change", args=[rate.pk]))
    assert response.status_code == 200
    assert "Art. 6" in response.content.decode()  # the article the value implements
    response = admin_client.get(reverse("admin:schemes_scheme_change", args=[horizons.pk]))
    assert response.status_code == 200
    assert "weekly_rate" in response.content.decode()  # the read-only parameter history
    response = admin_client.get(
        reverse("admin:schemes_parameter_changelist"), {"scheme__id__exact": horizons.pk}
    )
    assert response.status_code == 200
    assert {p.scheme_id for p in response.context["cl"].result_list} == {horizons.pk}


def test_zoning_search_by_insee_prefix_and_name(admin_client):
    for insee, name in [("31069", "Blagnac"), ("11069", "Carcassonne"), ("31555", "Toulouse")]:
        ZoningEntry.objects.create(
            commune_insee=insee, commune_name=name, category="none", valid_from=date(2023, 1, 1)
        )
    url = reverse("admin:schemes_zoningentry_changelist")
    found = admin_client.get(url, {"q": "31"}).context["cl"].result_list
    assert sorted(z.commune_insee for z in found) == ["31069", "31555"]
    found = admin_client.get(url, {"q": "carcass"}).context["cl"].result_list
    assert [z.commune_insee for z in found] == ["11069"]
    found = admin_client.get(url, {"category__exact": "none", "validity": "current"})
    assert len(found.context["cl"].result_list) == 3


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("weekly_rate", '"abc"'),  # JSON, but not an amount
        ("weekly_rate", "abc"),  # not even JSON
        ("weekly_rate", '"-5"'),
        ("grant_bands", "[1]"),
        ("grant_bands", '{"study": {"M1": [36, 12]}}'),  # minimum above maximum
        ("cheque_tiers", '[[6, "600.00"], [12, "300.00"]]'),
        ("annual_weeks_cap", '"36"'),
    ],
)
def test_ill_shaped_value_is_a_form_error_and_writes_nothing(admin_client, horizons, key, value):
    count = Parameter.objects.count()
    response = post_parameter(admin_client, horizons, key, value)
    assert response.status_code == 200
    assert "value" in form_errors(response)
    assert Parameter.objects.count() == count


def test_key_of_another_scheme_is_refused_on_the_key(admin_client, horizons):
    response = post_parameter(admin_client, horizons, "monthly_rent", '"200.00"')
    assert response.status_code == 200
    assert "key" in form_errors(response)
    response = post_parameter(admin_client, horizons, "no_such_key", '"1.00"')
    assert "key" in form_errors(response)
    assert not Parameter.objects.filter(scheme=horizons, key__in=["monthly_rent", "no_such_key"])


def test_same_key_and_date_twice_is_refused(admin_client, horizons):
    response = post_parameter(admin_client, horizons, "weekly_rate", '"80.00"', "2015-09-01")
    assert response.status_code == 200
    assert form_errors(response)
    rate = Parameter.objects.get(scheme=horizons, key="weekly_rate", valid_from=date(2015, 9, 1))
    assert rate.value == "70.00"


def test_existing_row_keeps_its_key_and_date(admin_client, horizons):
    rate = Parameter.objects.get(scheme=horizons, key="weekly_rate", valid_from=date(2015, 9, 1))
    url = reverse("admin:schemes_parameter_change", args=[rate.pk])
    form = admin_client.get(url).context["adminform"].form
    assert {"scheme", "key", "valid_from"}.isdisjoint(form.fields)
    response = admin_client.post(
        url,
        {"valid_from": "2030-01-01", "key": "annual_weeks_cap", "value": '"70.00"', "source": "x"},
    )
    assert response.status_code == 302
    rate.refresh_from_db()
    assert (rate.key, rate.valid_from, rate.source) == ("weekly_rate", date(2015, 9, 1), "x")
    # And an ill-shaped correction of an existing row is a form error too.
    response = admin_client.post(url, {"value": '"abc"', "source": "x"})
    assert response.status_code == 200 and "value" in form_errors(response)
    rate.refresh_from_db()
    assert rate.value == "70.00"


def test_new_dated_rate_applies_from_its_date_and_not_before(admin_client, horizons):
    # 16 full weeks each: Monday to Friday, 80 working days.
    before = grant(date(2027, 8, 2), date(2027, 11, 19))
    after = grant(date(2027, 9, 6), date(2027, 12, 24))
    on_the_day = grant(date(2027, 9, 1), date(2027, 12, 21))
    today = date(2027, 5, 1)
    assert simulate_one(after, today=today)["amount"] == "1120.00"

    response = post_parameter(admin_client, horizons, "weekly_rate", '"80.00"', "2027-09-01")
    assert response.status_code == 302, form_errors(response)
    new = Parameter.objects.get(scheme=horizons, key="weekly_rate", valid_from=date(2027, 9, 1))
    assert new.value == "80.00" and new.article == "Art. 6"

    result = simulate_one(after, today=today)
    assert (result["weeks"], result["amount"]) == (16, "1280.00")
    assert "80,00" in result["explanation"][0]["text"]
    assert Decimal(simulate_one(on_the_day, today=today)["amount"]) == 16 * Decimal("80.00")
    result = simulate_one(before, today=today)
    assert (result["weeks"], result["amount"]) == (16, "1120.00")


def test_an_admin_correction_is_answered_by_the_next_api_request(admin_client, horizons):
    # The API process already holds the parameters in memory; the admin's save bumps the
    # version stamp, which the next request compares before answering.
    case = json.dumps(grant(date(2027, 9, 6), date(2027, 12, 24)))
    simulate = lambda: admin_client.post("/api/v1/simulate", case, content_type="application/json").json()  # noqa: E731
    assert simulate()["amount"] == "1120.00"
    rate = Parameter.objects.filter(scheme=horizons, key="weekly_rate").latest("valid_from")
    url = reverse("admin:schemes_parameter_change", args=[rate.pk])
    response = admin_client.post(url, {"value": '"75.00"', "source": "correction"})
    assert response.status_code == 302, form_errors(response)
    assert simulate()["amount"] == "1200.00"


def test_partner_region_form_checks_codes(admin_client):
    url = reverse("admin:schemes_partnerregion_add")
    data = {
        "name": "Catalogne",
        "country": "fr",
        "subdivision": "es-ct",
        "valid_from": "2015-09-01",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200 and "subdivision" in form_errors(response)
    response = admin_client.post(url, {**data, "country": "es"})
    assert response.status_code == 302
    assert PartnerRegion.objects.get().subdivision == "ES-CT"
    response = admin_client.post(
        reverse("admin:schemes_odacountry_add"),
        {"country": "XK", "name": "Kosovo", "valid_from": "2024-01-01"},
    )
    assert response.status_code == 200 and "country" in form_errors(response)
