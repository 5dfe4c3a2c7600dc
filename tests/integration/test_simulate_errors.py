"""Invalid input on the CLI (exit 2, nothing on stdout, `field.path: message` on stderr) and the
API (422 naming the field, 400 for a body that is not JSON); the OpenAPI document and docs."""

import copy
import io
import json
import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

GRANT = {
    "scheme": "horizons",
    "aid": "grant",
    "submitted_on": "2025-06-01",
    "student": {
        "level": "M1",
        "establishment_in_region": True,
        "recognised_diploma": True,
        "scholarship_holder": True,
    },
    "mobility": {
        "kind": "study",
        "start_date": "2025-09-01",
        "end_date": "2025-12-19",
        "country": "DE",
        "in_curriculum": True,
    },
}


def changed(**mobility):
    case = copy.deepcopy(GRANT)
    case["mobility"].update(mobility)
    return case


def without_scheme():
    case = copy.deepcopy(GRANT)
    del case["scheme"]
    return case


# (name, body text, field paths the errors must name)
INVALID = [
    ("not JSON", '{"scheme": "horizons",', ["(corps)"]),
    (
        "array with one bad element",
        json.dumps([GRANT, changed(start_date="2025-13-01")]),
        ["[1].mobility.start_date"],
    ),
    ("missing scheme", json.dumps(without_scheme()), ["scheme"]),
    ("end before start", json.dumps(changed(end_date="2025-08-01")), ["mobility.end_date"]),
    ("bad date", json.dumps(changed(start_date="01/09/2025")), ["mobility.start_date"]),
    ("unknown country", json.dumps(changed(country="XX")), ["mobility.country"]),
]


def run_cli(text: str, tmp_path=None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        if tmp_path is None:
            call_command("simulate", stdin=io.StringIO(text), stdout=out, stderr=err)
        else:
            path = tmp_path / "case.json"
            path.write_text(text, encoding="utf-8")
            call_command("simulate", str(path), stdout=out, stderr=err)
    return exit_info.value.code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(("name", "text", "fields"), INVALID, ids=[i[0] for i in INVALID])
def test_cli_exits_2_with_one_line_per_problem(name, text, fields, tmp_path):
    for source in (None, tmp_path):  # standard input, then a file
        code, out, err = run_cli(text, source)
        assert code == 2
        assert out == ""
        lines = err.strip().splitlines()
        assert lines, "at least one problem line"
        named = [line.split(": ", 1)[0] for line in lines]
        for field in fields:
            assert field in named, err
        for line in lines:
            field, _, message = line.partition(": ")
            assert field and message.strip(), line
            assert "Traceback" not in line and "CommandError" not in line


def test_cli_valid_element_errors_are_not_reported_for_other_elements(tmp_path):
    code, out, err = run_cli(json.dumps([GRANT, changed(country="XX"), GRANT]), tmp_path)
    assert (code, out) == (2, "")
    assert err.strip().splitlines() == ["[1].mobility.country: code pays inconnu : XX"]


def test_cli_unreadable_file_and_non_object(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("simulate", str(tmp_path / "absent.json"), stdout=out, stderr=err)
    assert exit_info.value.code == 2 and out.getvalue() == ""
    assert err.getvalue().count("\n") == 1 and "absent.json" in err.getvalue()

    code, out, err = run_cli("42")
    assert (code, out) == (2, "")
    assert err.startswith("(racine): ")


@pytest.mark.parametrize(("name", "text", "fields"), INVALID, ids=[i[0] for i in INVALID])
def test_api_reports_each_field(name, text, fields, client):
    response = client.post("/api/v1/simulate", text, content_type="application/json")
    assert response.status_code == (400 if name == "not JSON" else 422)
    errors = response.json()["errors"]
    assert all(set(e) == {"field", "message"} and e["message"] for e in errors)
    for field in fields:
        assert field in [e["field"] for e in errors]
    # The same problems, in the same words, as on the command line.
    _, _, err = run_cli(text)
    assert [f"{e['field']}: {e['message']}" for e in errors] == err.strip().splitlines()


def test_api_malformed_body_is_400(client):
    for body in ("", "not json at all", "{'single': 'quotes'}", '{"a": NaN}'):
        response = client.post("/api/v1/simulate", body, content_type="application/json")
        assert response.status_code == 400, body
        assert response.json()["errors"][0]["field"] == "(corps)"


def test_api_needs_no_csrf_token_nor_login():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/simulate", json.dumps(GRANT), content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["amount"] == "1120.00"


def test_openapi_document_describes_simulate(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Portail des aides aux études"
    operation = document["paths"]["/api/v1/simulate"]["post"]
    body_schema = operation["requestBody"]["content"]["application/json"]["schema"]
    refs = json.dumps(body_schema)
    assert "#/components/schemas/SimulationCase" in refs
    schemas = document["components"]["schemas"]
    case = schemas["SimulationCase"]
    assert case["discriminator"]["propertyName"] == "scheme"
    assert set(case["discriminator"]["mapping"]) == {"horizons", "haute-garonne", "aude"}
    for model in ("HorizonsIn", "HauteGaronneIn", "AudeIn", "MobilityIn"):
        assert model in schemas
    assert "start_date" in schemas["MobilityIn"]["properties"]
    assert {"200", "400", "422"} <= set(operation["responses"])
    error_ref = operation["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
    assert "errors" in schemas[error_ref.rsplit("/", 1)[1]]["properties"]
    # Every $ref in the document points at a defined schema.
    for ref in set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(document))):
        assert ref in schemas, ref


def test_interactive_docs_answer(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content
