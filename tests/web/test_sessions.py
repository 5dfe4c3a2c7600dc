"""Commission sessions through the test client: agenda, decisions, quota, closing, act, exports,
and who may see them (officers of the scheme's authority only; everyone else gets a 404)."""

import csv
import io
import itertools
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import Establishment, EstablishmentMembership, OfficerMembership, User
from applications import services
from applications.documents import required_kinds
from applications.states import State
from decisions import services as decision_services
from decisions.models import CommissionSession, Decision, SessionEntry
from schemes.models import Scheme

pytestmark = pytest.mark.django_db

HORIZONS_DATA = {
    "student": {
        "level": "M1",
        "establishment_in_region": True,
        "recognised_diploma": True,
        "scholarship_holder": True,
        "apprentice": False,
    },
    "mobility": {
        "kind": "study",
        "start_date": "2025-09-01",
        "end_date": "2025-12-19",
        "country": "DE",
        "in_curriculum": True,
    },
    "other_aid": {"erasmus": False, "other_collectivity_grant": False, "crous_mobility_aid": False},
}
# /work/shared/acceptance/public-cases.json, "haute-garonne both indemnities 6 months": 2,400 EUR.
HAUTE_GARONNE_DATA = {
    "student": {"cycle": 3, "specialty": "general_medicine", "scholarship_holder": True, "social_precarity": False},
    "internship": {"start_date": "2025-11-03", "end_date": "2026-05-02", "commune_insee": "31069", "zone": "zip"},
}
NUMBERS = itertools.count(1)


def user(email, **kw):
    return User.objects.create_user(username=email, email=email, password="pw-demo-2026", **kw)


def officer_of(code):
    officer = user(f"agent-{code}-{next(NUMBERS)}@example.org")
    OfficerMembership.objects.create(user=officer, authority=Scheme.objects.get(code=code).authority)
    return officer


@pytest.fixture
def actors():
    school = Establishment.objects.create(name="Université Toulouse Capitole", uai="0311382J")
    staff = user("scol@example.org")
    EstablishmentMembership.objects.create(user=staff, establishment=school)
    return SimpleNamespace(
        horizons=Scheme.objects.get(code="horizons"),
        haute_garonne=Scheme.objects.get(code="haute-garonne"),
        school=school,
        staff=staff,
        officer=officer_of("horizons"),
        hg_officer=officer_of("haute-garonne"),
        other_officer=officer_of("aude"),
    )


def ready(actors, code="horizons", *, last_name="Martin", first_name="Léa"):
    """A file ready for decision, built through the services (submit, opinion, mark ready)."""
    scheme = Scheme.objects.get(code=code)
    student = user(f"etu{next(NUMBERS)}@example.org")
    horizons = code == "horizons"
    app = services.application_create(
        student=student,
        scheme=scheme,
        aid="grant" if horizons else "",
        establishment=actors.school if horizons else None,
    )
    app = services.application_update(
        application=app,
        by=student,
        data=HORIZONS_DATA if horizons else HAUTE_GARONNE_DATA,
        first_name=first_name,
        last_name=last_name,
    )
    for kind in required_kinds(code, scholarship_holder=True):
        services.document_add(application=app, by=student, kind=kind, explanation="Pièce à venir")
    app = services.application_submit(application=app, by=student, today=date(2025, 6, 1))
    if app.state == State.AWAITING_OPINION:
        services.opinion_record(application=app, by=actors.staff, favourable=True)
    officer = actors.officer if horizons else actors.hg_officer
    return services.application_mark_ready(application=app, by=officer)


def new_session(scheme, officer, files=(), meeting=date(2025, 10, 15)):
    session = decision_services.session_create(scheme=scheme, title="Commission d'octobre", meeting_date=meeting, by=officer)
    if files:
        decision_services.session_add_files(session=session, applications=files, by=officer, today=meeting)
    return session


def url(name, session, *args):
    return reverse(f"decisions:{name}", args=[session.pk, *args])


def decide_all(session, officer, outcome="granted"):
    for entry in session.entries.all():
        decision_services.session_entry_record(
            entry=entry,
            outcome=outcome,
            by=officer,
            amount=entry.proposed_amount,
            motivation="Hors critères" if outcome == "rejected" else "",
        )


@pytest.fixture
def letters(monkeypatch):
    """Letters are their own task, written to the outbox with each batch's decisions and
    delivered after commit: the delivery is recorded here, the rendering not run."""
    import decisions.letters

    issued = []
    monkeypatch.setattr(decisions.letters, "decision_letters_issue", lambda *, decision_id: issued.append(decision_id) or 0)
    return issued


