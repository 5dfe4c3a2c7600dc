"""The public acceptance cases, through the two machine interfaces: the CLI and the HTTP API.

Both must give the expected verdicts, and the very same JSON for the same input.
"""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

CASES_FILE = Path(__file__).resolve().parents[2].parent / "shared/acceptance/public-cases.json"
if not CASES_FILE.exists():
    pytest.skip(f"public acceptance cases not found at {CASES_FILE}", allow_module_level=True)

CASES = json.loads(CASES_FILE.read_text(encoding="utf-8"))
pytestmark = pytest.mark.django_db


def run_cli(path: Path) -> object:
    out, err = io.StringIO(), io.StringIO()
    call_command("simulate", str(path), stdout=out, stderr=err)
    assert err.getvalue() == ""
    return json.loads(out.getvalue())


def post_api(client, payload_text: str):
    return client.post("/api/v1/simulate", payload_text, content_type="application/json")


def assert_matches(result: dict, expected: dict) -> None:
    assert result["eligible"] is expected["eligible"]
    assert result["amount"] == expected["amount"]
    assert sorted(r["code"] for r in result["reasons"]) == sorted(expected["reason_codes"])
    if "weeks" in expected:
        assert result["weeks"] == expected["weeks"]
    if "settlement" in expected:
        assert result["settlement"] == expected["settlement"]
    for reason in result["reasons"]:
        assert reason["article"] and reason["message"]
    for line in result["explanation"]:
        assert line["article"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_cli(case, tmp_path):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case["input"]), encoding="utf-8")
    assert_matches(run_cli(path), case["expected"])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_api(case, client):
    response = post_api(client, json.dumps(case["input"]))
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    assert_matches(response.json(), case["expected"])


def test_whole_file_as_array_cli_in_order_and_equal_to_api(client, tmp_path):
    inputs = [case["input"] for case in CASES]
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(inputs), encoding="utf-8")

    cli_results = run_cli(path)
    assert isinstance(cli_results, list) and len(cli_results) == len(CASES)
    for result, case in zip(cli_results, CASES, strict=True):
        assert result["scheme"] == case["input"]["scheme"]
        assert_matches(result, case["expected"])

    api_batch = post_api(client, json.dumps(inputs))
    assert api_batch.status_code == 200
    assert api_batch.json() == cli_results
    # One case at a time through the API gives the same objects as the batch.
    assert [post_api(client, json.dumps(i)).json() for i in inputs] == cli_results


def test_cli_reads_standard_input_and_keeps_money_exact(client):
    # The legal minimum in force on 2025-09-01 is 669.90 EUR (a dated parameter): a JSON number
    # exactly at it passes, one cent above fails, on both interfaces alike.
    case = next(c["input"] for c in CASES if c["input"].get("aid") == "grant")
    text = json.dumps({**case, "mobility": {**case["mobility"], "kind": "internship"}})
    text = text.replace(
        '"kind": "internship"', '"kind": "internship", "monthly_gratification": 669.90', 1
    )
    out = io.StringIO()
    call_command("simulate", stdin=io.StringIO(text), stdout=out, stderr=io.StringIO())
    cli = json.loads(out.getvalue())
    assert "internship_gratification_too_high" not in [r["code"] for r in cli["reasons"]]
    assert post_api(client, text).json() == cli

    over = text.replace("669.90", "669.91")
    out = io.StringIO()
    call_command("simulate", stdin=io.StringIO(over), stdout=out, stderr=io.StringIO())
    assert "internship_gratification_too_high" in [
        r["code"] for r in json.loads(out.getvalue())["reasons"]
    ]
