"""A realistic volume of files for measuring the portal at scale (`manage.py generate_volume`).

Rows are written with bulk inserts, one transaction per batch, instead of through the services:
100,000 files through the services would take hours. What the services guarantee is rebuilt
here instead, file by file: the event chain hashes as `applications.events` computes it (so
`manage.py verify_events` passes), each decided file has its Decision with a minimal snapshot,
each award its instalments, and an account whose `paid` is the sum of its payment ledger entries,
within the CHECK constraints of payments.models. Deterministic for a given seed and start.

Generated rows are recognised by their references (`VOL-0000001`) and usernames (`volume-...`).
Volume data only: never to be run against a production database.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import transaction

from accounts.models import Establishment, OfficerMembership, User
from applications.documents import REQUIRED
from applications.events import compute_hash
from applications.models import Application, Document, DocumentRequest, Event, Opinion
from applications.states import State
from decisions.models import Appeal, CommissionSession, Decision, Letter, Outcome, SessionEntry
from payments.models import Account, Instalment, LedgerEntry, PaymentRun, RepaymentOrder
from schemes.engine.money import money
from schemes.models import Scheme

from .demo import situation

REFERENCE_PREFIX = "VOL-"
USERNAME_PREFIX = "volume-"
SCHEMES = ("horizons", "aude", "haute-garonne")
# Rough shares of a portal a few years in: most files decided and granted, a tail in each other state.
STATE_WEIGHTS = {
    State.DRAFT: 8, State.AWAITING_OPINION: 5, State.IN_INSTRUCTION: 10, State.AWAITING_DOCUMENTS: 6,
    State.READY_FOR_DECISION: 6, State.GRANTED: 35, State.REJECTED: 12, State.UNDER_APPEAL: 2,
    State.CANCELLED: 3, State.CLOSED: 4, State.REJECTED_INCOMPLETE: 4, State.WITHDRAWN: 5,
}
DECIDED_BY_COMMISSION = (State.GRANTED, State.REJECTED, State.UNDER_APPEAL, State.CANCELLED)
# The day the generated history starts; each file's events follow it by a few days each.
EPOCH = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
TODAY = date(2025, 3, 3)


def generated_count() -> int:
    return Application.objects.filter(reference__startswith=REFERENCE_PREFIX).count()


def next_number() -> int:
    last = (
        Application.objects.filter(reference__startswith=REFERENCE_PREFIX)
        .order_by("-reference").values_list("reference", flat=True).first()
    )
    return int(last[len(REFERENCE_PREFIX):]) + 1 if last else 1


def pick(rng: random.Random, i: int, *, with_opinion: frozenset[str]) -> tuple[str, str]:
    """(scheme code, state) of the i-th file of a run: the first ones cover every pair that
    exists, so even a small run has every scheme in every state it can reach (a file awaits the
    establishment's opinion only in the schemes that ask for one); the others follow STATE_WEIGHTS."""
    pairs = [(code, state) for state in STATE_WEIGHTS for code in SCHEMES
             if state != State.AWAITING_OPINION or code in with_opinion]
    if i < len(pairs):
        return pairs[i]
    state = rng.choices(list(STATE_WEIGHTS), weights=list(STATE_WEIGHTS.values()))[0]
    return rng.choice(sorted(with_opinion) if state == State.AWAITING_OPINION else SCHEMES), state


def path(state: str, *, requires_opinion: bool, appealed_from: str) -> list[tuple[str, str, str, str]]:
    """The events (kind, from, to, actor role) of a file that reached `state` the usual way."""
    steps = [("created", "", State.DRAFT, "student")]
    if state == State.DRAFT:
        return steps
    first = State.AWAITING_OPINION if requires_opinion else State.IN_INSTRUCTION
    steps.append(("submit", State.DRAFT, first, "student"))
    if state == State.AWAITING_OPINION:
        return steps
    if requires_opinion:
        steps.append(("record_opinion", State.AWAITING_OPINION, State.IN_INSTRUCTION, "establishment"))
    if state == State.WITHDRAWN:
        return [*steps, ("withdraw", State.IN_INSTRUCTION, State.WITHDRAWN, "student")]
    if state == State.CLOSED:
        return [*steps, ("close", State.IN_INSTRUCTION, State.CLOSED, "officer"), ("decision_act", "", "", "officer")]
    if state in (State.AWAITING_DOCUMENTS, State.REJECTED_INCOMPLETE):
        steps.append(("request_documents", State.IN_INSTRUCTION, State.AWAITING_DOCUMENTS, "officer"))
        if state == State.REJECTED_INCOMPLETE:
            steps += [("reject_incomplete", State.AWAITING_DOCUMENTS, State.REJECTED_INCOMPLETE, "system"),
                      ("decision_act", "", "", "system")]
        return steps
    if state == State.IN_INSTRUCTION:
        return steps
    steps.append(("mark_ready", State.IN_INSTRUCTION, State.READY_FOR_DECISION, "officer"))
    if state == State.READY_FOR_DECISION:
        return steps
    appealed_rejection = state == State.UNDER_APPEAL and appealed_from == State.REJECTED
    decided = State.REJECTED if state == State.REJECTED or appealed_rejection else State.GRANTED
    steps.append(("decide", State.READY_FOR_DECISION, decided, "officer"))
    if state == State.UNDER_APPEAL:
        steps.append(("appeal", decided, State.UNDER_APPEAL, "student"))
    elif state == State.CANCELLED:
        steps.append(("cancel", State.GRANTED, State.CANCELLED, "officer"))
    return steps


def award_amount(rng: random.Random, scheme: str) -> Decimal:
    if scheme == "horizons":
        return money(Decimal(70) * rng.randint(8, 36))  # Art. 6: 70 EUR a week
    if scheme == "aude":
        return money(rng.choice((1200, 1500, 2000)))
    return money(200 * rng.randint(3, 6))  # 200 EUR a month


def plan(scheme: str, amount: Decimal, start: date) -> list[tuple[str, int, str, Decimal, date, bool]]:
    """(kind, sequence, label, amount, due_on, awaiting_proof) of an award's instalments."""
    if scheme == "horizons":  # Art. 9: 60 % advance, balance on the proofs of the stay
        advance = money(amount * Decimal("0.6"))
        return [("advance", 1, "Avance (60 %)", advance, TODAY, False),
                ("balance", 1, "Solde", amount - advance, start + timedelta(days=120), True)]
    if scheme == "aude":
        return [("single", 1, "Versement unique", amount, start, False)]
    months = int(amount / 200)
    return [("monthly", k + 1, f"Mensualité {k + 1}/{months}", Decimal(200), start + timedelta(days=30 * k), False)
            for k in range(months)]


@dataclass
class Actors:
    officers: dict[str, User]  # by scheme code
    establishments: list[Establishment]
    schemes: dict[str, Scheme]


def actors_ensure() -> Actors:
    """One officer per authority and a few establishments, created on the first run."""
    schemes = {s.code: s for s in Scheme.objects.select_related("authority").filter(code__in=SCHEMES)}
    officers = {}
    for code, scheme in schemes.items():
        officer, created = User.objects.get_or_create(
            username=f"{USERNAME_PREFIX}agent-{scheme.authority.code}",
            defaults={"email": f"{USERNAME_PREFIX}agent-{scheme.authority.code}@example.org",
                      "first_name": "Agent", "last_name": scheme.authority.code, "password": "!"},
        )
        OfficerMembership.objects.get_or_create(user=officer, authority=scheme.authority)
        officers[code] = officer
    establishments = [
        Establishment.objects.get_or_create(uai=f"0VOLUM{k:02d}", defaults={"name": f"Université du volume {k}", "city": "Toulouse"})[0]
        for k in range(1, 6)
    ]
    return Actors(officers, establishments, schemes)


def _event_rows(app: Application, steps, actors: Actors, scheme: str, student: User, rng: random.Random) -> list[Event]:
    events, prev, when = [], "", EPOCH
    for seq, (kind, from_state, to_state, role) in enumerate(steps, start=1):
        when += timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 600))
        actor = {"student": student, "officer": actors.officers[scheme]}.get(role)
        label = {"establishment": app.establishment.name if app.establishment else "établissement", "system": "système"}.get(
            role, actor.get_full_name() or actor.get_username() if actor else "système")
        event = Event(application_id=app.pk, seq=seq, kind=kind, actor_id=actor.pk if actor else None, actor_label=label,
                      from_state=from_state, to_state=to_state, reason="", payload=json.loads("{}"), created_at=when, prev_hash=prev)
        event.hash = compute_hash(event)
        events.append(event)
        prev = event.hash
    return events


