"""The API fuzzed from its own OpenAPI document (schemathesis): whatever the body, no 500, and
every answer is one the document describes (status, content type, JSON shape). Cases valid by
the document may only be refused for what JSON Schema cannot say (an end date before the start,
a subdivision of another country, a date before the scheme's rules...): no schema may allow an
empty string, a year 9999 or a type that the validators then refuse as malformed."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# Refusals a valid-by-schema case may still get: relations between fields and facts of the
# reference tables, which a JSON Schema cannot state.
SEMANTIC = (
    "la date de fin précède la date de début",
    "la date de fin effective précède la date de début",
    "n'appartient pas au pays",
    "code pays inconnu",  # the document says two capital letters; ISO 3166 is a table, not a regex
    "subdivision inconnue",
    "nombre de semaines obligatoire pour une bourse",
    "le dispositif s'applique aux périodes commençant à partir du",
)

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _database(db):
    """The engine reads the dated parameters seeded by the migrations. The WSGI application is
    called directly, not through Django's test client: like the client, keep each request from
    closing the test's connection (inside the test's transaction, Django would close it at the end
    of every request, and on PostgreSQL the next request would find it closed)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_api_answers_every_generated_body_as_documented(case):
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                              content_type_conformance, response_schema_conformance])
    if case.meta is not None and case.meta.generation.mode.is_positive and response.status_code != 200:
        assert response.status_code == 422, (response.status_code, response.text)
        messages = [error["message"] for error in response.json()["errors"]]
        assert all(any(reason in m for reason in SEMANTIC) for m in messages), (case.body, messages)
