"""The API's documentation page: the OpenAPI document as a page of the portal (schemes/api_docs.py),
complete (every operation and schema), in French, its links between schemas all resolving."""

import re
from html import unescape

import pytest

from schemes.api import api
from schemes.api_docs import type_html

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    return response.content.decode()


def test_every_operation_and_schema_has_its_section(page):
    document = api.get_openapi_schema()
    for path, item in document["paths"].items():
        for method in item:
            assert re.search(rf"{method.upper()}</span> <code>{re.escape(path)}</code>", page), (method, path)
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name}"' in page, name
    assert 'href="/api/v1/openapi.json"' in page and '<html lang="fr"' in page


def test_internal_links_all_resolve(page):
    targets = set(re.findall(r'id="([^"]+)"', page))
    links = set(re.findall(r'href="#([^"]+)"', page))
    assert links and links - targets == set()


def test_fields_read_in_french_with_their_constraints(page):
    text = unescape(re.sub(r"<[^>]+>", " ", page))
    text = re.sub(r"\s+", " ", text)
    assert "start_date date (AAAA-MM-JJ) oui" in text
    assert "scheme valeur fixe aude oui" in text
    assert "Trop de requêtes" in text and "Too Many Requests" not in text
    assert "exemple : DE" in text and "au plus 50 éléments" in text


@pytest.mark.parametrize("schema, expected", [
    ({"$ref": "#/components/schemas/ErrorsOut"}, '<a href="#schema-ErrorsOut">ErrorsOut</a>'),
    ({"type": "array", "items": {"type": "integer"}}, "tableau, chaque élément : entier"),
    ({"anyOf": [{"type": "boolean"}, {"type": "null"}]}, "booléen ou null"),
    ({"enum": ["zip", "<b>"]}, "l&#x27;une des valeurs <code>zip</code>, <code>&lt;b&gt;</code>"),
    ({"type": "string", "format": "date"}, "date (AAAA-MM-JJ)"),
])
def test_types_in_words(schema, expected):
    assert str(type_html(schema)) == expected
