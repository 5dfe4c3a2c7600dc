"""Screens in the words of the people who read them: the review step, the documents step's
unsent-file warning, a cancelled aid, internship wording for Aude and Haute-Garonne, the
student's dashboard by what is expected, tables reachable at phone width, the act's list of
beneficiaries, the parameter admin typed by parameter and the authority's net paid."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from applications import services
from applications.models import Application
from applications.states import State
from decisions import services as decision_services
from schemes.models import Parameter, Scheme
from tests import flows
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def on(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=PARIS))


@pytest.fixture
def actors():
    return flows.horizons_actors()


def test_review_step_shows_words_french_dates_and_the_explanation(client, actors):
    app = flows.horizons_draft(actors, documents=False)
    services.document_add(application=app, by=actors["student"], kind="other",
                          explanation="Mon université délivre le relevé en juillet.")
    Application.objects.filter(pk=app.pk).update(iban="FR7630006000011234567890189")
    client.force_login(actors["student"])
    html = client.get(reverse("applications:draft_step", args=[app.pk, 5])).content.decode()
    situation = html[html.index(">Situation</h2>"):html.index(">Coordonnées bancaires</h2>")]
    assert not re.search(r">\s*(true|false)\s*<", situation)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", situation)
    assert re.search(r"\d{2}/\d{2}/\d{4}", situation)
    assert "Mon université délivre le relevé en juillet." in html
    # The IBAN breaks inside its column instead of widening a 375 px screen.
    assert re.search(r'<dd class="[^"]*text-break[^"]*">FR7630006000011234567890189', html)


def test_documents_step_warns_of_a_chosen_file_not_sent(client, actors):
    app = flows.horizons_draft(actors, documents=False)
    client.force_login(actors["student"])
    html = client.get(reverse("applications:draft_step", args=[app.pk, 4])).content.decode()
    assert "js/unsent-files.js" in html
    assert re.search(r'id="unsent-files-warning"[^>]*role="alert"', html)
    assert html.count("data-unsent-guard") == 2 and "data-document-form" in html
    script = (Path(settings.BASE_DIR) / "static/js/unsent-files.js").read_text()
    assert "input[type=file]" in script and "preventDefault" in script


def test_a_cancelled_aid_reads_aide_annulee(client, django_capture_on_commit_callbacks):
    agent = flows.officer("haute-garonne")
    with on(date(2025, 7, 3)), django_capture_on_commit_callbacks(execute=True):
        app = flows.decided_file("haute-garonne", agent)
    with on(date(2025, 8, 1)):
        report = decision_services.change_report(application=app, by=app.student, kind="cancellation",
                                                 description="Stage annulé", changes={}, today=date(2025, 8, 1))
    with on(date(2025, 8, 4)), django_capture_on_commit_callbacks(execute=True):
        decision_services.change_review(report=report, by=agent, accept=True, answer="Aide sans objet.",
                                        today=date(2025, 8, 4))
    client.force_login(app.student)
    html = client.get(reverse("applications:student_application", args=[app.pk])).content.decode()
    decision = html[html.index('id="decision-heading"'):]
    decision = decision[:decision.index("</section>")]
    assert "Aide annulée" in decision and "Demande rejetée" not in decision
    status = client.get(reverse("decisions:aftercare_status", args=[app.pk])).content.decode()
    assert "Rejet" not in status and "Annulation du stage" in status


def test_internship_schemes_speak_of_the_internship(client):
    agent = flows.officer("aude")
    with on(date(2025, 7, 3)):
        app = flows.decided_file("aude", agent)
    client.force_login(app.student)
    page = client.get(reverse("applications:student_application", args=[app.pk])).content.decode()
    assert "Signaler une modification de mon stage" in page and "ma mobilité" not in page
    form = client.get(reverse("decisions:change_new", args=[app.pk])).content.decode()
    assert "Changement de lieu de stage" in form and "Changement de destination" not in form
    assert "article 10" not in form and "ma mobilité" not in form


def test_student_dashboard_puts_the_expected_action_first_and_folds_the_closed(client):
    student = UserFactory()
    closed = ApplicationFactory(student=student, state=State.CLOSED)
    draft = ApplicationFactory(student=student)
    asked = ApplicationFactory(student=student, state=State.AWAITING_DOCUMENTS)
    current = ApplicationFactory(student=student, state=State.IN_INSTRUCTION)
    client.force_login(student)
    response = client.get(reverse("applications:dashboard"))
    html = response.content.decode()
    order = [html.index(f'/demandes/{a.pk}/') for a in (asked, draft, current)]
    assert order[0] < order[2] and order[1] < order[2]
    assert html.count("Action attendue :") == 2
    assert "envoyer les pièces demandées" in html and "terminer et déposer votre demande" in html
    folded = html[html.index('<details class="dashboard-closed">'):html.index("</details>")]
    assert f"/demandes/{closed.pk}/" in folded and f"/demandes/{current.pk}/" not in folded
    assert html.index(f"/demandes/{current.pk}/") < html.index('<details class="dashboard-closed">')


def test_tables_scroll_in_a_keyboard_reachable_region(client):
    agent = flows.officer("aude")
    with on(date(2025, 7, 3)):
        flows.decided_file("aude", agent)
    client.force_login(agent)
    for name in ("payments:authority_dashboard", "decisions:aftercare_queue", "payments:orders"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        for table in re.finditer(r"<table\b", response.content.decode()):
            before = response.content.decode()[:table.start()]
            opening = before[before.rindex("<div"):]
            assert 'class="table-responsive" tabindex="0" role="region" aria-label=' in opening, name


def test_aude_dashboard_counts_students_and_shows_net_paid(client):
    agent = flows.officer("aude")
    with on(date(2025, 7, 3)):
        flows.decided_file("aude", agent)
    client.force_login(agent)
    html = client.get(reverse("payments:authority_dashboard")).content.decode()
    aude = html[html.index('id="aude-title"'):]
    aude = aude[:aude.index("</section>")]
    assert "internes aidés" not in aude and "Nombre d'étudiants aidés" in aude
    head = html[html.index('id="indicator-table"'):]
    head = head[:head.index("</thead>")]
    assert head.index("Engagé") < head.index("Versé") < head.index("Net versé")


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@example.org", "pw-Admin-2025")
    flows.admin_sign_in(client, user)
    return client


def test_parameter_admin_takes_a_typed_decimal_and_stores_the_engines_string(admin_client):
    horizons = Scheme.objects.get(code="horizons")
    add = reverse("admin:schemes_parameter_add")
    form = admin_client.get(add, {"scheme": horizons.pk, "key": "weekly_rate"}).content.decode()
    assert re.search(r'<input type="number" name="value"[^>]*step="0.01"', form)
    response = admin_client.post(add, {"scheme": horizons.pk, "key": "weekly_rate", "valid_from": "2031-09-01",
                                       "value": "75.50", "source": "Délibération"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    row = Parameter.objects.get(scheme=horizons, key="weekly_rate", valid_from=date(2031, 9, 1))
    assert row.value == "75.50"
    assert str(row) == "Horizons – Bourse : montant par semaine complète (EUR), en vigueur à partir du 01/09/2031" or (
        "en vigueur à partir du 01/09/2031" in str(row) and "@" not in str(row))
    # A count is a whole number, without JSON quotes.
    response = admin_client.post(add, {"scheme": horizons.pk, "key": "annual_weeks_cap", "valid_from": "2031-09-01",
                                       "value": "40", "source": "x"})
    assert response.status_code == 302
    assert Parameter.objects.get(key="annual_weeks_cap", valid_from=date(2031, 9, 1)).value == 40
    listing = admin_client.get(reverse("admin:schemes_parameter_changelist")).content.decode()
    assert "Dispositif" in listing.replace("DISPOSITIF", "Dispositif") and ">Scheme<" not in listing
    assert "Par dispositif" in listing and "Par scheme" not in listing
