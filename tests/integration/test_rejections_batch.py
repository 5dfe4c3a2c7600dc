"""The rejection day: the incomplete-file sweep (Horizons Art. 5) rejects a day's files with one
`files_rejected` signal, and the decisions and payments apps record the acts for the whole set
(Art. 8). Each file ends exactly as it does when it is rejected alone, the queries do not grow
with the number of files, a second run rejects nothing more, and a fault leaves nothing done.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from applications import services
from applications.documents import required_kinds
from applications.events import verify_chain
from applications.models import Application, DocumentRequest, Event, OutboxMessage
from applications.states import State
from decisions.models import Decision, Letter
from payments.models import Account, Instalment
from schemes.models import Scheme
from tests import flows
from tests.files import PDF

pytestmark = pytest.mark.django_db(transaction=False)
PARIS = ZoneInfo("Europe/Paris")
ASKED, DAY = date(2025, 11, 15), date(2026, 1, 16)  # the requests' date; the day after their deadline


def on(day: date, hour: int = 10):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=PARIS))


def awaiting(n: int, agent, *, asked: date = ASKED) -> list[Application]:
    """n Horizons files in instruction (a student each), each asked for a document on `asked`."""
    horizons, out = Scheme.objects.get(code="horizons"), []
    for _ in range(n):
        with on(date(2025, 6, 1)):
            student = flows.user("etu")
            school, staff = flows.school_with_staff()
            app = services.application_create(student=student, scheme=horizons, aid="grant", establishment=school)
            services.application_update(application=app, by=student, data=flows.HORIZONS_DATA, first_name="Léa",
                                        last_name="Martin", iban=flows.IBAN, account_holder="Léa Martin")
            for kind in required_kinds("horizons", scholarship_holder=True, aid=app.aid):
                services.document_add(application=app, by=student, kind=kind, upload=SimpleUploadedFile("p.pdf", PDF))
            app = services.application_submit(application=app, by=student, today=date(2025, 6, 1))
            services.opinion_record(application=app, by=staff, favourable=True)
        with on(asked):
            services.document_request_create(application=app, items=["scholarship_notice"], by=agent,
                                             message="Notification définitive de bourse", today=asked)
        out.append(app)
    return out


def sweep(day: date, capture) -> tuple[dict, int]:
    """The day's sweeps, their letters issued after commit; returns the counts and the queries
    of the sweeps themselves (the letters are the workers' work, one per file by design)."""
    with on(day, 3), capture(execute=True), CaptureQueriesContext(connection) as queries:
        counts = services.deadlines_run(today=day)
    return counts, len(queries)


def outcome(app: Application) -> dict:
    """What the rejection left on the file, with its own ids and instants taken out (they differ
    from one file to another by construction; the chain's validity is checked apart)."""
    app = Application.objects.get(pk=app.pk)
    decision = app.current_decision
    ids = {"decision": decision.pk, "request": app.document_requests.get().pk}

    def named(payload: dict) -> dict:
        # A letter's PDF names the file (its reference, its student): its id and hash are its own.
        return {k: (k if v == ids[k] else v) if k in ids else [x["kind"] for x in v] if k == "letters" else v
                for k, v in payload.items()}

    letters = list(Letter.objects.filter(application=app))
    account = Account.objects.get(application=app)
    return {
        "state": app.state, "closing_reason": app.closing_reason, "events_count": app.events_count,
        "decision": {f: getattr(decision, f) for f in ("kind", "outcome", "amount", "motivation", "decided_on", "act_number",
                                                      "snapshot", "supersedes_id", "created_by_id", "notified_on")},
        "decisions": app.decisions.count(),
        "events": [(e.seq, e.kind, e.actor_id, e.actor_label, e.from_state, e.to_state, e.reason, named(e.payload))
                   for e in app.events.filter(seq__gt=app.events_count - 3).order_by("seq")],
        "letters": [(letter.kind, letter.template, letter.decision_id == decision.pk, letter.sent_at is not None,
                     bool(letter.pdf_sha256)) for letter in letters],
        "outbox": [(task, ["decision"] if args == [decision.pk] else args) for task, args in
                   OutboxMessage.objects.filter(key=f"decision-letters:{decision.pk}").values_list("task", "args")],
        "account": (account.ceiling, account.paid, account.repaid, account.waived),
        "instalments": list(Instalment.objects.filter(application=app).values_list("status", flat=True)),
    }


def alone(app: Application, capture) -> tuple[dict, int]:
    """The file rejected on its own (every other request put off), then all of it rolled back."""
    with transaction.atomic():
        DocumentRequest.objects.exclude(application=app).update(extended_to=date(2027, 1, 1))
        counts, queries = sweep(DAY, capture)
        assert counts["incomplete_rejected"] == 1
        result = outcome(app)
        transaction.set_rollback(True)
    return result, queries


def test_a_day_of_rejections_equals_each_file_rejected_alone_in_the_same_queries(django_capture_on_commit_callbacks):
    agent = flows.officer("horizons")
    # Five files on an earlier day: the query count at 5.
    early = awaiting(5, agent, asked=date(2025, 10, 15))
    counts, at_five = sweep(date(2025, 12, 16), django_capture_on_commit_callbacks)
    assert counts["incomplete_rejected"] == 5
    files = awaiting(30, agent)
    first, last = files[0], files[-1]
    (first_alone, at_one), (last_alone, _) = (alone(first, django_capture_on_commit_callbacks),
                                              alone(last, django_capture_on_commit_callbacks))
    assert not Decision.objects.filter(application__in=[first, last]).exists()  # rolled back

    counts, at_thirty = sweep(DAY, django_capture_on_commit_callbacks)

    assert counts["incomplete_rejected"] == 30
    assert outcome(first) == first_alone and outcome(last) == last_alone
    # Every other file ends as the first one did alone (the files are alike but for their ids).
    assert all(outcome(app) == first_alone for app in files)
    assert first_alone["state"] == State.REJECTED_INCOMPLETE and first_alone["letters"][0][3]
    assert first_alone["decision"]["kind"] == Decision.Kind.INCOMPLETE
    assert [e[1] for e in first_alone["events"]] == ["reject_incomplete", "decision_act", "letters_sent"]
    assert first_alone["outbox"] == [("decisions.issue_decision_letters", ["decision"])]
    for app in [*early, *files]:
        app = Application.objects.get(pk=app.pk)
        assert verify_chain(app, app.events.order_by("seq")) == []
    # Set-based: the same queries for 1, 5 and 30 files.
    assert at_one == at_five == at_thirty

    # A second run the next day rejects nothing more and writes nothing.
    before = (Decision.objects.count(), Event.objects.count(), OutboxMessage.objects.count(), Letter.objects.count())
    assert sweep(date(2026, 1, 17), django_capture_on_commit_callbacks)[0]["incomplete_rejected"] == 0
    assert (Decision.objects.count(), Event.objects.count(), OutboxMessage.objects.count(), Letter.objects.count()) == before


def test_a_fault_in_a_receiver_leaves_no_file_half_rejected(django_capture_on_commit_callbacks, monkeypatch):
    import payments.services

    agent = flows.officer("horizons")
    files = awaiting(3, agent)
    before = (Event.objects.count(), OutboxMessage.objects.count())

    def broken(**kwargs):
        raise RuntimeError("payments down")

    # The acts, their events and the files' new states are written when payments fails.
    monkeypatch.setattr(payments.services, "payment_plans_for_decisions", broken)
    with pytest.raises(RuntimeError), on(DAY, 3), django_capture_on_commit_callbacks(execute=True):
        services.deadlines_run(today=DAY)
    assert set(Application.objects.filter(pk__in=[a.pk for a in files]).values_list("state", flat=True)) == {
        State.AWAITING_DOCUMENTS}
    assert not Decision.objects.exists() and not Account.objects.exists()
    assert (Event.objects.count(), OutboxMessage.objects.count()) == before
    assert not DocumentRequest.objects.filter(expired_at__isnull=False).exists()

    monkeypatch.undo()
    assert sweep(DAY, django_capture_on_commit_callbacks)[0]["incomplete_rejected"] == 3
    assert Decision.objects.filter(kind=Decision.Kind.INCOMPLETE).count() == 3