# --- List and creation -----------------------------------------------------------------------
def test_create_session_and_list_it(client, actors):
    client.force_login(actors.officer)
    page = client.get(reverse("decisions:session_list"))
    assert page.status_code == 200 and "Aucune séance" in page.text
    response = client.post(
        reverse("decisions:session_list"),
        {"scheme": actors.horizons.pk, "title": "Commission de juin", "meeting_date": "2026-06-12"},
    )
    session = CommissionSession.objects.get()
    assert response.status_code == 302 and response["Location"] == url("session_detail", session)
    assert session.created_by == actors.officer and session.meeting_date == date(2026, 6, 12)
    listed = client.get(reverse("decisions:session_list"))
    assert "Commission de juin" in listed.text and "Ouverte" in listed.text


@pytest.mark.parametrize(
    "data",
    [
        {"title": "   ", "meeting_date": "2026-06-12"},  # the service refuses a blank title
        {"title": "X", "meeting_date": "pas une date"},
        {"title": "X", "meeting_date": "2026-06-12", "scheme": "999999"},
        {"title": "X", "meeting_date": "2026-06-12", "scheme": "aude"},
    ],
)
def test_bad_creation_input_is_a_form_error(client, actors, data):
    client.force_login(actors.officer)
    response = client.post(reverse("decisions:session_list"), {"scheme": actors.horizons.pk, **data})
    assert response.status_code == 200 and response.context["form"].errors
    assert not CommissionSession.objects.exists()


def test_cannot_create_a_session_for_another_authority(client, actors):
    client.force_login(actors.officer)
    response = client.post(
        reverse("decisions:session_list"),
        {"scheme": Scheme.objects.get(code="aude").pk, "title": "X", "meeting_date": "2026-06-12"},
    )
    assert response.status_code == 200 and "scheme" in response.context["form"].errors
    assert not CommissionSession.objects.exists()


# --- Agenda ----------------------------------------------------------------------------------
def test_add_files_lists_only_ready_files_of_the_scheme(client, actors):
    first, second = ready(actors, last_name="Durand"), ready(actors, last_name="Petit")
    hg = ready(actors, "haute-garonne", last_name="Toulousain")
    session = new_session(actors.horizons, actors.officer)
    client.force_login(actors.officer)
    page = client.get(url("session_detail", session))
    assert page.status_code == 200
    assert first.reference in page.text and second.reference in page.text and hg.reference not in page.text
    searched = client.get(url("session_detail", session), {"q": "peti"})
    assert second.reference in searched.text and first.reference not in searched.text
    # A file of another scheme is "not a valid choice": nothing is added.
    refused = client.post(url("session_add_files", session), {"applications": [first.pk, hg.pk]})
    assert refused.status_code == 200 and not session.entries.exists()
    assert client.post(url("session_add_files", session), {"applications": ["abc"]}).status_code == 200
    assert client.post(url("session_add_files", session), {}).status_code == 200
    response = client.post(url("session_add_files", session), {"applications": [first.pk, second.pk]}, follow=True)
    assert response.status_code == 200 and "2 dossier(s) inscrit(s)" in response.text
    entries = list(session.entries.all())
    assert [e.application_id for e in entries] == [first.pk, second.pk]
    assert entries[0].proposed_amount == Decimal("1120.00")
    # On the agenda (with the proposed amount and a link to the file), no longer a candidate.
    page = client.get(url("session_detail", session))
    assert page.context["candidates"].paginator.count == 0
    assert reverse("applications:officer_application", args=[first.pk]) in page.text
    assert "1\u202f120,00\u00a0€" in page.text


def test_remove_entry_while_open(client, actors):
    app = ready(actors)
    session = new_session(actors.horizons, actors.officer, [app])
    entry = session.entries.get()
    client.force_login(actors.officer)
    assert client.get(url("session_entry_remove", session, entry.pk)).status_code == 405
    assert client.post(url("session_entry_remove", session, entry.pk)).status_code == 302
    assert not session.entries.exists()
    assert client.post(url("session_entry_remove", session, 999999)).status_code == 404


