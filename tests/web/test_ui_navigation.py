"""The header's navigation by role, and the staff screens in words (aid labels, situation)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from applications.states import State
from applications.templatetags.portal import nav_roles, situation_rows
from tests.factories import ApplicationFactory, OfficerFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

LINKS = {
    "student": ("Mes demandes", "/tableau-de-bord/"),
    "establishment": ("Avis de l'établissement", "/etablissement/"),
    "officer": ("Instruction", "/instruction/"),
    "admin": ("Administration", "/admin/"),
}


def header(response) -> str:
    html = response.content.decode()
    return html[html.index("<header") : html.index("</header>")]


def nav_links(response) -> set[str]:
    """The role links shown in the header, by name."""
    html = header(response)
    return {
        role
        for role, (_label, href) in LINKS.items()
        if re.search(rf'<a class="(?:nav-link|dropdown-item)[^"]*" href="{re.escape(href)}"', html)
    }


@pytest.fixture
def officer():
    return OfficerFactory(email="agent@example.org")


@pytest.fixture
def staff():
    return StaffFactory(email="scol@example.org")


@pytest.fixture
def in_instruction(staff):
    school = staff.establishment_memberships.get().establishment
    return ApplicationFactory(state=State.IN_INSTRUCTION, establishment=school)


def test_anonymous_sees_sign_in_and_sign_up_only(client):
    response = client.get(reverse("schemes:simulator"))
    html = header(response)
    assert nav_links(response) == set()
    assert "Simulateur" in html
    assert f'href="{reverse("account_login")}"' in html and "Se connecter" in html
    assert f'href="{reverse("account_signup")}"' in html and "Créer un compte" in html
    assert "Se déconnecter" not in html
    # The current section is marked for assistive technologies.
    assert 'href="/simulateur/" aria-current="page"' in html


def test_student_sees_her_applications_and_her_email(client):
    student = UserFactory(email="lea@example.org")
    client.force_login(student)
    response = client.get(reverse("applications:dashboard"))
    assert nav_links(response) == {"student"}
    html = header(response)
    assert 'href="/tableau-de-bord/" aria-current="page"' in html
    assert "lea@example.org" in html
    assert "Se connecter" not in html


def test_establishment_staff_sees_only_the_opinion_queue(client, staff):
    client.force_login(staff)
    response = client.get(reverse("applications:establishment_queue"))
    assert nav_links(response) == {"establishment"}
    assert 'href="/etablissement/" aria-current="page"' in header(response)


def test_officer_sees_only_the_instruction_queue(client, officer):
    client.force_login(officer)
    response = client.get(reverse("schemes:simulator"))
    assert nav_links(response) == {"officer"}
    assert 'href="/instruction/" aria-current' not in header(response)


def test_django_staff_sees_the_administration(client):
    admin = UserFactory(email="admin@example.org", is_staff=True)
    client.force_login(admin)
    assert nav_links(client.get(reverse("schemes:simulator"))) == {"admin"}


def test_logout_is_a_post_form_with_csrf(client):
    client.force_login(UserFactory())
    html = header(client.get(reverse("schemes:simulator")))
    form = re.search(r'<form class="logout-form" action="([^"]+)" method="post">(.*?)</form>', html, re.S)
    assert form, html
    assert form.group(1) == reverse("account_logout")
    assert 'name="csrfmiddlewaretoken"' in form.group(2)
    # In the account menu, after the e-mail address it names.
    menu = html[html.index('id="nav-account"') :]
    assert menu.index("Connecté(e) en tant que") < menu.index('class="logout-form"')
    assert 'type="submit"' in form.group(2) and "Se déconnecter" in form.group(2)


def test_menu_folds_behind_an_accessible_toggler(client):
    html = header(client.get(reverse("schemes:simulator")))
    toggler = re.search(r'<button class="navbar-toggler"[^>]*>', html, re.S).group(0)
    assert 'aria-controls="portal-menu"' in toggler
    assert 'aria-expanded="false"' in toggler
    assert "aria-label=" in toggler
    assert 'id="portal-menu"' in html
    # The language switcher keeps its submit button, named for screen readers.
    assert re.search(r'<button type="submit"[^>]*language-submit', html)
    assert "Changer de langue" in html


def test_roles_cost_one_query_and_are_kept_on_the_user(officer):
    with CaptureQueriesContext(connection) as queries:
        roles = nav_roles(officer)
        again = nav_roles(officer)
    assert roles.officer and not roles.establishment and not roles.student
    assert again is roles
    assert len(queries) <= 2


# --- Staff screens in words --------------------------------------------------------------------
def test_officer_queue_is_responsive_and_names_the_aid(client, officer, in_instruction):
    client.force_login(officer)
    response = client.get(reverse("applications:officer_queue"), {"state": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert in_instruction.reference in html
    assert 'class="table-responsive"' in html
    assert in_instruction.aid == "grant"
    assert "Bourse d&#x27;études et de stage" in html
    assert ">grant<" not in html


def test_officer_file_shows_the_declared_situation_in_words(client, officer, in_instruction):
    client.force_login(officer)
    response = client.get(reverse("applications:officer_application", args=[in_instruction.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    situation = html[html.index('id="situation-title"') : html.index('id="verdict-title"')]
    assert re.search(r"<dt[^>]*>[^<]*boursier[^<]*</dt><dd[^>]*>Oui</dd>", situation), situation
    assert "student.scholarship_holder" not in situation
    assert "student.establishment_in_region" not in situation
    assert ">oui<" not in situation
    assert "Bourse d&#x27;études et de stage" in html


def test_student_file_and_dashboard_name_the_aid(client, in_instruction):
    client.force_login(in_instruction.student)
    dashboard = client.get(reverse("applications:dashboard")).content.decode()
    assert "Bourse d&#x27;études et de stage" in dashboard
    page = client.get(reverse("applications:student_application", args=[in_instruction.pk]))
    html = page.content.decode()
    assert "Situation déclarée" in html and "Je suis boursier(ère) sur critères sociaux" in html
    assert "student.scholarship_holder" not in html


def test_situation_rows_humanise_dates_money_lists_and_unknown_keys():
    data = {
        "aid": "apprentice",
        "student": {"level": "M1", "scholarship_holder": False},
        "mobility": {"start_date": "2026-09-01", "monthly_gratification": "554.4", "kind": "internship"},
        "prior_awards": [{"aid": "grant", "kind": "study", "weeks": 10}],
        "mystery": {"flag": True},
    }
    with translation.override("fr"):
        rows = {label: value for label, value in situation_rows(data, "horizons")}
        hg = dict(
            situation_rows({"internship": {"zone": "zip"}, "indemnities": ["travel"]}, "haute-garonne")
        )
    assert rows["Aide demandée"] == "Chèque Apprentis"
    assert rows["Niveau d'études pendant la mobilité"] == "Master 1re année (M1)"
    assert rows["Je suis boursier(ère) sur critères sociaux"] == "Non"
    assert rows["Date de début de la mobilité"] == "01/09/2026"
    assert rows["Gratification mensuelle du stage, en euros"] == "554,40\u00a0€"
    assert rows["Type de mobilité"] == "Stage"
    assert rows["Aides Horizons déjà obtenues cette année universitaire"] == (
        "Bourse d'études et de stage (Séjour d'études, 10 semaines)"
    )
    assert rows["mystery.flag"] == "Oui"  # no form field: the path, as a last resort
    assert hg == {"Zonage de la commune": "ZIP", "Indemnités demandées": "Indemnité de déplacement"}


def test_aid_label_of_an_unknown_code_is_the_code():
    from applications.templatetags.portal import aid_label

    with translation.override("fr"):
        assert aid_label("grant") == "Bourse d'études et de stage"
    assert aid_label("nouveau") == "nouveau"
    assert aid_label("") == ""
