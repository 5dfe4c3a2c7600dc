"""The portal's frame: the header by role at every width, where each role lands after signing
in, the sign-in page (not a 404) for a signed-out visitor, the error pages, the footer and its
legal pages, and the portal's identity from the settings."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.template import Context, Template, loader
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from applications.states import State
from tests.factories import (
    ApplicationFactory,
    OfficerFactory,
    SchemeFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
PASSWORD = "motdepasse-de-test"


@pytest.fixture(autouse=True)
def _back_to_french(settings):
    # LocaleMiddleware leaves the last request's language active in the thread.
    yield
    translation.activate(settings.LANGUAGE_CODE)


def header(response) -> str:
    html = response.content.decode()
    return html[html.index("<header") : html.index("</header>")]


# --- 1. The officer's header -------------------------------------------------------------------
def test_officer_header_groups_seven_pages_in_three_menus(client):
    officer = OfficerFactory(email="agent.tres.long.nom@collectivite-territoriale.example.org")
    client.force_login(officer)
    html = header(client.get(reverse("payments:orders")))
    bar = html[html.index('id="portal-menu"') :]
    # Top level: the simulator, three menus, the account menu and the language: no bare list of
    # seven links that squeezes the e-mail to one letter a line.
    top = re.findall(r'<li class="nav-item[^"]*">\s*<(a|button) class="nav-link[^"]*"[^>]*>([^<]+)<', bar)
    assert [label for _tag, label in top] == ["Simulateur", "Instruction", "Décisions", "Paiements", "Mon compte"]
    menus = dict(re.findall(r'id="nav-(\w+)" data-bs-toggle="dropdown" aria-expanded="false">', bar) and
                 [(m, m) for m in re.findall(r'id="nav-(\w+)" data-bs-toggle="dropdown"', bar)])
    assert set(menus) == {"instruction", "decisions", "payments", "account"}
    for name, href in [
        ("instruction", reverse("applications:officer_queue")),
        ("decisions", reverse("decisions:session_list")),
        ("decisions", reverse("decisions:aftercare_queue")),
        ("payments", reverse("payments:payable")),
        ("payments", reverse("payments:orders")),
        ("payments", reverse("payments:authority_dashboard")),
    ]:
        menu = re.search(rf'aria-labelledby="nav-{name}">(.*?)</ul>', bar, re.S).group(1)
        assert f'class="dropdown-item" href="{href}"' in menu, (name, href)
    # The current page is marked in its menu, and its menu's button shows it.
    assert f'href="{reverse("payments:orders")}" aria-current="page"' in bar
    assert re.search(r'class="nav-link portal-nav-link dropdown-toggle portal-nav-current"[^>]*id="nav-payments"', bar)
    # The e-mail is inside the account menu, never in the bar itself.
    account = re.search(r'aria-labelledby="nav-account">(.*?)</div>', bar, re.S).group(1)
    assert officer.email in account
    assert bar.count(officer.email) == 1
    assert 'href="/comptes/email/"' in account and 'href="/comptes/password/change/"' in account


def test_menu_toggles_are_buttons_the_keyboard_reaches(client):
    client.force_login(OfficerFactory())
    bar = header(client.get(reverse("applications:officer_queue")))
    toggles = re.findall(r'<(\w+) class="nav-link[^"]*dropdown-toggle[^"]*"([^>]*)>', bar)
    assert len(toggles) == 4
    for tag, attrs in toggles:
        assert tag == "button" and 'type="button"' in attrs and 'aria-expanded="false"' in attrs
    # No inline script or event handler (a Content-Security-Policy is coming).
    page = client.get(reverse("applications:officer_queue")).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert not re.search(r"\son[a-z]+=", page)


def test_header_css_keeps_the_bar_on_one_line_from_992_px():
    from django.contrib.staticfiles import finders

    css = open(finders.find("css/portal.css"), encoding="utf-8").read()
    wide = css[css.index("@media (min-width: 992px)") :]
    wide = wide[: wide.index("}\n}") + 3]
    # Links never wrap inside the bar, and the brand takes two lines at most at 992-1199 px.
    assert "white-space: nowrap" in wide
    assert re.search(r"\.navbar-brand \{ max-width: 13rem; \}", wide)


# --- 2. Where each role lands after signing in -------------------------------------------------
def _sign_in(client, user, next_url=""):
    url = reverse("account_login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"login": user.email, "password": PASSWORD})


def _verified(user):
    from allauth.account.models import EmailAddress

    user.set_password(PASSWORD)
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.mark.parametrize(
    "make, home",
    [
        (lambda: OfficerFactory(), "/instruction/"),
        (lambda: StaffFactory(), "/etablissement/"),
        (lambda: UserFactory(), "/tableau-de-bord/"),
        (lambda: UserFactory(is_staff=True), "/admin/"),
    ],
    ids=["officer", "establishment", "student", "admin"],
)
def test_each_role_lands_on_its_own_home(client, make, home):
    cache.clear()
    response = _sign_in(client, _verified(make()))
    assert response.status_code == 302
    assert response["Location"] == home


def test_sign_in_honours_next(client):
    cache.clear()
    officer = _verified(OfficerFactory())
    response = _sign_in(client, officer, next_url=reverse("payments:payable"))
    assert response["Location"] == reverse("payments:payable")


def test_officer_home_says_what_needs_them_today(client):
    officer = OfficerFactory()
    scheme = SchemeFactory()
    ApplicationFactory.create_batch(2, scheme=scheme, state=State.IN_INSTRUCTION)
    client.force_login(officer)
    html = client.get(reverse("applications:officer_queue")).content.decode()
    today = html[html.index('id="today-title"') :]
    today = today[: today.index("</section>")]
    assert re.search(
        r'href="/instruction/\?state=in_instruction"><span class="portal-today-count">2</span> '
        r"dossiers en cours d'instruction</a>",
        today,
    ), today


# --- 3. Signed out: the sign-in page, and back --------------------------------------------------
SIGNED_OUT_URLS = [
    ("applications:officer_application", "/instruction/{pk}/"),
    ("payments:officer_ledger", "/instruction/{pk}/compte/"),
    ("applications:establishment_opinion", "/etablissement/{pk}/avis/"),
    ("payments:breach", "/instruction/{pk}/manquement/"),
]


@pytest.mark.parametrize("name, path", SIGNED_OUT_URLS, ids=[n for n, _p in SIGNED_OUT_URLS])
def test_signed_out_visitor_is_sent_to_sign_in_and_back(client, name, path):
    app = ApplicationFactory(state=State.IN_INSTRUCTION)
    url = reverse(name, args=[app.pk])
    assert url == path.format(pk=app.pk)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


def test_signed_out_visitor_of_a_repayment_order_is_sent_to_sign_in(client):
    url = reverse("payments:order_detail", args=[12345])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


@pytest.mark.parametrize("name", [n for n, _p in SIGNED_OUT_URLS])
def test_signed_in_user_without_right_still_gets_404(client, name):
    app = ApplicationFactory(state=State.IN_INSTRUCTION, scheme=SchemeFactory(code="aude"))
    client.force_login(OfficerFactory())  # an officer of another authority
    assert client.get(reverse(name, args=[app.pk])).status_code == 404


# --- 4. Error pages -----------------------------------------------------------------------------
@override_settings(DEBUG=False)
def test_404_is_french_in_the_portal_layout(client):
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<title>Page introuvable – Portail des aides aux études</title>" in html
    assert '<html lang="fr">' in html and "<header" in html and 'class="portal-footer' in html
    assert "Revenir à la page d'accueil" in html


@override_settings(DEBUG=False)
def test_404_in_english(client):
    html = client.get("/en/this-page-does-not-exist/").content.decode()
    assert "Page not found" in html and '<html lang="en">' in html


@override_settings(DEBUG=False)
def test_403_says_why_in_french(client):
    student = UserFactory()
    client.force_login(student)
    response = client.get(reverse("applications:officer_queue"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Vous n'avez pas accès à cette page" in html
    assert "403 Forbidden" not in html and "<header" in html


def test_400_429_templates_render_in_the_layout(rf):
    from aid_portal import views

    request = rf.get("/")
    request.user = UserFactory.build()
    request.user.is_authenticated  # noqa: B018 - a real user object, for the header
    for view, status, words in [
        (views.bad_request, 400, "La demande n'a pas pu être comprise"),
        (views.too_many_requests, 429, "Trop de tentatives"),
    ]:
        response = view(request, Exception("détail technique"))
        html = response.content.decode()
        assert response.status_code == status and words in html and "<header" in html
        assert "détail technique" not in html


def test_allauth_rate_limit_answers_with_the_portal_429(client, settings):
    cache.clear()
    settings.ACCOUNT_RATE_LIMITS = {"login": "2/m/ip"}
    user = _verified(UserFactory())
    for _ in range(2):
        response = client.post(reverse("account_login"), {"login": user.email, "password": "faux"})
    response = client.post(reverse("account_login"), {"login": user.email, "password": "faux"})
    assert response.status_code == 429
    assert "Trop de tentatives" in response.content.decode()
    cache.clear()


def test_500_renders_without_request_nor_database(settings):
    from aid_portal.views import server_error

    settings.PORTAL_NAME = "Aides de test"

    def refuse(*args, **kwargs):
        raise AssertionError("500.html must not query the database")

    with connection.execute_wrapper(refuse):
        response = server_error(None)
        html = response.content.decode()
    assert response.status_code == 500
    assert "Le service rencontre un problème" in html and "Aides de test" in html
    assert loader.get_template("500.html")


# --- 12. Footer, legal pages, identity ---------------------------------------------------------
def test_footer_links_to_the_legal_pages(client):
    html = client.get(reverse("schemes:home")).content.decode()
    footer = html[html.index("<footer") :]
    for name, label in [
        ("portal:legal_notice", "Mentions légales"),
        ("portal:accessibility", "Accessibilité : partiellement conforme"),
        ("portal:personal_data", "Données personnelles"),
        ("portal:contact", "Contact"),
    ]:
        assert f'<a href="{reverse(name)}">{label}</a>' in footer
    assert 'rel="icon" href="/static/favicon.ico"' in html
    assert 'rel="icon" href="/static/favicon.svg" type="image/svg+xml"' in html


def test_favicons_exist():
    from django.contrib.staticfiles import finders

    assert open(finders.find("favicon.svg"), encoding="utf-8").read().startswith("<svg")
    assert open(finders.find("favicon.ico"), "rb").read(4) == b"\x00\x00\x01\x00"


def test_identity_comes_from_the_settings(client, settings):
    settings.PORTAL_NAME = "Aides aux études de l'Aude"
    settings.PORTAL_OPERATOR = "Département de l'Aude"
    settings.PORTAL_LOGO = "img/logo-aude.svg"
    html = client.get(reverse("portal:legal_notice")).content.decode()
    assert "Aides aux études de l&#x27;Aude</span></a>" in html
    assert '<img class="portal-logo" src="/static/img/logo-aude.svg" alt="Département de l&#x27;Aude">' in html
    assert "est édité par Département de l&#x27;Aude" in html


def test_accessibility_statement_gives_the_conformity_status(client):
    html = client.get(reverse("portal:accessibility")).content.decode()
    status = re.search(r'id="conformity-status">(.*?)</p>', html, re.S).group(1)
    assert "partiellement conforme" in status and "RGAA" in status
    assert "Défenseur des droits" in html


def test_accessibility_statement_reports_the_browser_tests_audit(client, tmp_path, monkeypatch):
    """The statement's automated checks come from the summary the browser tests write
    (aid_portal/accessibility_audit.json), not from text typed by hand."""
    import json

    from aid_portal import views

    committed = json.loads(views.ACCESSIBILITY_AUDIT.read_text())
    assert committed["violations"] == 0 and len(committed["pages"]) >= 20  # what the journeys audit
    summary = {"date": "2026-03-05", "engine": "axe-core 9.9.9", "rules": ["wcag21aa"], "widths": [375, 1280],
               "pages": {"a": {"path": "/x/<n>/", "violations": 0}, "b": {"path": "/y/", "violations": 2}},
               "violations": 2}
    audit = tmp_path / "audit.json"
    audit.write_text(json.dumps(summary))
    monkeypatch.setattr(views, "ACCESSIBILITY_AUDIT", audit)
    html = client.get(reverse("portal:accessibility")).content.decode()
    assert "Le 5 mars 2026, axe-core 9.9.9 a vérifié" in html and "sur 2 pages" in html
    assert "2 non-conformités détectées" in html and "<code>/x/&lt;n&gt;/</code>" in html


def test_personal_data_notice_names_each_schemes_authority(client):
    horizons = SchemeFactory()
    aude = SchemeFactory(code="aude", authority__code="cd11", authority__name="Département de l'Aude")
    html = client.get(reverse("portal:personal_data")).content.decode()
    for scheme in (horizons, aude):
        section = html[html.index(f'id="scheme-{scheme.code}"') :]
        section = section[: section.index("</section>")]
        assert scheme.authority.name.replace("'", "&#x27;") in section
        for term in ("Finalité", "Base légale", "Destinataires", "Durée de conservation"):
            assert term in section
    # Only Horizons goes through the establishment's opinion.
    assert "service de scolarité" in html[html.index('id="scheme-horizons"') :]
    assert "service de scolarité" not in html[html.index('id="scheme-aude"') : html.index('id="scheme-horizons"')]
    assert "Vos droits" in html and "CNIL" in html


# --- 8 and 11: wording ----------------------------------------------------------------------------
def test_admin_is_named_after_the_portal(client, settings):
    from tests.flows import admin_sign_in

    settings.PORTAL_NAME = "Aides aux études de l'Aude"
    admin_sign_in(client, UserFactory(is_staff=True, is_superuser=True))
    html = client.get(reverse("admin:index")).content.decode()
    assert "Aides aux études de l&#x27;Aude" in html and "Administration du portail" in html
    assert "Administration de Django" not in html and "Site d’administration de Django" not in html


def test_closed_session_reads_cloturee_not_fermer():
    from decisions.models import CommissionSession

    with translation.override("fr"):
        assert str(CommissionSession.Status.CLOSED.label) == "Clôturée"


def test_accepted_agreement_agrees_in_gender():
    html = Template('{% include "decisions/letters/_list.html" %}')
    from types import SimpleNamespace

    def letter(kind):
        return SimpleNamespace(pk=1, kind=kind, requires_acceptance=True, accepted_at=None, created_at=None,
                               get_kind_display=kind, application=SimpleNamespace(student_id=0))

    from datetime import datetime

    agreement, commitment = letter("agreement"), letter("commitment")
    agreement.accepted_at = commitment.accepted_at = datetime(2026, 4, 12, 10, 0)
    out = html.render(Context({"letters": [agreement, commitment]}))
    assert "acceptée le 12/04/2026" in out and "accepté le 12/04/2026" in out
