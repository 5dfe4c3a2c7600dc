"""The authority's dashboard reads its figures from indexes (applications 0012, decisions 0009)
and queries only the sections the authority's schemes can fill: on generated files of the three
authorities (aid_portal.volume), every figure of each officer's table equals the sum made by
hand over the authority's own files, decisions, ledger entries and repayment orders, and no
other authority's money or section appears."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aid_portal.volume import volume_generate
from applications.models import Application
from payments.indicators import OPEN_ORDERS
from payments.models import LedgerEntry
from schemes.models import Scheme
from tests.web.test_query_counts import officer

pytestmark = pytest.mark.django_db
URL = reverse("payments:authority_dashboard")
FIGURES = ("committed", "helped", "paid", "recovered", "waived", "outstanding", "open_orders")


@pytest.fixture
def volume():
    """Files of the three schemes in every state: grants paid in part, cancelled grants whose
    advance is claimed back (open repayment orders), rejections, drafts."""
    volume_generate(files=240, seed=5, batch=120, write=lambda _line: None)


def by_hand(authority) -> dict[tuple, dict]:
    """The table, summed in Python file by file (what the dashboard's aggregates must give)."""
    rows: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(FIGURES, Decimal("0")))
    files = (Application.objects.filter(scheme__authority=authority).select_related("scheme", "current_decision")
             .prefetch_related("ledger", "repayment_orders__ledger_entries"))
    for app in files:
        key = (app.scheme.code, app.academic_year)
        decision = app.current_decision
        if decision is not None and decision.outcome == "granted":
            rows[key]["committed"] += decision.amount
            rows[key]["helped"] += 1
        for entry in app.ledger.all():
            figure = {LedgerEntry.Kind.PAYMENT: "paid", LedgerEntry.Kind.REPAYMENT: "recovered",
                      LedgerEntry.Kind.WAIVER: "waived"}[entry.kind]
            rows[key][figure] += entry.amount
        for order in app.repayment_orders.all():
            if order.status in OPEN_ORDERS:
                received = sum((e.amount for e in order.ledger_entries.all() if e.kind == LedgerEntry.Kind.REPAYMENT),
                               Decimal("0"))
                rows[key]["outstanding"] += order.amount - received
                rows[key]["open_orders"] += 1
    return dict(rows)


def shown(response) -> dict[tuple, dict]:
    return {(r.scheme_code, r.academic_year): {f: getattr(r, f) for f in FIGURES} for r in response.context["rows"]}


def test_each_officers_table_is_its_authoritys_sums(client, volume):
    seen = {}
    for code in ("horizons", "aude", "haute-garonne"):
        client.force_login(officer(code))
        response = client.get(URL)
        assert response.status_code == 200
        expected = by_hand(Scheme.objects.get(code=code).authority)
        assert shown(response) == expected
        seen[code] = expected
    # Something of each kind was compared, not only zeros; each table holds its own scheme only.
    every = [row for table in seen.values() for row in table.values()]
    assert all(sum(row[f] for row in every) > 0 for f in ("committed", "paid", "outstanding", "open_orders"))
    assert {code for table in seen.values() for code, _year in table} == {"horizons", "aude", "haute-garonne"}
    assert all({c for c, _y in table} == {code} for code, table in seen.items())


def test_sections_follow_the_authoritys_schemes(client, volume):
    """The Aude indicators and the Chèque Apprentis split are queried and shown only where the
    authority funds the scheme; the Aude section still counts the helped students."""
    client.force_login(officer("horizons"))
    with CaptureQueriesContext(connection) as queries:
        region = client.get(URL)
    assert region.context["aude"] == [] and region.context["helped"] is None
    # The Region funds no Aude scheme: its page does not read the Aude follow-ups at all.
    assert not [q for q in queries.captured_queries if "payments_followup" in q["sql"]]
    assert 'id="aude-table"' not in region.content.decode()

    client.force_login(officer("aude"))
    aude = client.get(URL)
    helped = Application.objects.filter(scheme__code="aude", current_decision__outcome="granted")
    assert sum(a["helped"] for a in aude.context["aude"]) == helped.count() > 0
    assert aude.context["split"] == [] and 'id="apprentice-table"' not in aude.content.decode()
    # Filtered on its own scheme, the same table and section.
    filtered = client.get(URL, {"scheme": "aude"})
    assert shown(filtered) == shown(aude) and filtered.context["aude"] == aude.context["aude"]
