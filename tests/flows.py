"""Files taken through the real services to a given point, for integration tests."""

from datetime import date
from decimal import Decimal
from itertools import count

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Establishment, EstablishmentMembership, OfficerMembership, User
from applications import services
from applications.documents import required_kinds
from applications.models import Application
from applications.states import State
from decisions import services as decision_services
from schemes.models import Scheme
from tests.files import PDF

IBAN = "FR7630006000011234567890189"
HORIZONS = {
    "student": {"level": "M1", "establishment_in_region": True, "recognised_diploma": True,
                "scholarship_holder": True, "apprentice": False},
    "mobility": {"kind": "study", "start_date": "2025-09-01", "end_date": "2025-12-19",
                 "country": "DE", "in_curriculum": True},
}
HAUTE_GARONNE = {
    "student": {"cycle": 3, "specialty": "general_medicine", "scholarship_holder": True},
    "internship": {"start_date": "2025-11-03", "end_date": "2026-05-02", "commune_insee": "31069", "zone": "zip"},
}
AUDE = {
    "student": {"cycle": 2, "faculty": "montpellier"},
    "internship": {"start_date": "2026-01-05", "end_date": "2026-04-04", "specialty": "general_medicine",
                   "supervisor_commune_insee": "11069", "zone": "zac"},
}
DATA = {"horizons": HORIZONS, "haute-garonne": HAUTE_GARONNE, "aude": AUDE}
_numbers = count(1)


def user(prefix="user"):
    email = f"{prefix}{next(_numbers)}@example.org"
    return User.objects.create_user(username=email, email=email, password="pw-demo-2026")


def officer(code):
    agent = user(f"agent-{code}-")
    OfficerMembership.objects.create(user=agent, authority=Scheme.objects.get(code=code).authority)
    return agent


def school_with_staff():
    school, _ = Establishment.objects.get_or_create(uai="0311382J", defaults={"name": "Université Toulouse Capitole"})
    staff = user("scol")
    EstablishmentMembership.objects.create(user=staff, establishment=school)
    return school, staff


def ready_file(code, agent, *, data=None, aid="grant", submitted=date(2025, 6, 1), student=None) -> Application:
    """A file of `code` submitted on `submitted`, with its documents, opinion and instruction
    (a new student's unless `student` is given)."""
    scheme = Scheme.objects.get(code=code)
    student = student or user("etu")
    school, staff = school_with_staff() if code == "horizons" else (None, None)
    app = services.application_create(student=student, scheme=scheme, aid=aid if code == "horizons" else "", establishment=school)
    services.application_update(application=app, by=student, data=data or DATA[code], first_name="Léa", last_name="Martin",
                                iban=IBAN, account_holder="Léa Martin")
    for kind in required_kinds(code, scholarship_holder=True, aid=app.aid):
        services.document_add(application=app, by=student, kind=kind, upload=SimpleUploadedFile("p.pdf", PDF))
    app = services.application_submit(application=app, by=student, today=submitted)
    if app.state == State.AWAITING_OPINION:
        services.opinion_record(application=app, by=staff, favourable=True)
    return services.application_mark_ready(application=app, by=agent)


def decided_file(code, agent, *, amount=None, act_date=date(2025, 7, 3), amount_derogation="", **kw) -> Application:
    """A file granted (with the engine's amount unless given) by a closed session."""
    app = ready_file(code, agent, **kw)
    session = decision_services.session_create(scheme=app.scheme, title="Commission", meeting_date=act_date, by=agent)
    decision_services.session_add_files(session=session, applications=[app], by=agent, today=act_date)
    entry = session.entries.get()
    # Many test files share one quota window: the agent may derogate (unused within the quota).
    agent.user_permissions.add(Permission.objects.get(codename="derogate_quota"))
    agent = type(agent).objects.get(pk=agent.pk)
    decision_services.session_entry_record(entry=entry, outcome="granted", by=agent, amount=amount or entry.proposed_amount,
                                           quota_derogation="Dossier de test au-delà du quota",
                                           amount_derogation=amount_derogation)
    decision_services.session_close_start(session=session, by=agent, today=act_date)
    decision_services.session_close_run(session_id=session.pk)
    app.refresh_from_db()
    assert app.state == State.GRANTED, app.state
    return app


def amount(value) -> Decimal:
    return Decimal(value)


# --- A fixed cast for one Horizons file (fixed e-mails, so tests can name the recipients) -----
HORIZONS_DATA = {**HORIZONS, "other_aid": {"erasmus": False, "other_collectivity_grant": False, "crous_mobility_aid": False}}


def _named(email, **kw):
    return User.objects.create_user(username=email, email=email, password="pw-demo-2026", **kw)


def horizons_actors() -> dict:
    """A student, the staff of their establishment, an officer of the Région and one of the Aude."""
    horizons = Scheme.objects.get(code="horizons")
    school = Establishment.objects.create(name="Université Toulouse Capitole", uai="0311382J")
    student = _named("etu@example.org", first_name="Léa", last_name="Martin")
    staff = _named("scol@example.org")
    EstablishmentMembership.objects.create(user=staff, establishment=school)
    agent = _named("agent@example.org")
    OfficerMembership.objects.create(user=agent, authority=horizons.authority)
    other = _named("agent-aude@example.org")
    OfficerMembership.objects.create(user=other, authority=Scheme.objects.get(code="aude").authority)
    return {"scheme": horizons, "school": school, "student": student, "staff": staff,
            "officer": agent, "other_officer": other}


def horizons_draft(actors, data=None, documents=True) -> Application:
    """The student's grant draft, with every required document unless told otherwise."""
    app = services.application_create(student=actors["student"], scheme=actors["scheme"], aid="grant",
                                      establishment=actors["school"])
    app = services.application_update(application=app, by=actors["student"], data=data or HORIZONS_DATA,
                                      first_name="Léa", last_name="Martin")
    if documents:
        for kind in required_kinds("horizons", scholarship_holder=True):
            services.document_add(application=app, by=actors["student"], kind=kind,
                                  upload=SimpleUploadedFile(f"{kind}.pdf", PDF))
    return app


def admin_sign_in(client, user) -> None:
    """Sign an administrator in the way the admin requires (accounts.middleware): a TOTP
    authenticator enrolled, and this session's second factor verified."""
    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.test import RequestFactory

    authenticator = TOTP.activate(user, generate_totp_secret()).instance
    client.force_login(user)
    request = RequestFactory().get("/")
    request.user, request.session = user, client.session
    record_authentication(request, user, "mfa", type="totp", id=authenticator.pk)
    request.session.save()


def balance_settled(app, agent, *, actual_end, today, start=None):
    """The student asks for the Horizons balance with the Art. 9 proofs, and an officer checks
    them with the attestation's dates (the mobility's own start unless `start`)."""
    from payments import services as pay

    proofs = [("stay_certificate", SimpleUploadedFile("attestation.pdf", PDF))]
    if (app.aid or "grant") == "grant":
        proofs.append(("scholarship_notice", SimpleUploadedFile("bourse.pdf", PDF)))
    request = pay.balance_request_submit(application=app, by=app.student, actual_end_date=actual_end, today=today,
                                         proofs=proofs)
    mobility = app.current_decision.snapshot["input"]["mobility"]
    return pay.balance_request_review(request=request, by=agent, validate=True, today=today,
                                      checked_start_date=start or date.fromisoformat(mobility["start_date"]),
                                      checked_end_date=actual_end)
