"""Letters through the test client: the PDF for the file's parties only, and the online acceptance
of an Aude agreement by its student."""

from __future__ import annotations

import pytest
from django.urls import reverse

from applications.models import Event
from decisions.letters import decision_letters_issue
from decisions.models import Letter
from tests.integration.test_letters import decide, ready_file, world  # noqa: F401 (world is a fixture)

pytestmark = pytest.mark.django_db

K = Letter.Kind


def issued(world, code="horizons"):  # noqa: F811
    app = decide(world, ready_file(world, code))
    decision_letters_issue(decision_id=app.current_decision_id)
    return app


def test_the_student_and_an_officer_of_the_authority_download_the_letter(world, client):  # noqa: F811
    app = issued(world)
    letter = Letter.objects.get(application=app, kind=K.AWARD)
    url = reverse("decisions:letter_pdf", args=[letter.pk])
    with letter.pdf.open("rb") as f:
        stored = f.read()
    for who in (world["student"], world["officers"]["horizons"]):
        client.force_login(who)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"
        assert response["Content-Disposition"].startswith("inline")
        assert b"".join(response.streaming_content) == stored


def test_others_get_404(world, client):  # noqa: F811
    app = issued(world)
    url = reverse("decisions:letter_pdf", args=[Letter.objects.get(application=app).pk])
    for who in (world["other_student"], world["officers"]["aude"]):
        client.force_login(who)
        assert client.get(url).status_code == 404
    client.force_login(world["student"])
    assert client.get(reverse("decisions:letter_pdf", args=[999999])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404


def test_acceptance_page_flow(world, client):  # noqa: F811
    app = issued(world, "aude")
    agreement = Letter.objects.get(application=app, kind=K.AGREEMENT)
    url = reverse("decisions:letter_accept", args=[agreement.pk])

    client.force_login(world["student"])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "J&#x27;ai lu et j&#x27;accepte" in html and "dernier mois de stage" in html
    assert reverse("decisions:letter_pdf", args=[agreement.pk]) in html

    # The box must be ticked.
    page = client.post(url, {})
    assert page.status_code == 200 and "Cochez la case" in page.content.decode()
    agreement.refresh_from_db()
    assert agreement.accepted_at is None

    response = client.post(url, {"accept": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("applications:student_application", args=[app.pk])
    agreement.refresh_from_db()
    assert agreement.accepted_by == world["student"] and agreement.accepted_at is not None
    assert Event.objects.filter(application=app, kind="letter_accepted").count() == 1

    # A second acceptance is refused with a message, never a 500.
    response = client.post(url, {"accept": "on"}, follow=True)
    assert response.status_code == 200 and "déjà été accepté" in response.content.decode()
    assert Event.objects.filter(application=app, kind="letter_accepted").count() == 1
    assert "Vous avez accepté ce document le" in client.get(url).content.decode()


def test_acceptance_page_is_the_students_only(world, client):  # noqa: F811
    app = issued(world, "aude")
    agreement = Letter.objects.get(application=app, kind=K.AGREEMENT)
    award = Letter.objects.get(application=app, kind=K.AWARD)
    url = reverse("decisions:letter_accept", args=[agreement.pk])
    for who in (world["other_student"], world["officers"]["aude"]):
        client.force_login(who)
        assert client.get(url).status_code == 404
        assert client.post(url, {"accept": "on"}).status_code == 404
    client.force_login(world["student"])
    assert client.get(reverse("decisions:letter_accept", args=[award.pk])).status_code == 404
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "next=" in response["Location"]
    agreement.refresh_from_db()
    assert agreement.accepted_at is None
