"""The totals the lists show stay exact where they are no longer counted by a separate query.

The officer's queue takes its total from its state tabs, the officer's "today" block counts from
the document requests, appeals and changes themselves, and the payable list reads its count and
amount in one aggregate (applications.queues, payments.selectors, core.pagination). Each figure
is checked here against the plain count over the same rows, on generated files in every state.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from aid_portal.volume import volume_generate
from applications.models import Application, DocumentRequest
from applications.queues import (
    academic_years,
    officer_academic_years,
    officer_applications,
    officer_queue,
    officer_today,
)
from applications.states import State
from core.pagination import CountedPaginator
from decisions.models import Appeal, ChangeReport, CommissionSession, SessionEntry
from payments.selectors import payable_instalments, payable_summary
from schemes.models import Scheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def files():
    mix = [("horizons", state) for state in State.values] + [("haute-garonne", State.GRANTED)]
    volume_generate(files=90, seed=5, batch=500, write=lambda _line: None, mix=mix)


def officer(code: str) -> User:
    return User.objects.get(username=f"volume-agent-{Scheme.objects.get(code=code).authority.code}")


def caption_total(html: str) -> int:
    caption = re.search(r"<caption>\s*(\d+) dossiers?\s*</caption>", html)
    assert caption, "the queue's caption is missing"
    return int(caption.group(1))


@pytest.mark.parametrize(
    "query", [{}, {"state": "in_instruction"}, {"state": "granted", "q": "volume"}, {"q": "lea"}, {"state": "draft"}],
    ids=["all", "state", "state-and-search", "search-accent", "draft-refused"],
)
def test_queue_total_is_the_count_of_its_rows(client, files, query):
    agent = officer("horizons")
    client.force_login(agent)
    response = client.get(reverse("applications:officer_queue"), query)
    assert response.status_code == 200
    # The validated filters (an invalid value, such as the draft state, is ignored with a warning).
    filters = response.context["form"].filters
    expected = officer_queue(user=agent, filters=filters, today=timezone.localdate()).count()
    assert caption_total(response.content.decode()) == expected
    assert response.context["page_obj"].paginator.count == expected
    assert response.context["page_obj"].paginator.num_pages == max(1, -(-expected // 25))
    if query.get("state") == "draft":
        assert "state" not in filters
        assert not officer_applications(user=agent).filter(state=State.DRAFT).exists()


def test_queue_counts_its_rows_once(client, files):
    """The list's total comes from the tabs' GROUP BY: no COUNT(*) over the queue besides."""
    client.force_login(officer("horizons"))
    url = reverse("applications:officer_queue")
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url, {"state": "in_instruction"})
    counts = [q["sql"] for q in ctx.captured_queries
              if q["sql"].startswith('SELECT COUNT(*) AS "__count" FROM "applications_application"')]
    assert counts == []


def test_queue_later_page_lists_the_rest(client, files):
    agent = officer("horizons")
    client.force_login(agent)
    everything = list(officer_queue(user=agent, filters={}, today=timezone.localdate()).values_list("reference", flat=True))
    assert len(everything) > 25
    html = client.get(reverse("applications:officer_queue"), {"page": 2}).content.decode()
    assert everything[25] in html and everything[0] not in html


def test_officer_today_counts_what_it_says(files):
    agent = officer("horizons")
    today = timezone.localdate()
    mine = officer_applications(user=agent)
    # A due-soon request on a file in scope, another on a draft (a draft is never the officer's).
    in_scope = mine.filter(state=State.AWAITING_DOCUMENTS).first()
    draft = Application.objects.filter(scheme__code="horizons", state=State.DRAFT).first()
    for app in (in_scope, draft):
        DocumentRequest.objects.create(application=app, items=["other"], message="pièce", requested_by=agent,
                                       requested_on=today, due_on=today + timedelta(days=3))
    counts = officer_today(user=agent, today=today)
    open_soon = DocumentRequest.objects.filter(
        answered_at__isnull=True, expired_at__isnull=True, application__in=mine,
    )
    expected_due = {r.application_id for r in open_soon if today <= (r.extended_to or r.due_on) <= today + timedelta(days=14)}
    assert in_scope.pk in expected_due
    assert counts.due_soon == len(expected_due)
    assert counts.to_instruct == mine.filter(state=State.IN_INSTRUCTION).count() > 0
    assert counts.ready_for_decision == mine.filter(state=State.READY_FOR_DECISION).count() > 0
    pending = (Appeal.objects.filter(application__in=mine, status="pending").count()
               + ChangeReport.objects.filter(application__in=mine, status="pending").count())
    assert pending > 0
    assert counts.aftercare == pending


def test_officer_today_leaves_other_authorities_out(files):
    """The Haute-Garonne files are not the Région's: none of its counts include them."""
    counts = officer_today(user=officer("haute-garonne"), today=timezone.localdate())
    assert counts.to_instruct == counts.ready_for_decision == counts.aftercare == 0