# --- Recording decisions ---------------------------------------------------------------------
def test_record_granted_and_rejected(client, actors):
    granted, rejected = ready(actors, last_name="Alpha"), ready(actors, last_name="Beta")
    session = new_session(actors.horizons, actors.officer, [granted, rejected])
    e1, e2 = session.entries.order_by("pk")
    client.force_login(actors.officer)
    page = client.get(url("session_detail", session))
    assert page.context["rows"][0][1].initial["amount"] == Decimal("1120.00")
    assert "Je confirme le dépassement" not in page.text  # only once the service asks for it
    response = client.post(
        url("session_entry_record", session, e1.pk), {f"e{e1.pk}-outcome": "granted", f"e{e1.pk}-amount": "1000,00"}
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#entry-{e1.pk}")
    e1.refresh_from_db()
    assert e1.outcome == "granted" and e1.amount == Decimal("1000.00")
    # A rejection without motivation: the service's error next to the field, nothing recorded.
    response = client.post(url("session_entry_record", session, e2.pk), {f"e{e2.pk}-outcome": "rejected"})
    assert response.status_code == 200
    form = dict((entry.pk, f) for entry, f, _c in response.context["rows"])[e2.pk]
    assert "motivation" in form.errors and "art. 8" in response.text
    e2.refresh_from_db()
    assert e2.outcome == ""
    response = client.post(
        url("session_entry_record", session, e2.pk),
        {f"e{e2.pk}-outcome": "rejected", f"e{e2.pk}-motivation": "Mobilité hors cursus"},
    )
    assert response.status_code == 302
    e2.refresh_from_db()
    assert e2.outcome == "rejected" and e2.amount == Decimal("0.00")
    page = client.get(url("session_detail", session))
    assert "Mobilité hors cursus" in page.text and "Enregistré en séance, pas encore décidé" in page.text


@pytest.mark.parametrize(
    "data",
    [
        {"outcome": "granted", "amount": "1120.01"},  # above the regulation's amount (service)
        {"outcome": "granted", "amount": "abc"},
        {"outcome": "granted", "amount": "-5"},
        {"outcome": "maybe"},
        {},
    ],
)
def test_bad_decision_input_is_a_form_error(client, actors, data):
    session = new_session(actors.horizons, actors.officer, [ready(actors)])
    entry = session.entries.get()
    client.force_login(actors.officer)
    response = client.post(
        url("session_entry_record", session, entry.pk), {f"e{entry.pk}-{k}": v for k, v in data.items()}
    )
    assert response.status_code == 200
    entry.refresh_from_db()
    assert entry.outcome == ""


def test_haute_garonne_quota_is_a_derogation_for_an_entitled_officer(client, actors):
    """10 beneficiaries a year (the year the internship starts): the 11th attribution is a
    derogation, refused to an officer without the right, recorded with its reason otherwise."""
    files = [ready(actors, "haute-garonne", last_name=f"Interne{i:02d}") for i in range(11)]
    officer = actors.hg_officer
    session = new_session(actors.haute_garonne, officer, files, meeting=date(2026, 1, 15))
    entries = list(session.entries.order_by("pk"))
    assert entries[0].proposed_amount == Decimal("2400.00")
    client.force_login(officer)
    for entry in entries[:10]:
        response = client.post(
            url("session_entry_record", session, entry.pk),
            {f"e{entry.pk}-outcome": "granted", f"e{entry.pk}-amount": "2400.00"},
        )
        assert response.status_code == 302
    page = client.get(url("session_detail", session))
    budget = page.context["budgets"][0][0]
    assert budget.kind == "quota" and budget.remaining == 0
    assert "0 bénéficiaire(s)" in page.text
    last = entries[10]
    data = {f"e{last.pk}-outcome": "granted", f"e{last.pk}-amount": "2400.00"}
    asked = client.post(url("session_entry_record", session, last.pk), data)
    assert asked.status_code == 200 and "réservée aux agents qui en ont le droit" in asked.text
    form = {entry.pk: f for entry, f, _c in asked.context["rows"]}[last.pk]
    assert "quota_derogation" in form.errors
    # A reason is not enough without the right: nothing is recorded.
    refused = client.post(url("session_entry_record", session, last.pk),
                          {**data, f"e{last.pk}-quota_derogation": "Zone très sous-dotée"})
    assert refused.status_code == 200
    last.refresh_from_db()
    assert last.outcome == "" and last.quota_derogation == ""

    officer.user_permissions.add(Permission.objects.get(codename="derogate_quota"))
    client.force_login(type(officer).objects.get(pk=officer.pk))
    no_reason = client.post(url("session_entry_record", session, last.pk), data)
    assert no_reason.status_code == 200 and "motif de la dérogation" in no_reason.text
    confirmed = client.post(url("session_entry_record", session, last.pk),
                            {**data, f"e{last.pk}-quota_derogation": "Zone très sous-dotée"})
    assert confirmed.status_code == 302
    last.refresh_from_db()
    assert last.outcome == "granted" and last.over_quota_confirmed and last.quota_derogation == "Zone très sous-dotée"
    page = client.get(url("session_detail", session))
    assert page.context["budgets"][0][0].remaining == -1 and "text-danger" in page.text
    assert "Dérogation au quota" in page.text and "Zone très sous-dotée" in page.text


# --- Closing ---------------------------------------------------------------------------------
def test_close_decides_every_file_once(client, actors, letters, django_capture_on_commit_callbacks):
    granted, rejected = ready(actors, last_name="Alpha"), ready(actors, last_name='=HYPERLINK("http://x","y")')
    session = new_session(actors.horizons, actors.officer, [granted, rejected])
    e1, e2 = session.entries.order_by("pk")
    decision_services.session_entry_record(entry=e1, outcome="granted", amount=Decimal("1120.00"), by=actors.officer)
    decision_services.session_entry_record(entry=e2, outcome="rejected", motivation="Hors critères", by=actors.officer)
    client.force_login(actors.officer)
    confirm = client.get(url("session_close", session))
    assert confirm.status_code == 200 and "irréversible" in confirm.text
    assert confirm.context["summary"]["granted"] == 1 and confirm.context["summary"]["rejected"] == 1
    assert "1\u202f120,00\u00a0€" in confirm.text
    # Without the confirmation box, nothing happens.
    assert client.post(url("session_close", session), {}).status_code == 200
    session.refresh_from_db()
    assert session.status == "open"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("session_close", session), {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == url("session_progress", session)
    # A double click, or a second officer: the same single close.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = client.post(url("session_close", session), {"confirm": "on"})
    assert again.status_code == 302 and again["Location"] == url("session_progress", session) and not callbacks
    session.refresh_from_db()
    assert session.status == "closed" and session.progress_done == session.progress_total == 2
    decisions = Decision.objects.filter(session=session)
    assert decisions.count() == 2 and sorted(letters) == sorted(decisions.values_list("pk", flat=True))
    granted.refresh_from_db(), rejected.refresh_from_db()
    assert granted.state == State.GRANTED and rejected.state == State.REJECTED
    assert (
        granted.current_decision.amount == Decimal("1120.00")
        and granted.current_decision.act_number == session.act_number
    )
    # Progress: the page, and its JSON for the poll.
    progress = client.get(url("session_progress", session))
    assert (
        progress.status_code == 200 and "progress-bar" in progress.text and url("session_act", session) in progress.text
    )
    assert client.get(url("session_progress_json", session)).json() == {
        "status": "closed", "done": 2, "total": 2, "stalled": False
    }
    # Closed: no more changes (a message, not a 500), the confirmation page leads to the progress.
    assert client.get(url("session_close", session))["Location"] == url("session_progress", session)
    refused = client.post(
        url("session_entry_record", session, e1.pk), {f"e{e1.pk}-outcome": "rejected", f"e{e1.pk}-motivation": "x"}
    )
    assert refused.status_code == 200 and "close" in refused.text
    assert client.post(url("session_add_files", session), {"applications": [granted.pk]}).status_code == 200
    # The act and its exports.
    act = client.get(url("session_act", session))
    assert act.status_code == 200 and session.act_number in act.text and "Hors critères" in act.text
    csv_response = client.get(url("session_act_csv", session))
    assert csv_response["Content-Type"].startswith("text/csv") and csv_response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Référence", "Nom", "Prénom"] and len(rows) == 2
    assert rows[1] == [
        granted.reference,
        "Alpha",
        "Léa",
        "Université Toulouse Capitole",
        actors.horizons.name,
        rows[1][5],
        "1120,00",
        "Attribution",
        session.act_number,
        session.act_date.strftime("%d/%m/%Y"),
        "1120,00",  # the regulation's amount, and no derogation
        "",
        "",
    ]
    # Only the beneficiaries: the rejected file is on the act's page, not in its list.
    assert "Rejet" not in csv_response.content.decode("utf-8-sig")
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(client.get(url("session_act_xlsx", session)).content)).active
    values = list(ws.iter_rows(values_only=True))
    assert values[1][0] == granted.reference and float(values[1][6]) == 1120.0 and values[1][8] == session.act_number
    assert len(values) == 2


def test_close_refused_while_a_decision_is_missing(client, actors):
    session = new_session(actors.horizons, actors.officer, [ready(actors)])
    client.force_login(actors.officer)
    response = client.post(url("session_close", session), {"confirm": "on"})
    assert response.status_code == 200 and "sans décision" in response.text
    session.refresh_from_db()
    assert session.status == "open"


def test_progress_while_closing(client, actors):
    session = new_session(actors.horizons, actors.officer, [ready(actors)])
    decide_all(session, actors.officer)
    # Started, but the background task has not run yet (no on_commit callbacks outside capture).
    decision_services.session_close_start(session=session, by=actors.officer, today=date(2025, 10, 16))
    client.force_login(actors.officer)
    page = client.get(url("session_progress", session))
    assert page.status_code == 200 and '<meta http-equiv="refresh" content="3">' in page.text
    assert url("session_progress_json", session) in page.text
    assert client.get(url("session_progress_json", session)).json() == {
        "status": "closing", "done": 0, "total": 1, "stalled": False
    }
    # The act is not there yet: the progress page explains.
    assert client.get(url("session_act", session))["Location"] == url("session_progress", session)
    assert client.get(url("session_act_csv", session))["Location"] == url("session_progress", session)


def test_act_of_an_open_session_redirects(client, actors):
    session = new_session(actors.horizons, actors.officer)
    client.force_login(actors.officer)
    assert client.get(url("session_act", session))["Location"] == url("session_detail", session)


# --- Who may see a session -------------------------------------------------------------------
def _all_urls(session, entry):
    return [
        ("get", url(name, session))
        for name in (
            "session_detail",
            "session_close",
            "session_progress",
            "session_progress_json",
            "session_act",
            "session_act_csv",
            "session_act_xlsx",
        )
    ] + [
        ("post", url("session_add_files", session)),
        ("post", url("session_close", session)),
        ("post", url("session_entry_record", session, entry.pk)),
        ("post", url("session_entry_remove", session, entry.pk)),
    ]


def test_other_authority_and_others_get_404(client, actors):
    app = ready(actors)
    session = new_session(actors.horizons, actors.officer, [app])
    entry = session.entries.get()
    for who in (actors.other_officer, actors.hg_officer, actors.staff, app.student):
        client.force_login(who)
        for method, address in _all_urls(session, entry):
            data = {
                "confirm": "on",
                "applications": [app.pk],
                f"e{entry.pk}-outcome": "rejected",
                f"e{entry.pk}-motivation": "x",
            }
            response = getattr(client, method)(address, data if method == "post" else None)
            assert response.status_code == 404, (who, method, address)
        if who in (actors.other_officer, actors.hg_officer):
            listed = client.get(reverse("decisions:session_list"))
            assert listed.status_code == 200 and session.title not in listed.text
        else:
            assert client.get(reverse("decisions:session_list")).status_code == 404
    assert SessionEntry.objects.get().outcome == "" and CommissionSession.objects.get().status == "open"


def test_anonymous_is_sent_to_sign_in(client, actors):
    session = new_session(actors.horizons, actors.officer)
    for address in (
        reverse("decisions:session_list"),
        url("session_detail", session),
        url("session_progress_json", session),
    ):
        response = client.get(address)
        assert response.status_code == 302 and "/comptes/" in response["Location"]


def test_a_stalled_closing_can_be_resumed_from_its_page(client, actors):
    from django.utils import timezone

    from applications.models import OutboxMessage

    session = new_session(actors.horizons, actors.officer, [ready(actors)])
    decide_all(session, actors.officer)
    decision_services.session_close_start(session=session, by=actors.officer, today=date(2025, 10, 16))
    client.force_login(actors.officer)
    resume = url("session_close_resume", session)
    # Moving (just started): no button, and a POST resumes nothing.
    page = client.get(url("session_progress", session))
    assert resume not in page.text and 'id="session-stalled"' not in page.text
    refused = client.post(resume, follow=True)
    assert "rien à reprendre" in refused.text
    assert OutboxMessage.objects.filter(task="decisions.close_session").count() == 1
    # Its worker died: the progress has not moved for longer than the delay.
    CommissionSession.objects.filter(pk=session.pk).update(progress_at=timezone.now() - timezone.timedelta(hours=1))
    page = client.get(url("session_progress", session))
    assert 'id="session-stalled"' in page.text and resume in page.text and "Reprendre la clôture" in page.text
    assert client.get(url("session_progress_json", session)).json()["stalled"] is True
    response = client.post(resume)
    assert response.status_code == 302 and response["Location"] == url("session_progress", session)
    assert OutboxMessage.objects.filter(task="decisions.close_session", args=[session.pk]).count() == 2
    assert 'id="session-stalled"' not in client.get(url("session_progress", session)).text
    # Someone else's session: not found; GET is not an action.
    client.force_login(actors.other_officer)
    assert client.post(resume).status_code == 404
    client.force_login(actors.officer)
    assert client.get(resume).status_code == 405