def batch_write(*, start: int, size: int, rng: random.Random, actors: Actors, mix=None) -> dict[str, int]:
    """Write files start..start+size-1 (their numbers, not pks) and everything attached; return row counts.
    `mix`, a list of (scheme code, state), replaces the usual shares: file n is mix[n % len(mix)]."""
    counts: dict[str, int] = {}

    def bulk(model, rows):
        counts[model.__name__] = counts.get(model.__name__, 0) + len(rows)
        return model.objects.bulk_create(rows, batch_size=2000)

    with transaction.atomic():
        with_opinion = frozenset(code for code, scheme in actors.schemes.items() if scheme.requires_establishment_opinion)
        picks = [mix[n % len(mix)] if mix else pick(rng, n - 1, with_opinion=with_opinion) for n in range(start, start + size)]
        students = bulk(User, [
            User(username=f"{USERNAME_PREFIX}{n:07d}", email=f"{USERNAME_PREFIX}{n:07d}@example.org", password="!",
                 first_name=rng.choice(("Léa", "Hugo", "Inès", "Nathan", "Chloé", "Yanis", "Manon", "Louis")),
                 last_name=f"Volume{n:07d}")
            for n in range(start, start + size)
        ])
        apps, extras = [], []
        for n, student, (scheme, state) in zip(range(start, start + size), students, picks, strict=True):
            aid, data = situation(scheme, today=TODAY, variant=rng.randrange(4))
            amount = award_amount(rng, scheme)
            apps.append(Application(
                reference=f"{REFERENCE_PREFIX}{n:07d}", scheme=actors.schemes[scheme], student=student, aid=aid, data=data,
                establishment=rng.choice(actors.establishments), first_name=student.first_name, last_name=student.last_name,
                iban="FR7630006000011234567890189", account_holder=f"{student.first_name} {student.last_name}",
                state=state, academic_year=2025, estimate_eligible=True, estimate_amount=amount,
                submitted_at=None if state == State.DRAFT else EPOCH + timedelta(days=1),
                draft_step=1 if state == State.DRAFT else 5,
            ))
            extras.append((scheme, state, rng.choice((State.GRANTED, State.REJECTED)), amount))
        apps = bulk(Application, apps)

        documents, opinions, requests = [], [], []
        for app, (scheme, state, _, _) in zip(apps, extras, strict=True):
            if state != State.DRAFT:
                documents += [Document(application=app, kind=kind, uploaded_by_id=app.student_id,
                                       explanation="Pièce remise au guichet (jeu de données de volume).") for kind in REQUIRED[scheme]]
            if actors.schemes[scheme].requires_establishment_opinion and state not in (State.DRAFT, State.AWAITING_OPINION):
                opinions.append(Opinion(application=app, favourable=True, given_by=actors.officers[scheme]))
            if state in (State.AWAITING_DOCUMENTS, State.REJECTED_INCOMPLETE):
                requests.append(DocumentRequest(
                    application=app, items=["bank_details"], message="Merci de transmettre votre RIB.",
                    requested_by=actors.officers[scheme], requested_on=TODAY, due_on=TODAY + timedelta(days=61),
                    expired_at=EPOCH + timedelta(days=62) if state == State.REJECTED_INCOMPLETE else None,
                ))
        bulk(Document, documents)
        bulk(Opinion, opinions)
        bulk(DocumentRequest, requests)

        # One closed session per scheme for the batch's decided files, one open for its ready ones.
        sessions, entries = {}, []
        for scheme in SCHEMES:
            for status in ("closed", "open"):
                closed = status == "closed"
                sessions[scheme, status] = CommissionSession.objects.create(
                    scheme=actors.schemes[scheme], title=f"Séance du volume {start}", meeting_date=TODAY, status=status,
                    act_number=f"VOL-{start}-{scheme}" if closed else "", act_date=TODAY if closed else None,
                    created_by=actors.officers[scheme], closed_by=actors.officers[scheme] if closed else None,
                    closed_at=EPOCH if closed else None,
                )
        counts["CommissionSession"] = len(sessions)
        for app, (scheme, state, appealed_from, amount) in zip(apps, extras, strict=True):
            granted = state in (State.GRANTED, State.CANCELLED) or (state == State.UNDER_APPEAL and appealed_from == State.GRANTED)
            if state in DECIDED_BY_COMMISSION:
                entries.append(SessionEntry(
                    session=sessions[scheme, "closed"], application=app, proposed_amount=amount,
                    outcome=Outcome.GRANTED if granted else Outcome.REJECTED, amount=amount if granted else Decimal(0),
                    motivation="" if granted else "Conditions d'éligibilité non remplies.",
                    recorded_by=actors.officers[scheme], recorded_at=EPOCH, decided=True,
                ))
            elif state == State.READY_FOR_DECISION:
                entries.append(SessionEntry(session=sessions[scheme, "open"], application=app, proposed_amount=amount))
        entries = {e.application_id: e for e in bulk(SessionEntry, entries)}

        decisions = []
        for app, (scheme, state, _appealed_from, amount) in zip(apps, extras, strict=True):
            entry = entries.get(app.pk)
            if state in DECIDED_BY_COMMISSION:
                granted = entry.outcome == Outcome.GRANTED
                kind, session, outcome, value = Decision.Kind.INITIAL, entry.session, entry.outcome, entry.amount
            elif state in (State.CLOSED, State.REJECTED_INCOMPLETE):
                granted, session, outcome, value = False, None, Outcome.REJECTED, Decimal(0)
                kind = Decision.Kind.CLOSURE if state == State.CLOSED else Decision.Kind.INCOMPLETE
            else:
                continue
            decisions.append(Decision(
                application=app, session=session, entry=entry if session else None, kind=kind, outcome=outcome,
                amount=value, engine_amount=amount, motivation="" if granted else "Motivation de la décision.",
                decided_on=TODAY, notified_on=TODAY, act_number=session.act_number if session else "",
                created_by=actors.officers[scheme] if state != State.REJECTED_INCOMPLETE else None,
                snapshot={"input": app.data, "result": {"eligible": True, "amount": str(amount)},
                          "parameters": [], "computed_on": TODAY.isoformat(), "engine_version": "volume"},
            ))
        decisions = {d.application_id: d for d in bulk(Decision, decisions)}

        _money_write(apps, extras, decisions, actors, rng, bulk, start)

        appeals = [Appeal(application=app, decision=decisions[app.pk], grounds="Je conteste le montant.", filed_by_id=app.student_id,
                          filed_on=TODAY, state_before=appealed_from)
                   for app, (_, state, appealed_from, _) in zip(apps, extras, strict=True) if state == State.UNDER_APPEAL]
        bulk(Appeal, appeals)

        events = []
        for app, student, (scheme, state, appealed_from, _) in zip(apps, students, extras, strict=True):
            steps = path(state, requires_opinion=actors.schemes[scheme].requires_establishment_opinion, appealed_from=appealed_from)
            chain = _event_rows(app, steps, actors, scheme, student, rng)
            events += chain
            app.events_head, app.events_count = chain[-1].hash, len(chain)
            decision = decisions.get(app.pk)
            app.current_decision_id = decision.pk if decision else None
        bulk(Event, events)
        Application.objects.bulk_update(apps, ["events_head", "events_count", "current_decision"], batch_size=1000)
        counts["Letter"] = acceptances_write(application_ids=[app.pk for app in apps])
    return counts


