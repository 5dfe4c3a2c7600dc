"""generate_volume: every scheme in every state, consistent per-file invariants, clear errors."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, F, Q, Sum

from aid_portal.volume import REFERENCE_PREFIX
from applications.models import Application, Event
from applications.states import State
from decisions.models import Decision
from payments.models import Account, Instalment, LedgerEntry, PaymentRun

pytestmark = pytest.mark.django_db


def generate(*args: str) -> str:
    out = StringIO()
    call_command("generate_volume", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def volume():
    return generate("--files", "300", "--seed", "7", "--batch", "120")


def test_every_scheme_in_every_state(volume):
    files = Application.objects.filter(reference__startswith=REFERENCE_PREFIX)
    assert files.count() == 300
    pairs = set(files.values_list("scheme__code", "state"))
    # A file awaits the establishment's opinion only in Horizons, the one scheme that asks for it.
    assert pairs == {(code, state) for code in ("horizons", "aude", "haute-garonne") for state in State.values
                     if state != State.AWAITING_OPINION or code == "horizons"}
    # Progress by batch of 120, then the totals.
    assert "120/300 files" in volume and "240/300 files" in volume and "300/300 files" in volume
    assert "300 files generated" in volume and "Event " in volume


def test_event_chains_verify(volume):
    out = StringIO()
    call_command("verify_events", stdout=out, stderr=StringIO())
    assert out.getvalue().strip() == "300 files checked, 0 problem(s)."
    # Each chain ends in the file's state, starting from its creation.
    last = {e.application_id: e for e in Event.objects.filter(~Q(to_state="")).order_by("application_id", "seq")}
    for app in Application.objects.all():
        assert last[app.pk].to_state == app.state, app.reference
        assert Event.objects.filter(application=app, seq=1, kind="created").exists()


def test_decisions_and_money_are_consistent(volume):
    files = Application.objects.all()
    decided = (State.GRANTED, State.REJECTED, State.CANCELLED, State.UNDER_APPEAL, State.CLOSED, State.REJECTED_INCOMPLETE)
    assert not files.filter(state__in=decided, current_decision=None).exists()
    assert not files.exclude(state__in=decided).exclude(current_decision=None).exists()
    assert files.filter(current_decision__outcome="granted").count() > 0
    assert not Decision.objects.filter(outcome="rejected").exclude(amount=0).exists()
    assert not files.filter(state=State.GRANTED, current_decision__outcome="rejected").exists()
    # Each award's instalments add up to the decision's amount.
    for decision in Decision.objects.filter(outcome="granted").annotate(planned=Sum("instalments__amount")):
        assert decision.planned == decision.amount, decision.application_id
    # An account's paid is the sum of its payment ledger entries, within the notified amount.
    accounts = Account.objects.annotate(
        booked=Sum("application__ledger__amount", filter=Q(application__ledger__kind=LedgerEntry.Kind.PAYMENT)))
    assert accounts.count() == Decision.objects.filter(outcome="granted").count()
    assert accounts.filter(paid__gt=0).exists()
    for account in accounts:
        assert account.paid == (account.booked or Decimal(0)), account.application_id
        assert account.paid <= account.ceiling
    # Every paid instalment has one payment entry and sits in a confirmed run whose totals match.
    paid = Instalment.objects.filter(status=Instalment.Status.PAID)
    assert paid.count() == LedgerEntry.objects.filter(kind="payment").count() > 0
    assert not paid.filter(Q(run=None) | ~Q(run__status=PaymentRun.Status.CONFIRMED)).exists()
    for run in PaymentRun.objects.annotate(n=Count("instalments"), s=Sum("instalments__amount")):
        assert (run.count, run.total) == (run.n, run.s)
    assert not Instalment.objects.filter(application__state=State.CANCELLED, status="planned").exists()
    assert Instalment.objects.filter(status="planned").exclude(application__state__in=(State.GRANTED, State.UNDER_APPEAL)).count() == 0
    assert not Account.objects.filter(paid__gt=F("ceiling")).exists()


def test_refuses_a_second_run_unless_appending(volume):
    with pytest.raises(CommandError, match=r"already holds 300 generated files .*--append"):
        generate("--files", "10")
    assert Application.objects.count() == 300
    generate("--files", "40", "--append")
    refs = sorted(Application.objects.values_list("reference", flat=True))
    assert len(refs) == 340 and refs[0] == "VOL-0000001" and refs[-1] == "VOL-0000340"
    out = StringIO()
    call_command("verify_events", stdout=out, stderr=StringIO())
    assert out.getvalue().strip() == "340 files checked, 0 problem(s)."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--files", "0"], "--files must be a positive whole number (got 0)."),
        (["--files", "-5"], "--files must be a positive whole number (got -5)."),
        (["--batch", "0"], "--batch must be a positive whole number (got 0)."),
        (["--files", "many"], "argument --files: invalid int value: 'many'"),
        (["--seed", "x"], "argument --seed: invalid int value: 'x'"),
    ],
)
def test_argument_errors_are_clear(args, message):
    with pytest.raises(CommandError) as error:
        generate(*args)
    assert str(error.value).endswith(message)
    assert not Application.objects.exists()


def test_same_seed_same_files():
    def run(seed: str) -> list[tuple]:
        with transaction.atomic():
            generate("--files", "60", "--seed", seed, "--batch", "25")
            files = list(Application.objects.order_by("reference").values_list(
                "reference", "scheme__code", "state", "aid", "estimate_amount", "events_count", "current_decision__amount"))
            transaction.set_rollback(True)
        return files

    first = run("11")
    assert len(first) == 60
    assert run("11") == first
    assert run("12") != first
