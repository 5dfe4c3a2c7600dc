"""The decision's amount is the texts' (a derogation otherwise, with its reason, in the act), and
the student's whole history of the year counts (Horizons Art. 4; Aude's 3,600 EUR a year)."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from applications.pdf import render_award_html
from applications.services import ServiceError
from decisions import services as decision_services
from decisions.letters.context import letter_context
from decisions.models import Decision
from tests import flows

pytestmark = pytest.mark.django_db

INTERNSHIP = {
    **flows.HORIZONS_DATA,
    "mobility": {"kind": "internship", "start_date": "2025-10-06", "end_date": "2026-03-20", "country": "DE",
                 "in_curriculum": True, "monthly_gratification": "0"},
}
SECOND_INTERNSHIP = {**INTERNSHIP, "mobility": {**INTERNSHIP["mobility"], "start_date": "2026-04-06", "end_date": "2026-06-26"}}
STUDY_24 = {**flows.HORIZONS_DATA, "mobility": {**flows.HORIZONS["mobility"], "start_date": "2025-09-01", "end_date": "2026-02-13"}}


def _session_with(agent, app, meeting=date(2025, 7, 3)):
    session = decision_services.session_create(scheme=app.scheme, title="Commission", meeting_date=meeting, by=agent)
    decision_services.session_add_files(session=session, applications=[app], by=agent, today=meeting)
    return session, session.entries.get()


def _close(session, agent, on):
    decision_services.session_close_start(session=session, by=agent, today=on)
    decision_services.session_close_run(session_id=session.pk)


# --- Point 1: fixed amounts are the engine's --------------------------------------------------
def test_haute_garonne_other_amount_is_a_derogation_stated_in_the_act(client):
    agent = flows.officer("haute-garonne")
    app = flows.ready_file("haute-garonne", agent)
    session, entry = _session_with(agent, app)
    assert entry.proposed_amount == Decimal("2400.00")  # 200 + 200 EUR a month, 6 months

    with pytest.raises(ServiceError) as refused:
        decision_services.session_entry_record(entry=entry, outcome="granted", amount=Decimal("100.00"), by=agent)
    assert refused.value.field == "amount_derogation" and "2\u202f400,00\xa0€" in refused.value.message
    entry.refresh_from_db()
    assert (entry.outcome, entry.amount, entry.amount_derogation) == ("", None, "")

    # Through the page: the refusal asks for the reason; with it, the derogation is recorded.
    client.force_login(agent)
    url = f"/commission/{session.pk}/dossiers/{entry.pk}/decision/"
    page = client.post(url, {f"e{entry.pk}-outcome": "granted", f"e{entry.pk}-amount": "100,00"})
    assert page.status_code == 200 and "Un autre montant est une dérogation" in page.text
    done = client.post(url, {f"e{entry.pk}-outcome": "granted", f"e{entry.pk}-amount": "100,00",
                             f"e{entry.pk}-amount_derogation": "Stage interrompu par la faculté"})
    assert done.status_code == 302
    _close(session, agent, date(2025, 7, 3))
    decision = Decision.objects.get(application=app)
    assert (decision.amount, decision.engine_amount, decision.amount_derogation) == (
        Decimal("100.00"), Decimal("2400.00"), "Stage interrompu par la faculté")

    html = render_award_html(letter_context(application=app, kind="award", decision=decision))
    assert "Dérogation." in html and "Stage interrompu par la faculté" in html
    act = client.get(f"/commission/{session.pk}/arrete/")
    assert "Dérogation au montant" in act.text and "Stage interrompu par la faculté" in act.text
    csv = client.get(f"/commission/{session.pk}/beneficiaires.csv").content.decode("utf-8-sig")
    assert "Stage interrompu par la faculté" in csv and "2400,00" in csv


def test_the_same_amount_needs_no_reason_and_a_higher_one_is_refused(db):
    agent = flows.officer("aude")
    app = flows.ready_file("aude", agent)
    _session, entry = _session_with(agent, app)
    assert entry.proposed_amount == Decimal("1800.00")  # 3 months x (200 + 400)
    with pytest.raises(ServiceError) as refused:
        decision_services.session_entry_record(entry=entry, outcome="granted", amount=Decimal("1800.01"), by=agent,
                                               amount_derogation="Plus")
    assert refused.value.field == "amount"
    recorded = decision_services.session_entry_record(entry=entry, outcome="granted", amount=Decimal("1800.00"), by=agent,
                                                      amount_derogation="ignored: the texts' amount")
    assert recorded.amount_derogation == ""


def test_horizons_grant_is_up_to_its_amount_without_derogation(db):
    agent = flows.officer("horizons")
    app = flows.ready_file("horizons", agent)
    _session, entry = _session_with(agent, app)
    recorded = decision_services.session_entry_record(entry=entry, outcome="granted", amount=Decimal("1000.00"), by=agent)
    assert recorded.amount == Decimal("1000.00") and recorded.amount_derogation == ""


# --- Point 2: cumulation across the student's files -----------------------------------------
def test_second_internship_grant_of_the_year_is_refused_with_its_reason(client):
    agent = flows.officer("horizons")
    first = flows.decided_file("horizons", agent, data=INTERNSHIP)
    assert first.current_decision.amount == Decimal("1680.00")  # 24 weeks x 70 EUR
    second = flows.ready_file("horizons", agent, data=SECOND_INTERNSHIP, student=first.student)

    client.force_login(agent)
    page = client.get(f"/instruction/{second.pk}/")
    assert "Cumul : autres dossiers" in page.text and first.reference in page.text
    assert "Non éligible" in page.text  # the engine counts the grant decided on the first file

    session, entry = _session_with(agent, second, meeting=date(2025, 9, 15))
    assert entry.proposed_amount == Decimal("0.00")
    with pytest.raises(ServiceError) as refused:
        decision_services.session_entry_record(entry=entry, outcome="granted", amount=Decimal("840.00"), by=agent)
    assert "Art. 4" in refused.value.message
    entry.refresh_from_db()
    assert entry.outcome == "" and not Decision.objects.filter(application=second).exists()
    detail = client.get(f"/commission/{session.pk}/")
    assert "Autres dossiers de l'étudiant cette année" in detail.text and first.reference in detail.text


def test_two_files_on_open_agendas_count_against_each_other(db):
    agent = flows.officer("horizons")
    first = flows.ready_file("horizons", agent, data=INTERNSHIP)
    second = flows.ready_file("horizons", agent, data=SECOND_INTERNSHIP, student=first.student)
    _s1, e1 = _session_with(agent, first)
    _s2, e2 = _session_with(agent, second)
    decision_services.session_entry_record(entry=e1, outcome="granted", amount=e1.proposed_amount, by=agent)
    with pytest.raises(ServiceError) as refused:
        decision_services.session_entry_record(entry=e2, outcome="granted", amount=e2.proposed_amount, by=agent)
    assert "Art. 4" in refused.value.message
    # In progress, the other file is a warning on the file page's data.
    from applications.selectors import student_files_in_progress
    assert list(student_files_in_progress(application=first)) == [second]


def test_36_weeks_a_year_over_all_files(db):
    agent = flows.officer("horizons")
    first = flows.decided_file("horizons", agent, data=STUDY_24)
    assert first.current_decision.snapshot["result"]["weeks"] == 24
    second = flows.ready_file("horizons", agent, student=first.student)  # 16 weeks of study
    _session, entry = _session_with(agent, second, meeting=date(2025, 8, 1))
    with pytest.raises(ServiceError) as refused:
        decision_services.session_entry_record(entry=entry, outcome="granted", amount=Decimal("1120.00"), by=agent)
    assert refused.value.field == "amount" and "840,00\xa0€" in refused.value.message  # 12 weeks left x 70
    recorded = decision_services.session_entry_record(entry=entry, outcome="granted", amount=Decimal("840.00"), by=agent)
    assert recorded.proposed_amount == Decimal("840.00")


def test_aude_3600_a_year_per_student_across_files(db):
    agent = flows.officer("aude")
    six_months = {**flows.AUDE, "internship": {**flows.AUDE["internship"], "start_date": "2025-11-03", "end_date": "2026-05-02"}}
    first = flows.decided_file("aude", agent, data=six_months)
    assert first.current_decision.amount == Decimal("3600.00")
    later = {**flows.AUDE, "internship": {**flows.AUDE["internship"], "start_date": "2026-05-04", "end_date": "2026-08-03"}}
    second = flows.ready_file("aude", agent, data=later, student=first.student)
    _session, entry = _session_with(agent, second, meeting=date(2026, 4, 1))
    with pytest.raises(ServiceError) as refused:
        decision_services.session_entry_record(entry=entry, outcome="granted", amount=Decimal("1800.00"), by=agent)
    assert "3 600,00" in refused.value.message.replace("\u202f", " ").replace("\xa0", " ")
    entry.refresh_from_db()
    assert entry.outcome == ""


# --- Point 11: quotas in the window the texts mean ----------------------------------------
def test_aude_quota_counts_by_the_internship_session(db):
    agent = flows.officer("aude")
    winter = flows.ready_file("aude", agent)  # internship from 5 January 2026: session of November 2025
    session, _entry = _session_with(agent, winter, meeting=date(2025, 7, 3))
    budget = decision_services.session_budget(session=session, application=winter)
    assert (budget.start, budget.end, budget.limit) == (date(2025, 11, 1), date(2026, 4, 30), 15)
    summer = {**flows.AUDE, "internship": {**flows.AUDE["internship"], "start_date": "2026-05-04", "end_date": "2026-08-03"}}
    other = flows.ready_file("aude", agent, data=summer)
    assert decision_services.session_budget(session=session, application=other).start == date(2026, 5, 1)


def test_over_quota_needs_the_right_not_a_tick_box(db):
    agent = flows.officer("aude")
    files = [flows.ready_file("aude", agent) for _ in range(16)]
    session = decision_services.session_create(scheme=files[0].scheme, title="C", meeting_date=date(2025, 7, 3), by=agent)
    decision_services.session_add_files(session=session, applications=files, by=agent, today=date(2025, 7, 3))
    entries = list(session.entries.order_by("pk"))
    for entry in entries[:15]:
        decision_services.session_entry_record(entry=entry, outcome="granted", amount=entry.proposed_amount, by=agent)
    with pytest.raises(ServiceError) as refused:
        decision_services.session_entry_record(entry=entries[15], outcome="granted", amount=entries[15].proposed_amount,
                                               by=agent, quota_derogation="Motif")
    assert "réservée aux agents" in refused.value.message
    agent.user_permissions.add(Permission.objects.get(codename="derogate_quota"))
    agent = type(agent).objects.get(pk=agent.pk)
    entry = decision_services.session_entry_record(entry=entries[15], outcome="granted", amount=entries[15].proposed_amount,
                                                   by=agent, quota_derogation="Motif")
    assert entry.quota_derogation == "Motif"


def test_balance_prorates_the_amount_actually_decided(db):
    """Art. 9 on a grant decided below the texts' amount: 1,000 of 1,120 EUR for 16 weeks, 13
    weeks done: 910 EUR by the engine, 812.50 EUR on what was decided."""
    from payments import services as pay

    agent = flows.officer("horizons")
    app = flows.decided_file("horizons", agent, amount=Decimal("1000.00"))
    advance = app.instalments.get(kind="advance")
    assert advance.amount == Decimal("600.00")
    run = pay.payment_run_create(authority=app.scheme.authority, instalment_ids=[advance.pk], by=agent,
                                 execution_date=date(2025, 7, 10), today=date(2025, 7, 10))
    pay.payment_run_confirm(run=run, by=agent, today=date(2025, 7, 12))
    request = flows.balance_settled(app, agent, actual_end=date(2025, 11, 28), today=date(2026, 1, 10))
    assert (request.final_amount, request.balance) == (Decimal("812.50"), Decimal("212.50"))
