"""Every kind of event recorded on a file has a label for people.

The officer's timeline and the admin's history show EVENT_LABELS' label, falling back to the raw
code: a kind recorded somewhere without a label would show as "payment_run_created". The kinds
are read from the source (each `kind="..."` given to event_record or to a helper that records
events), so a new kind added anywhere fails here until it is named."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings
from django.utils import translation

from applications.queues import EVENT_LABELS, timeline
from applications.states import TRANSITIONS
from payments.models import LedgerEntry

ROOT = Path(settings.BASE_DIR)
APPS = ("aid_portal", "accounts", "applications", "decisions", "payments")


def recorded_kinds() -> dict[str, str]:
    """kind -> first file recording it, for every constant `kind=` passed to a call whose name
    speaks of events (event_record, _run_events, ...) and every `event=` given to a helper."""
    kinds: dict[str, str] = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
                # `kind=` on a call that records events; `event=` on a helper that records one.
                wanted = ("kind", "event") if "event" in name.lower() else ("event",)
                for keyword in node.keywords:
                    if keyword.arg in wanted and isinstance(keyword.value, ast.Constant):
                        kinds.setdefault(keyword.value.value, str(path.relative_to(ROOT)))
    return kinds


def test_the_scan_finds_the_kinds_of_every_stage():
    # Guards the scan itself: were it to find nothing, the next test would pass on nothing.
    kinds = recorded_kinds()
    assert {"created", "decision_recorded", "payment_run_created", "formal_notice_issued", "control_opened"} <= set(kinds)


def test_every_recorded_kind_has_a_label():
    missing = {kind: where for kind, where in recorded_kinds().items() if kind not in EVENT_LABELS}
    assert not missing, f"kinds recorded without a label in applications.queues.EVENT_LABELS: {missing}"


def test_transitions_and_ledger_movements_have_labels():
    # Kinds built at run time: the workflow's transitions and payments' "ledger_<kind>".
    kinds = {name for name, *_ in TRANSITIONS} | {f"ledger_{kind}" for kind in LedgerEntry.Kind.values}
    assert kinds <= set(EVENT_LABELS)


def test_the_timeline_shows_the_label_in_the_reader_s_language():
    class Event:
        created_at = None
        actor_label = "système"
        kind = "payment_run_created"
        from_state = to_state = reason = ""

    with translation.override("fr"):
        assert timeline([Event()])[0].label == "Inscrit dans un lot de paiement"
    with translation.override("en"):
        assert str(timeline([Event()])[0].label) != "payment_run_created"
