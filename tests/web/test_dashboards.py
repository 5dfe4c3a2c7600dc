"""The authority's dashboard through the test client: an officer sees their own authority's
figures (table, SVG charts, Aude indicators), exports them as CSV and records a follow-up;
anyone else is told nothing (404) or sent to sign in."""

import csv
import io
import re
from datetime import date

import pytest
from django.urls import reverse

from accounts.models import Establishment, EstablishmentMembership
from applications.models import Application
from payments.models import FollowUp
from tests.flows import decided_file, officer, user
from tests.integration.test_indicators import accept_agreement, pay_planned

pytestmark = pytest.mark.django_db
URL = reverse("payments:authority_dashboard")
CSV_URL = reverse("payments:authority_dashboard_csv")


def text(response) -> str:
    """The page with French number spacing (non-breaking spaces) read as plain spaces."""
    return response.content.decode().replace("\xa0", " ").replace("\u202f", " ")


@pytest.fixture
def aude():
    """Two helped Aude students, one of them paid 1,800 EUR."""
    agent = officer("aude")
    paid, unpaid = (decided_file("aude", agent, act_date=date(2025, 12, 1)) for _ in range(2))
    accept_agreement(paid)
    pay_planned([paid], agent, date(2026, 3, 20))
    return agent, paid, unpaid


def test_officer_sees_the_table_charts_and_aude_indicators(client, aude):
    agent, paid, unpaid = aude
    client.force_login(agent)
    response = client.get(URL)
    assert response.status_code == 200
    html = text(response)
    assert "Département de l&#x27;Aude" in html
    assert "<svg" in html and 'role="img"' in html
    assert "Versé : 1 800,00 €</title>" in html and "Engagé : 3 600,00 €</title>" in html
    table = html.split('id="indicator-table"')[1].split("</table>")[0]
    assert '<td class="text-end text-nowrap">3 600,00 €</td>' in table
    assert '<td class="text-end text-nowrap">1 800,00 €</td>' in table
    aude_table = html.split('id="aude-table"')[1].split("</table>")[0]
    assert "Nombre d&#x27;étudiants aidés" in aude_table or "Nombre d'étudiants aidés" in aude_table
    assert reverse("payments:follow_up_record", args=[unpaid.pk]) in html
    assert "Chèque Apprentis" not in html  # the Region's scheme, not the Aude's
    # Bar heights are SVG numbers, never localised ("12,5" would break the drawing).
    svg = html.split("<svg", 1)[1].split("</svg>")[0]
    assert 'height="180.0"' in svg or 'height="180"' in svg
    coordinates = re.findall(r' (?:x|y|x1|x2|y1|y2|width|height)="([^"]*)"', svg)
    assert coordinates and all(re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", v) for v in coordinates), coordinates


def test_filters_and_tampered_filters(client, aude):
    agent, _paid, unpaid = aude
    Application.objects.filter(pk=unpaid.pk).update(academic_year=2024)
    client.force_login(agent)

    def table(params):
        html = text(client.get(URL, params))
        return html.split('id="indicator-table"')[1].split("</tbody>")[0]

    assert "2024-2025" in table({"academic_year": "2024"}) and "2025-2026" not in table({"academic_year": "2024"})
    assert "1 800,00 €" in table({"academic_year": "2025", "scheme": "aude"})
    # A value that is not offered (tampered URL) is ignored, not turned into an error page.
    assert "2024-2025" in table({"academic_year": "abc", "scheme": "horizons"})


def test_region_officer_sees_the_apprentice_split_and_only_its_figures(client, aude):
    region = officer("horizons")
    client.force_login(region)
    html = client.get(URL).content.decode()
    assert "Région Occitanie" in html and "Aucune décision ni aucun mouvement" in html
    assert "Département de l&#x27;Aude" not in html and "aude-table" not in html


@pytest.mark.parametrize("who", ["student", "establishment"])
def test_other_roles_are_not_found(client, aude, who):
    if who == "student":
        client.force_login(aude[1].student)
    else:
        staff = user("scol")
        school, _ = Establishment.objects.get_or_create(uai="0311382J", defaults={"name": "Université"})
        EstablishmentMembership.objects.create(user=staff, establishment=school)
        client.force_login(staff)
    assert client.get(URL).status_code == 404
    assert client.get(CSV_URL).status_code == 404
    assert client.get(reverse("payments:follow_up_record", args=[aude[1].pk])).status_code == 404


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_csv_export(client, aude):
    agent, paid, _ = aude
    Application.objects.filter(scheme__code="aude").update(academic_year=2025)
    client.force_login(agent)
    response = client.get(CSV_URL, {"academic_year": "2025"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Dispositif", "Année universitaire", "Bénéficiaires (décisions en vigueur)", "Engagé (EUR)"]
    assert rows[1][:6] == ["Aide aux étudiants en médecine de 2e cycle", "2025-2026", "2", "3600,00", "1800,00", "0,00"]
    assert len(rows) == 2


def testcsv_cells_are_formula_safe(client, aude):
    from schemes.models import Scheme

    Scheme.objects.filter(code="aude").update(name="=HYPERLINK(\"http://x\")")
    client.force_login(aude[0])
    rows = list(csv.reader(io.StringIO(client.get(CSV_URL).content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][0].startswith("'=")


def test_follow_up_form_records_and_counts(client, aude):
    agent, paid, unpaid = aude
    client.force_login(agent)
    url = reverse("payments:follow_up_record", args=[paid.pk])
    assert client.get(url).status_code == 200
    # Installed without a date: the form says so next to the field.
    response = client.post(url, {"installed": "yes", "installed_on": "", "commune": "Limoux"})
    assert response.status_code == 200 and "Indiquez la date" in response.content.decode()
    response = client.post(url, {"installed": "yes", "installed_on": "2025-11-03", "commune": "Limoux"})
    assert response.status_code == 302 and response["Location"].startswith(URL)
    follow_up = FollowUp.objects.get(application=paid)
    assert (follow_up.installed_in_department, follow_up.installed_on, follow_up.commune, follow_up.recorded_by) == (
        True, date(2025, 11, 3), "Limoux", agent)
    html = client.get(URL).content.decode()
    aude_table = html.split('id="aude-table"')[1].split("</table>")[0]
    assert [c.split("<")[0] for c in aude_table.split('class="text-end">')[-3:]] == ["2", "1", "1"]
    assert "Installé(e) à Limoux le 03/11/2025" in html
    # The form shows what was recorded.
    assert 'value="2025-11-03"' in client.get(url).content.decode()


def test_follow_up_of_another_authority_or_not_helped_is_not_found(client, aude):
    _agent, paid, _ = aude
    region = officer("horizons")
    client.force_login(region)
    assert client.post(reverse("payments:follow_up_record", args=[paid.pk]),
                       {"installed": "no"}).status_code == 404
    horizons_file = decided_file("horizons", region)
    assert client.get(reverse("payments:follow_up_record", args=[horizons_file.pk])).status_code == 404
    assert not FollowUp.objects.exists()


def test_page_queries_do_not_grow_with_the_helped_students(client, aude):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    agent, paid, _ = aude
    follow_up_url = reverse("payments:follow_up_record", args=[paid.pk])
    client.force_login(agent)
    client.post(follow_up_url, {"installed": "yes", "installed_on": "2025-11-03", "commune": "Limoux"})

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    with_2 = count()
    for _ in range(3):
        decided_file("aude", agent, act_date=date(2025, 12, 1))
    assert count() == with_2