ACCEPTED_LETTER = {"aude": Letter.Kind.AGREEMENT, "haute-garonne": Letter.Kind.COMMITMENT}


def acceptances_write(*, application_ids: list[int] | None = None) -> int:
    """The accepted agreement (Aude) or commitment (Haute-Garonne) of each generated file whose
    decision in force grants the aid and that has none: what `letter_accept` leaves, without the
    PDF (no page of the volume opens it). Payments require it before paying those schemes
    (payments.services.instalments_payable); volumes generated before this existed get it from
    bench/batch.py. Returns the letters written."""
    from django.db.models import Exists, OuterRef

    accepted = Letter.objects.filter(application=OuterRef("pk"), decision=OuterRef("current_decision"),
                                     kind__in=list(ACCEPTED_LETTER.values()), accepted_at__isnull=False)
    files = Application.objects.filter(reference__startswith=REFERENCE_PREFIX, scheme__code__in=list(ACCEPTED_LETTER),
                                       current_decision__outcome=Outcome.GRANTED).exclude(Exists(accepted))
    if application_ids is not None:
        files = files.filter(pk__in=application_ids)
    rows = []
    for pk, decision_id, student_id, scheme in files.values_list("pk", "current_decision_id", "student_id", "scheme__code"):
        kind = ACCEPTED_LETTER[scheme]
        rows.append(Letter(application_id=pk, decision_id=decision_id, kind=kind, template=f"letters/{kind}.html",
                           context={"volume": True}, requires_acceptance=True, sent_at=EPOCH + timedelta(days=40),
                           accepted_at=EPOCH + timedelta(days=45), accepted_by_id=student_id))
    Letter.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _money_write(apps, extras, decisions, actors: Actors, rng: random.Random, bulk, start: int) -> None:
    """Instalments of each award; some paid (a confirmed run, a ledger entry each), the account's
    `paid` their sum; a cancelled award whose advance was paid gets its repayment order (Art. 10)."""
    instalments, paid_by_app = [], {}
    for app, (scheme, state, _, _) in zip(apps, extras, strict=True):
        decision = decisions.get(app.pk)
        if decision is None or decision.outcome != Outcome.GRANTED:
            continue
        start_day = date.fromisoformat((app.data.get("mobility") or app.data.get("internship"))["start_date"])
        rows = plan(scheme, decision.amount, start_day)
        # Granted files have paid their first instalments, more or fewer; cancelled ones at most the first.
        paid_upto = rng.randint(0, len(rows)) if state == State.GRANTED else (rng.randint(0, 1) if state == State.CANCELLED else 0)
        if scheme == "horizons":
            paid_upto = min(paid_upto, 1)  # the balance waits for the proofs
        for k, (kind, seq, label, value, due_on, awaiting_proof) in enumerate(rows):
            paid = k < paid_upto
            status = (Instalment.Status.PAID if paid else
                      Instalment.Status.CANCELLED if state == State.CANCELLED else Instalment.Status.PLANNED)
            instalments.append(Instalment(
                application=app, scheme_id=app.scheme_id, decision=decision, kind=kind, sequence=seq, label=label, amount=value, due_on=due_on,
                awaiting_proof=awaiting_proof and not paid, status=status, paid_on=TODAY if paid else None,
            ))
        paid_by_app[app.pk] = Decimal(0)

    runs = {}
    for inst in instalments:
        if inst.status == Instalment.Status.PAID:
            scheme = inst.application.scheme
            run = runs.get(scheme.authority_id)
            if run is None:
                run = runs[scheme.authority_id] = PaymentRun(
                    authority_id=scheme.authority_id, reference=f"VOL-{start:07d}-A{scheme.authority_id}", execution_date=TODAY,
                    status=PaymentRun.Status.CONFIRMED, total=Decimal(0), count=0, sepa_xml="",
                    created_by=actors.officers[scheme.code], confirmed_by=actors.officers[scheme.code], confirmed_on=TODAY,
                )
            run.total += inst.amount
            run.count += 1
    bulk(PaymentRun, list(runs.values()))
    for inst in instalments:
        if inst.status == Instalment.Status.PAID:
            inst.run = runs[inst.application.scheme.authority_id]
    instalments = bulk(Instalment, instalments)

    ledger = []
    for inst in instalments:
        if inst.status == Instalment.Status.PAID:
            ledger.append(LedgerEntry(application_id=inst.application_id, kind=LedgerEntry.Kind.PAYMENT, amount=inst.amount,
                                      instalment=inst, booked_on=TODAY, recorded_by=actors.officers[inst.application.scheme.code]))
            paid_by_app[inst.application_id] += inst.amount
    bulk(LedgerEntry, ledger)
    bulk(Account, [Account(application_id=pk, ceiling=decisions[pk].amount, paid=paid) for pk, paid in paid_by_app.items()])
    bulk(RepaymentOrder, [
        RepaymentOrder(application=app, reason=RepaymentOrder.Reason.CHANGE, amount=paid_by_app[app.pk],
                       explanation="Mobilité annulée après le versement de l'avance.", created_on=TODAY,
                       created_by=actors.officers[scheme], notice_received_on=TODAY, response_due=TODAY + timedelta(days=31))
        for app, (scheme, state, _, _) in zip(apps, extras, strict=True)
        if state == State.CANCELLED and paid_by_app.get(app.pk)
    ])


def volume_generate(*, files: int, seed: int, batch: int, write=print, mix=None) -> dict[str, int]:
    """Generate `files` files after the existing generated ones; print progress; return row counts.
    `mix` (tests): a list of (scheme code, state) taken in turn instead of the usual shares."""
    import time

    actors = actors_ensure()
    first = next_number()
    rng = random.Random(f"{seed}:{first}")
    totals: dict[str, int] = {}
    t0 = time.perf_counter()
    for start in range(first, first + files, batch):
        size = min(batch, first + files - start)
        for model, count in batch_write(start=start, size=size, rng=rng, actors=actors, mix=mix).items():
            totals[model] = totals.get(model, 0) + count
        write(f"{start + size - first:,}/{files:,} files ({time.perf_counter() - t0:.1f} s)")
    return totals
