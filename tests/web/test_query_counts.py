"""Lists and file pages read the database in a number of queries that does not grow with the data.

Each page is requested over 10 rows, then over 100 (the generator's files, `aid_portal.volume`,
in the page's states): the count must be the same. The page is requested once before counting,
after the cache is cleared, so that what is counted is a warm page at both sizes.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from aid_portal.volume import REFERENCE_PREFIX, generated_count, volume_generate
from applications.events import event_record
from applications.models import Application, Document
from applications.states import State
from decisions.models import CommissionSession, SessionEntry
from schemes.models import Scheme

pytestmark = pytest.mark.django_db
ALL_HORIZONS = [("horizons", state) for state in State.values]


def grow(mix, total: int) -> None:
    volume_generate(files=total - generated_count(), seed=3, batch=500, write=lambda _line: None, mix=mix)


def officer(code: str) -> User:
    return User.objects.get(username=f"volume-agent-{Scheme.objects.get(code=code).authority.code}")


def measure(client, url: str) -> tuple[int, str]:
    cache.clear()
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def same_count(client, url: str, *, login, mix, after_growth=lambda: None, shown=REFERENCE_PREFIX) -> None:
    """Queries over 10 files, then 100: equal, and the page shows more rows the second time."""
    counts, rows = [], []
    for total in (10, 100):
        grow(mix, total)
        after_growth()
        client.force_login(login())
        n, html = measure(client, url() if callable(url) else url)
        counts.append(n)
        rows.append(html.count(shown))
    assert rows[1] > rows[0] > 0, rows
    assert counts[0] == counts[1], f"{counts[0]} queries over 10 rows, {counts[1]} over 100"


def test_student_dashboard(client):
    student = User.objects.create_user(username="vol-student", email="vol-student@example.org", password="pw-demo-2026")
    same_count(client, reverse("applications:dashboard"), login=lambda: student, mix=ALL_HORIZONS,
               after_growth=lambda: Application.objects.update(student=student))


@pytest.mark.parametrize("query", ["", "?state=in_instruction", "?q=Volume"], ids=["first-page", "filter", "search"])
def test_officer_queue(client, query):
    mix = [("horizons", State.IN_INSTRUCTION), ("horizons", State.AWAITING_DOCUMENTS), ("horizons", State.READY_FOR_DECISION)]
    same_count(client, reverse("applications:officer_queue") + query, login=lambda: officer("horizons"), mix=mix)


def test_officer_file_page(client):
    """One file, its history and documents at 10 rows, then at 100."""
    grow([("horizons", State.GRANTED)], 1)
    app = Application.objects.get()
    agent = officer("horizons")
    client.force_login(agent)
    url = reverse("applications:officer_application", args=[app.pk])
    counts = []
    for rows in (10, 100):
        while app.events_count < rows:
            event_record(application=app, kind="message", actor=agent, payload={"n": app.events_count})
        while app.documents.count() < rows:
            Document.objects.create(application=app, kind="other", uploaded_by=agent, explanation=f"Pièce {app.documents.count()}")
        counts.append(measure(client, url)[0])
    assert counts[0] == counts[1], f"{counts[0]} queries over 10 rows, {counts[1]} over 100"


@pytest.mark.parametrize("state", [State.READY_FOR_DECISION, State.GRANTED], ids=["open-agenda", "closed-session"])
def test_commission_session_page(client, state):
    mix = [("horizons", state), ("horizons", State.REJECTED)] if state == State.GRANTED else [("horizons", state)]
    status = "open" if state == State.READY_FOR_DECISION else "closed"

    def one_session():  # each generated batch has its own sessions: gather the entries in the first
        first = CommissionSession.objects.filter(scheme__code="horizons", status=status).order_by("pk").first()
        SessionEntry.objects.filter(session__scheme__code="horizons", session__status=status).update(session=first)

    def url():
        return reverse("decisions:session_detail",
                       args=[CommissionSession.objects.filter(scheme__code="horizons", status=status).order_by("pk").first().pk])

    same_count(client, url, login=lambda: officer("horizons"), mix=mix, after_growth=one_session)


def test_payable_instalments(client):
    same_count(client, reverse("payments:payable"), login=lambda: officer("haute-garonne"), mix=[("haute-garonne", State.GRANTED)])


def test_authority_dashboard(client):
    # Aude's dashboard lists the students helped (for their follow-up), besides the figures.
    mix = [("aude", state) for state in State.values if state != State.AWAITING_OPINION]
    same_count(client, reverse("payments:authority_dashboard"), login=lambda: officer("aude"), mix=mix)


def test_aftercare_queue(client):
    same_count(client, reverse("decisions:aftercare_queue"), login=lambda: officer("horizons"),
               mix=[("horizons", State.UNDER_APPEAL)])


def test_recovery_orders(client):
    same_count(client, reverse("payments:orders"), login=lambda: officer("aude"), mix=[("aude", State.CANCELLED)])
