"""A batch costs a fixed number of queries, however many cases it holds.

The parameters and each reference table (zoning, partner regions, ODA list) are read at most
once, and only when the process does not hold their current version; otherwise a batch costs
the one read of the version stamp: never a query per case or per rule.
"""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.simulate_batch import generate_cases
from schemes import selectors
from schemes.simulation import simulate_batch

TODAY = date(2026, 3, 1)
# version stamp + parameters + zoning + partner regions + ODA countries
COLD_QUERIES = 5

pytestmark = pytest.mark.django_db


def _queries_for(n: int) -> list[str]:
    cases = generate_cases(n, seed=7)
    with CaptureQueriesContext(connection) as captured:
        results = simulate_batch(cases, today=TODAY)
    assert len(results) == n
    return [query["sql"] for query in captured.captured_queries]


def test_query_count_does_not_grow_with_the_batch(monkeypatch):
    monkeypatch.setattr(selectors, "PROCESS_CACHE", selectors.ReferenceCache())
    cold = _queries_for(10)
    small, large = _queries_for(10), _queries_for(1000)

    assert len(cold) == COLD_QUERIES
    assert sum("schemes_parameter" in sql for sql in cold) == 1
    assert len(small) == len(large) == 1
    assert "schemes_referenceversion" in large[0]
