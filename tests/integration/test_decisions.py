"""Commission sessions and decisions, through the services, on the real database."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.models import Establishment, EstablishmentMembership, OfficerMembership, User
from applications import services
from applications.documents import required_kinds
from applications.models import Application
from applications.states import State
from decisions import services as decision_services
from decisions.models import CommissionSession, Decision
from decisions.snapshots import snapshot_reproduce
from schemes.models import Parameter, Scheme
from tests.files import PDF

HORIZONS = {
    "student": {"level": "M1", "establishment_in_region": True, "recognised_diploma": True,
                "scholarship_holder": True, "apprentice": False},
    "mobility": {"kind": "study", "start_date": "2025-09-01", "end_date": "2025-12-19",
                 "country": "DE", "in_curriculum": True},
}
HAUTE_GARONNE = {
    "student": {"cycle": 3, "specialty": "general_medicine", "scholarship_holder": True},
    "internship": {"start_date": "2025-11-03", "end_date": "2026-05-02", "commune_insee": "31069", "zone": "zip"},
}
COUNTER = iter(range(10_000))


def _user(email):
    return User.objects.create_user(username=email, email=email, password="pw-demo-2026")


def _officer(code):
    officer = _user(f"agent-{code}-{next(COUNTER)}@example.org")
    OfficerMembership.objects.create(user=officer, authority=Scheme.objects.get(code=code).authority)
    return officer


def ready_file(code, officer, data, *, aid="", school=None, staff=None):
    scheme = Scheme.objects.get(code=code)
    student = _user(f"etu{next(COUNTER)}@example.org")
    app = services.application_create(student=student, scheme=scheme, aid=aid, establishment=school)
    services.application_update(application=app, by=student, data=data, first_name="Léa", last_name="Martin")
    for kind in required_kinds(code, scholarship_holder=True):
        services.document_add(application=app, by=student, kind=kind, upload=SimpleUploadedFile("p.pdf", PDF))
    app = services.application_submit(application=app, by=student, today=date(2025, 6, 1))
    if app.state == State.AWAITING_OPINION:
        services.opinion_record(application=app, by=staff, favourable=True)
    return services.application_mark_ready(application=app, by=officer)


@pytest.fixture
def horizons_world(db):
    school = Establishment.objects.create(name="Université Toulouse Capitole", uai="0311382J")
    staff = _user("scol@example.org")
    EstablishmentMembership.objects.create(user=staff, establishment=school)
    officer = _officer("horizons")
    make = lambda: ready_file("horizons", officer, HORIZONS, aid="grant", school=school, staff=staff)  # noqa: E731
    return officer, make


def _session(code, officer, files, *, outcome="granted", amount=None, meeting=date(2025, 7, 1)):
    session = decision_services.session_create(scheme=Scheme.objects.get(code=code), title="Commission", meeting_date=meeting, by=officer)
    assert decision_services.session_add_files(session=session, applications=files, by=officer, today=meeting) == len(files)
    for entry in session.entries.all():
        decision_services.session_entry_record(entry=entry, outcome=outcome, by=officer, motivation="Motif" if outcome == "rejected" else "",
                                      amount=amount if amount is not None else entry.proposed_amount)
    return session


def test_session_decides_each_file_with_its_snapshot(horizons_world):
    officer, make = horizons_world
    files = [make(), make()]
    session = _session("horizons", officer, files)
    assert {e.proposed_amount for e in session.entries.all()} == {Decimal("1120.00")}
    decision_services.session_close_start(session=session, by=officer, today=date(2025, 7, 3))
    assert decision_services.session_close_run(session_id=session.pk) == 2
    session.refresh_from_db()
    assert session.status == "closed" and session.act_number == "HORIZONS-2025-001" and session.progress_done == 2
    for app in Application.objects.filter(pk__in=[f.pk for f in files]):
        decision = app.current_decision
        assert app.state == State.GRANTED and decision.amount == Decimal("1120.00") and decision.decided_on == date(2025, 7, 3)
        snap = decision.snapshot
        assert snap["engine_version"] and snap["result"]["amount"] == "1120.00"
        assert {p["key"] for p in snap["parameters"]} >= {"weekly_rate", "grant_bands", "annual_weeks_cap"}
        assert [e.kind for e in app.events.all()][-2:] == ["decision_recorded", "decide"]


def test_decision_reproduced_after_parameters_change(horizons_world):
    officer, make = horizons_world
    app = make()
    session = _session("horizons", officer, [app])
    decision_services.session_close_start(session=session, by=officer, today=date(2025, 7, 3))
    decision_services.session_close_run(session_id=session.pk)
    decision = Application.objects.get(pk=app.pk).current_decision
    # Years later the rate changed, retroactively even, and the zoning tables moved on.
    Parameter.objects.filter(scheme__code="horizons", key="weekly_rate").update(value="99.00")
    again = snapshot_reproduce(decision.snapshot)
    assert again.amount == decision.amount == Decimal("1120.00") and again.weeks == 16


def test_closing_twice_or_resuming_gives_one_decision_per_file(horizons_world):
    officer, make = horizons_world
    files = [make() for _ in range(3)]
    session = _session("horizons", officer, files)
    decision_services.session_close_start(session=session, by=officer, today=date(2025, 7, 3))
    decision_services.session_close_start(session=session, by=officer, today=date(2025, 7, 4))  # double click
    decision_services.session_close_run(session_id=session.pk)
    assert decision_services.session_close_run(session_id=session.pk) == 0
    assert Decision.objects.filter(session=session).count() == 3
    session.refresh_from_db()
    assert session.act_date == date(2025, 7, 3)


def test_session_refuses_incomplete_agenda_and_rejection_without_motivation(horizons_world):
    officer, make = horizons_world
    session = decision_services.session_create(scheme=Scheme.objects.get(code="horizons"), title="C", meeting_date=date(2025, 7, 1), by=officer)
    decision_services.session_add_files(session=session, applications=[make()], by=officer, today=date(2025, 7, 1))
    with pytest.raises(services.ServiceError, match="sans décision"):
        decision_services.session_close_start(session=session, by=officer, today=date(2025, 7, 3))
    entry = session.entries.get()
    with pytest.raises(services.ServiceError) as exc:
        decision_services.session_entry_record(entry=entry, outcome="rejected", by=officer)
    assert exc.value.field == "motivation"
    with pytest.raises(services.ServiceError) as exc:
        decision_services.session_entry_record(entry=entry, outcome="granted", amount=Decimal("1120.01"), by=officer)
    assert exc.value.field == "amount"


def test_other_authority_cannot_touch_the_session(horizons_world):
    officer, make = horizons_world
    session = decision_services.session_create(scheme=Scheme.objects.get(code="horizons"), title="C", meeting_date=date(2025, 7, 1), by=officer)
    with pytest.raises(services.ServiceError):
        decision_services.session_add_files(session=session, applications=[make()], by=_officer("aude"), today=date(2025, 7, 1))


def test_haute_garonne_quota_of_ten_is_a_derogation_with_its_reason(db):
    officer = _officer("haute-garonne")
    files = [ready_file("haute-garonne", officer, HAUTE_GARONNE) for _ in range(11)]
    session = decision_services.session_create(scheme=Scheme.objects.get(code="haute-garonne"), title="C", meeting_date=date(2025, 10, 1), by=officer)
    decision_services.session_add_files(session=session, applications=files, by=officer, today=date(2025, 10, 1))
    entries = list(session.entries.order_by("pk"))
    for entry in entries[:10]:
        decision_services.session_entry_record(entry=entry, outcome="granted", amount=entry.proposed_amount, by=officer)
    budget = decision_services.session_budget(session=session, application=files[0])
    assert (budget.kind, budget.limit, budget.recorded, budget.remaining) == ("quota", 10, 10, 0)
    # The internships start in November 2025: the Département's year 2025 (not the meeting's).
    assert (budget.start, budget.end) == (date(2025, 1, 1), date(2025, 12, 31))
    with pytest.raises(services.ServiceError) as exc:
        decision_services.session_entry_record(entry=entries[10], outcome="granted", amount=Decimal("2400.00"), by=officer,
                                               quota_derogation="Zone prioritaire")
    assert exc.value.field == "quota_derogation"
    entries[10].refresh_from_db()
    assert entries[10].outcome == ""
    officer.user_permissions.add(Permission.objects.get(codename="derogate_quota"))
    officer = type(officer).objects.get(pk=officer.pk)
    with pytest.raises(services.ServiceError) as exc:
        decision_services.session_entry_record(entry=entries[10], outcome="granted", amount=Decimal("2400.00"), by=officer)
    assert exc.value.field == "quota_derogation"
    entry = decision_services.session_entry_record(entry=entries[10], outcome="granted", amount=Decimal("2400.00"), by=officer,
                                                   quota_derogation="Zone prioritaire")
    assert entry.over_quota_confirmed and entry.quota_derogation == "Zone prioritaire"
    assert entries[10].application.events.last().payload["quota_derogation"] == "Zone prioritaire"
    decision_services.session_close_start(session=session, by=officer, today=date(2025, 10, 2))
    decision_services.session_close_run(session_id=session.pk)
    assert Decision.objects.get(entry=entry).quota_derogation == "Zone prioritaire"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks across threads need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_officers_closing_at_once_give_one_decision_per_file():
    school = Establishment.objects.create(name="Université Toulouse Capitole", uai="0311382J")
    staff = _user("scol2@example.org")
    EstablishmentMembership.objects.create(user=staff, establishment=school)
    officer, second = _officer("horizons"), _officer("horizons")
    files = [ready_file("horizons", officer, HORIZONS, aid="grant", school=school, staff=staff) for _ in range(6)]
    session = _session("horizons", officer, files)
    barrier, errors = threading.Barrier(4), []

    def close(who):
        try:
            barrier.wait(timeout=10)
            decision_services.session_close_start(session=session, by=who, today=date(2025, 7, 3))
            decision_services.session_close_run(session_id=session.pk)
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=close, args=(who,)) for who in (officer, second, officer, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert Decision.objects.filter(session=session).count() == 6
    assert CommissionSession.objects.get(pk=session.pk).status == "closed"
    assert all(a.events.filter(kind="decide").count() == 1 for a in Application.objects.filter(pk__in=[f.pk for f in files]))


def test_student_sees_the_decision_not_an_estimate(horizons_world, client):
    officer, make = horizons_world
    app = make()
    session = _session("horizons", officer, [app], amount=Decimal("1000.00"))
    decision_services.session_close_start(session=session, by=officer, today=date(2025, 7, 3))
    decision_services.session_close_run(session_id=session.pk)
    client.force_login(app.student)
    page = client.get(f"/demandes/{app.pk}/").content.decode()
    assert "Aide attribuée" in page and "1\u202f000,00\u00a0€" in page
    assert "Montant estimé" not in page
