"""The officer's search: full names in any order, without accents or case, and references; the
same on SQLite and PostgreSQL (DATABASE_URL), where a trigram index serves it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from applications.queues import officer_queue
from applications.search import fold
from applications.states import State
from tests.factories import ApplicationFactory, OfficerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def files():
    lea = ApplicationFactory(state=State.IN_INSTRUCTION, first_name="Léa", last_name="Martin")
    other = ApplicationFactory(state=State.IN_INSTRUCTION, first_name="Hélène", last_name="Dupré")
    for app, reference in ((lea, "HZ-2026-000042"), (other, "HZ-2026-000043")):
        type(app).objects.filter(pk=app.pk).update(reference=reference)
    return lea, other


@pytest.mark.parametrize("query", ["Léa Martin", "lea", "martin léa", "MARTIN", "  léa   martin ", "hz-2026-000042",
                                   "000042", "Lea Mart"])
def test_officer_queue_finds_lea_martin(client, files, query):
    lea, other = files
    client.force_login(OfficerFactory())
    response = client.get(reverse("applications:officer_queue"), {"q": query, "state": ""})
    assert response.status_code == 200
    assert [app.pk for app in response.context["page_obj"]] == [lea.pk]


@pytest.mark.parametrize("query, found", [("helene", "other"), ("DUPRE hélène", "other"), ("martin dupré", None),
                                          ("hz-2026", "both"), ("léa zoé", None)])
def test_every_word_must_match(files, query, found):
    lea, other = files
    expected = {"other": [other.pk], "both": [lea.pk, other.pk], None: []}[found]
    qs = officer_queue(user=OfficerFactory(), filters={"q": query}, today=timezone.localdate())
    assert sorted(qs.values_list("pk", flat=True)) == sorted(expected)


def test_fold():
    assert fold("Léa MARTIN-Çœur") == "lea martin-cœur"
    assert fold(None) is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index exists on PostgreSQL only")
def test_postgresql_search_uses_the_trigram_index(files):
    from applications.models import Application
    from applications.search import search_files

    # The search alone (in the queue, a tiny test table makes the scheme's index cheaper): the
    # folded expression of the query must be the indexed one, or PostgreSQL cannot use it.
    qs = search_files(Application.objects.only("pk"), "martin")
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "application_search_trgm" in plan, plan
