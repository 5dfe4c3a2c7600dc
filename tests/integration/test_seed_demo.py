"""seed_demo: idempotent, every state of every scheme, consistent histories, working accounts."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Establishment, EstablishmentMembership, OfficerMembership, User
from applications import deadlines
from applications.events import verify_chain
from applications.models import Application, Document, DocumentRequest, Event, Opinion
from applications.selectors import required_document_kinds
from applications.states import State
from schemes.models import Scheme
from tests.flows import admin_sign_in

pytestmark = pytest.mark.django_db
CREDENTIAL = re.compile(r"^\| (?P<role>.+?) +\| (?P<email>\S+@\S+) +\| (?P<password>\S+) +\|$", re.MULTILINE)


@pytest.fixture(autouse=True)
def fast_and_clean(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The seeded documents are real files: keep them out of the project's media directory.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    cache.clear()


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO())
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            User,
            Establishment,
            EstablishmentMembership,
            OfficerMembership,
            EmailAddress,
            Application,
            Event,
            Opinion,
            DocumentRequest,
            Document,
        )
    }


def test_running_twice_creates_nothing_new_and_prints_the_same_credentials():
    first = seed()
    after_first = counts()
    second = seed()
    assert counts() == after_first
    assert second == first
    assert after_first["Application"] >= 22


def test_every_state_of_every_scheme_is_present():
    seed()
    present = set(Application.objects.values_list("scheme__code", "state"))
    for scheme in Scheme.objects.all():
        for state in State:
            # Only the Horizons text rejects an incomplete file (Art. 5); elsewhere it waits, overdue.
            if state == State.REJECTED_INCOMPLETE and not deadlines.rejects_incomplete(scheme.code):
                continue
            if state == State.AWAITING_OPINION and not scheme.requires_establishment_opinion:
                continue  # only Horizons asks the establishment's opinion
            assert (scheme.code, state) in present, (scheme.code, state)
    # The demo's two files of the acts: an appeal against a rejection for incompleteness, and an
    # Aude document request past its deadline, still waiting.
    assert Application.objects.filter(scheme__code="horizons", state=State.UNDER_APPEAL,
                                      current_decision__kind="incomplete").exists()
    assert Application.objects.filter(scheme__code="aude", state=State.AWAITING_DOCUMENTS,
                                      document_requests__due_on__lt=timezone.localdate(),
                                      document_requests__answered_at__isnull=True).exists()


def test_histories_are_consistent():
    seed()
    for app in Application.objects.select_related("scheme"):
        events = list(Event.objects.filter(application=app).order_by("seq"))
        assert verify_chain(app, events) == [], app
        assert events[0].kind == "created"
        # The last transition leads to the file's state.
        transitions = [e for e in events if e.to_state]
        assert transitions[-1].to_state == app.state, (app, [e.kind for e in events])
        if app.state != State.DRAFT:
            assert app.reference and app.submitted_at
        if app.scheme.requires_establishment_opinion:
            assert app.establishment_id is not None
        if app.state != State.DRAFT:
            on_file = {d.kind for d in app.documents.all()}
            assert set(required_document_kinds(application=app)) <= on_file, app


def test_team_accounts_are_verified_and_have_their_roles():
    output = seed()
    emails = [m["email"] for m in CREDENTIAL.finditer(output)]
    assert len(emails) == 7
    assert EmailAddress.objects.filter(email__in=emails, verified=True, primary=True).count() == 7
    assert OfficerMembership.objects.filter(user__email__in=emails).values("authority").distinct().count() == 3
    assert EstablishmentMembership.objects.filter(user__email__in=emails).count() == 2
    assert User.objects.filter(email__in=emails, is_superuser=True).count() == 1


def test_every_printed_credential_signs_in(client):
    output = seed()
    credentials = [(m["role"], m["email"], m["password"]) for m in CREDENTIAL.finditer(output)]
    assert len(credentials) == 7
    for role, email, password in credentials:
        client.post(reverse("account_logout"))
        response = client.post(reverse("account_login"), {"login": email, "password": password})
        assert response.status_code == 302, role
        # Each role lands on its own home page (accounts.adapters.home_url).
        home = ("/admin/" if email.startswith("admin@") else "/instruction/" if email.startswith("agent.")
                else "/etablissement/" if email.startswith("scolarite.") else "/tableau-de-bord/")
        assert response["Location"] == home, role
        assert client.session["_auth_user_id"] == str(User.objects.get(email=email).pk), role


def test_admin_pages_of_the_seeded_data_render(client):
    seed()
    admin_sign_in(client, User.objects.get(email="admin@example.org"))
    app = Application.objects.filter(state=State.IN_INSTRUCTION, scheme__code="horizons").get()
    pages = [
        reverse(f"admin:{label}_changelist")
        for label in (
            "applications_application",
            "applications_event",
            "applications_document",
            "applications_documentrequest",
            "applications_opinion",
            "applications_message",
            "applications_note",
            "accounts_user",
            "accounts_establishment",
            "accounts_establishmentmembership",
            "accounts_officermembership",
        )
    ]
    pages += [
        reverse("admin:applications_application_change", args=[app.pk]),
        reverse("admin:applications_event_change", args=[app.events.first().pk]),
        reverse("admin:accounts_user_change", args=[app.student_id]),
        reverse("admin:accounts_user_add"),
        reverse("admin:accounts_establishment_change", args=[app.establishment_id]),
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url
    # The history is read-only and a file cannot be added or deleted from the admin.
    assert client.get(reverse("admin:applications_event_add")).status_code == 403
    assert client.get(reverse("admin:applications_application_add")).status_code == 403
    assert client.get(reverse("admin:applications_application_delete", args=[app.pk])).status_code == 403
    # The state is shown, not editable.
    html = client.get(reverse("admin:applications_application_change", args=[app.pk])).content.decode()
    assert 'name="state"' not in html


def test_demo_has_money_to_show():
    from payments.models import LedgerEntry, RepaymentOrder

    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    assert LedgerEntry.objects.filter(kind="payment").exists()  # Horizons advances paid by a run
    # The cancelled Horizons file had its advance paid: the cancellation claims it back.
    assert RepaymentOrder.objects.filter(reason="change").exists()


def test_the_demo_has_a_file_for_each_path_after_the_decision():
    """Issue "A file's whole life": the demo shows each new path, built by the real services."""
    from decisions.models import ChangeReport, Decision
    from decisions.selectors import cumulation_of
    from payments.models import Account, BalanceRequest, Control, Instalment, RepaymentOrder

    call_command("seed_demo", stdout=StringIO())
    student = User.objects.get(email="etudiante@example.org")
    files = Application.objects.filter(student=student)
    # An amount derogation, stated with its reason.
    assert Decision.objects.filter(application__in=files).exclude(amount_derogation="").exists()
    # Balance proofs validated (balance planned or paid) and rejected (nothing payable).
    assert BalanceRequest.objects.filter(application__in=files, status=BalanceRequest.Status.VALIDATED).exists()
    rejected = BalanceRequest.objects.get(application__in=files, status=BalanceRequest.Status.REJECTED)
    assert not Instalment.objects.filter(application=rejected.application, kind="balance", status="planned",
                                         awaiting_proof=False).exists()
    # A control in progress, and a partial waiver (something waived, something still due).
    assert Control.objects.filter(application__in=files, status=Control.Status.OPEN).exists()
    waived = [a for a in Account.objects.filter(application__in=files) if 0 < a.waived]
    assert waived and RepaymentOrder.objects.filter(application=waived[0].application, status=RepaymentOrder.Status.STANDING).exists()
    # An Aude file amended after a change, then paid.
    amended = ChangeReport.objects.get(application__in=files, application__scheme__code="aude", kind="dates",
                                       status=ChangeReport.Status.ACCEPTED).application
    assert amended.current_decision.kind == Decision.Kind.AMENDMENT
    assert amended.instalments.filter(status="paid", decision=amended.current_decision).exists()
    # A cumulation conflict the officer sees: files in progress beside a grant of the same year.
    assert any(cumulation_of(application=app)["decided"] for app in files.filter(scheme__code="horizons",
                                                                                  state=State.IN_INSTRUCTION))


def test_the_demo_acknowledgement_names_the_service_s_e_mail():
    """CRPA R112-11-1: the acknowledgement gives the service's postal and e-mail contacts."""
    from applications.receipts import receipt_of

    call_command("seed_demo", stdout=StringIO())
    submitted = Application.objects.filter(submitted_at__isnull=False, scheme__code="aude").first()
    receipt = receipt_of(application=submitted)
    assert receipt["authority"]["email"] == "aide-etudiants-medecine@aude.example.org"
    assert receipt["authority"]["address_lines"]
