"""A decision received on paper (Art. 13): the officer records the day on the proof of delivery,
and the two months of a recours gracieux run from it; a decision notified by e-mail keeps the
e-mail's date."""

from datetime import date

import pytest
from django.urls import reverse

from accounts.models import User
from applications.models import Event
from decisions import selectors
from tests.flows import decided_file, officer

pytestmark = pytest.mark.django_db


def _decided(django_capture_on_commit_callbacks, *, email: bool):
    agent = officer("horizons")
    with django_capture_on_commit_callbacks() as callbacks:
        app = decided_file("horizons", agent)
    if not email:  # a student reached by post only
        User.objects.filter(pk=app.student_id).update(email="")
    for callback in callbacks:  # the letters, as the worker sends them after commit
        callback()
    app.refresh_from_db()
    return app, agent


def _post(client, agent, app, received_on: str, confirm=True):
    client.force_login(agent)
    data = {"received_on": received_on, **({"confirm": "on"} if confirm else {})}
    return client.post(reverse("decisions:decision_receipt", args=[app.pk]), data)


def test_the_receipt_on_paper_starts_the_appeal_period(client, django_capture_on_commit_callbacks):
    app, agent = _decided(django_capture_on_commit_callbacks, email=False)
    client.force_login(agent)
    page = client.get(reverse("decisions:decision_receipt", args=[app.pk]))
    assert page.status_code == 200 and "Enregistrer la réception de la décision" in page.content.decode()
    response = _post(client, agent, app, "2025-07-10")
    assert response.status_code == 302
    decision = app.current_decision
    decision.refresh_from_db()
    assert decision.notified_on == date(2025, 7, 10)
    assert Event.objects.filter(application=app, kind="decision_receipt").count() == 1
    last_day, _refusal = selectors.appeal_status(application=app, today=date(2025, 9, 10))
    assert last_day == date(2025, 9, 10)  # two months after the receipt, not after the act (3 July)


@pytest.mark.parametrize(("received_on", "message"), [
    ("2025-07-01", "avant d&#x27;être prise"),  # before the decision of 3 July 2025
    ("2999-01-01", "postérieure à aujourd&#x27;hui"),
])
def test_an_impossible_receipt_date_is_refused_and_changes_nothing(client, django_capture_on_commit_callbacks,
                                                                   received_on, message):
    app, agent = _decided(django_capture_on_commit_callbacks, email=False)
    before = app.current_decision.notified_on
    response = _post(client, agent, app, received_on)
    assert response.status_code == 200 and message in response.content.decode()
    app.current_decision.refresh_from_db()
    assert app.current_decision.notified_on == before
    assert not Event.objects.filter(application=app, kind="decision_receipt").exists()


def test_a_decision_notified_by_e_mail_keeps_its_date(client, django_capture_on_commit_callbacks):
    app, agent = _decided(django_capture_on_commit_callbacks, email=True)
    notified = app.current_decision.notified_on
    assert notified is not None
    response = _post(client, agent, app, "2025-07-10")
    assert response.status_code == 200 and "notifiée par courriel" in response.content.decode()
    app.current_decision.refresh_from_db()
    assert app.current_decision.notified_on == notified


def test_only_the_instructing_authority_records_it_and_only_with_confirmation(client, django_capture_on_commit_callbacks):
    app, agent = _decided(django_capture_on_commit_callbacks, email=False)
    before = app.current_decision.notified_on
    assert _post(client, officer("aude"), app, "2025-07-10").status_code == 404
    response = _post(client, agent, app, "2025-07-10", confirm=False)
    assert response.status_code == 200
    app.current_decision.refresh_from_db()
    assert app.current_decision.notified_on == before
