"""A batch costs a fixed number of queries, however many cases it holds.

Parameters are loaded once per batch (one query for every dated value), and each reference
table (zoning, partner regions, ODA list) at most once: never once per case or per rule.
"""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.simulate_batch import generate_cases
from schemes.simulation import simulate_batch

TODAY = date(2026, 3, 1)
# parameters + zoning + partner regions + ODA countries
MAX_QUERIES_PER_BATCH = 4

pytestmark = pytest.mark.django_db


def _queries_for(n: int) -> list[str]:
    cases = generate_cases(n, seed=7)
    with CaptureQueriesContext(connection) as captured:
        results = simulate_batch(cases, today=TODAY)
    assert len(results) == n
    return [query["sql"] for query in captured.captured_queries]


def test_query_count_does_not_grow_with_the_batch():
    small, large = _queries_for(10), _queries_for(1000)

    assert len(small) == len(large) <= MAX_QUERIES_PER_BATCH
    assert sum("schemes_parameter" in sql for sql in large) == 1