def test_payable_summary_is_the_list_count_and_sum():
    volume_generate(files=40, seed=6, batch=500, write=lambda _line: None, mix=[("horizons", State.GRANTED)])
    agent = officer("horizons")
    payable = payable_instalments(user=agent, today=timezone.localdate())
    rows = list(payable)
    assert rows
    assert payable_summary(payable) == (len(rows), sum(r.amount for r in rows))


def test_counted_paginator_takes_the_count_it_is_given():
    paginator = CountedPaginator(range(100), 25, count=60)
    assert paginator.count == 60 and paginator.num_pages == 3
    assert list(paginator.page(3).object_list) == list(range(50, 60))


def test_academic_years_are_the_distinct_years_of_the_files(files):
    """The filters' years, read by walking the year index, are SELECT DISTINCT's: newest first,
    drafts counted for the authority's dashboard and not for the officer's queue."""
    horizons = Application.objects.filter(scheme__code="horizons")
    submitted = horizons.exclude(state=State.DRAFT).order_by("pk")
    for offset, year in enumerate((2019, 2021, 2024)):
        Application.objects.filter(pk__in=list(submitted.values_list("pk", flat=True)[offset * 3:offset * 3 + 3])).update(academic_year=year)
    horizons.filter(state=State.DRAFT).update(academic_year=2030)
    horizons.filter(pk=submitted.last().pk).update(academic_year=None)
    agent = officer("horizons")
    expected = sorted(set(submitted.exclude(academic_year=None).values_list("academic_year", flat=True)), reverse=True)
    assert 2019 in expected and 2030 not in expected
    assert officer_academic_years(user=agent) == expected
    scheme_ids = [Scheme.objects.get(code="horizons").pk]
    assert academic_years(scheme_ids=scheme_ids) == sorted({*expected, 2030}, reverse=True)
    assert academic_years(scheme_ids=[]) == []
    html = client_filter_choices(agent)
    assert all(str(year) in html for year in expected)


def client_filter_choices(agent) -> str:
    from django.test import Client

    client = Client()
    client.force_login(agent)
    html = client.get(reverse("applications:officer_queue")).content.decode()
    return html[html.index('name="year"'):html.index("</select>", html.index('name="year"'))]


def test_session_agenda_total_is_its_entries(client):
    volume_generate(files=70, seed=7, batch=500, write=lambda _line: None, mix=[("horizons", State.GRANTED)])
    first = CommissionSession.objects.filter(scheme__code="horizons").order_by("pk").first()
    SessionEntry.objects.filter(session__scheme__code="horizons").update(session=first)
    client.force_login(officer("horizons"))
    response = client.get(reverse("decisions:session_detail", args=[first.pk]), {"page": 2})
    agenda = response.context["agenda"]
    assert agenda.paginator.count == first.entries.count() > 50
    assert agenda.number == 2 and len(agenda.object_list) == first.entries.count() - 50
