"""Letters of a decision and answers, through the services and the letter task, on the real
database: each letter's HTML says the right amounts, dates and articles; each PDF is real and
is a signed, tagged PDF/A whose stored context prints again the bytes that were signed; e-mails
go out once."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Establishment, EstablishmentMembership, OfficerMembership, User
from applications import services
from applications.documents import required_kinds
from applications.models import Event
from applications.pdf import RENDERERS
from applications.signing import trusted_certificates, verify_pdf
from decisions import services as decision_services
from decisions.letters import answer_letter_issue, decision_letters_issue, letter_accept, letter_render_pdf
from decisions.models import Decision, Letter
from decisions.templatetags.letter_format import fr_date
from schemes.engine.schedule import aude_schedule
from schemes.models import Scheme
from tests.files import PDF
from tests.pdf_inspect import assert_archivable_and_tagged

pytestmark = pytest.mark.django_db(transaction=False)

K = Letter.Kind
NNBSP, NBSP = "\u202f", "\u00a0"
SUBMITTED, ACT = date(2025, 6, 1), date(2025, 7, 3)
DATA = {
    "horizons": ("grant", {
        "student": {"level": "M1", "establishment_in_region": True, "recognised_diploma": True,
                    "scholarship_holder": True, "apprentice": False},
        "mobility": {"kind": "study", "start_date": "2025-09-01", "end_date": "2025-12-19",
                     "country": "DE", "in_curriculum": True},
        "other_aid": {"erasmus": False, "other_collectivity_grant": False, "crous_mobility_aid": False},
    }),
    "aude": ("", {
        "student": {"cycle": 2, "faculty": "toulouse", "passed_first_year_exam": True},
        "internship": {"start_date": "2025-09-01", "end_date": "2025-11-30", "specialty": "general_medicine",
                       "supervisor_commune_insee": "11069", "zone": "zac"},
    }),
    "haute-garonne": ("", {
        "student": {"cycle": 3, "specialty": "general_medicine", "scholarship_holder": True, "social_precarity": False},
        "internship": {"start_date": "2025-09-01", "end_date": "2026-03-01", "commune_insee": "31069", "zone": "zip"},
    }),
}


def on(day: date):
    """Run the letter task on `day` (10:00 in Paris): the day the letter is made available and
    e-mailed is its notification (Art. 13)."""
    return time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=ZoneInfo("Europe/Paris")))


def euros(text: str) -> str:
    """"1 120,00 €" as the letters print it (thin no-break space, no-break space before €)."""
    return text.replace(" ", NNBSP, text.count(" ") - 1).replace(" ", NBSP)


def user(email, **kw):
    return User.objects.create_user(username=email, email=email, password="pw-demo-2026", **kw)


@pytest.fixture
def world():
    schemes = {s.code: s for s in Scheme.objects.all()}
    school = Establishment.objects.create(name="Université Toulouse Capitole", uai="0311382J")
    staff = user("scol@example.org")
    EstablishmentMembership.objects.create(user=staff, establishment=school)
    officers = {}
    for code, scheme in schemes.items():
        officers[code] = user(f"agent-{code}@example.org", first_name="Agent", last_name=code)
        OfficerMembership.objects.create(user=officers[code], authority=scheme.authority)
    return {
        "schemes": schemes, "school": school, "staff": staff, "officers": officers,
        "student": user("etu@example.org", first_name="Léa", last_name="Martin"),
        "other_student": user("autre@example.org", first_name="Paul", last_name="Durand"),
    }


def ready_file(world, code="horizons"):
    """A submitted file of `code`, instructed and ready for decision (documents attached)."""
    student, scheme = world["student"], world["schemes"][code]
    aid, data = DATA[code]
    app = services.application_create(student=student, scheme=scheme, aid=aid,
                                      establishment=world["school"] if code == "horizons" else None)
    app = services.application_update(application=app, by=student, data=data, first_name="Léa", last_name="Martin",
                                      address="12 rue des Lois\n31000 Toulouse")
    for kind in required_kinds(code, scholarship_holder=True):
        services.document_add(application=app, by=student, kind=kind, upload=SimpleUploadedFile(f"{kind}.pdf", PDF))
    app = services.application_submit(application=app, by=student, today=SUBMITTED)
    if scheme.requires_establishment_opinion:
        services.opinion_record(application=app, by=world["staff"], favourable=True, comment="Bon dossier")
        app.refresh_from_db()
    return services.application_mark_ready(application=app, by=world["officers"][code])


def decide(world, app, *, outcome="granted", amount=None, motivation="", capture=None):
    """Put the file on a session, record the decision and close the session (act of 3 July 2025).
    With `capture` (the django_capture_on_commit_callbacks fixture) the letter task runs for real."""
    code = app.scheme.code
    officer = world["officers"][code]
    session = decision_services.session_create(scheme=app.scheme, title="Commission de juillet", meeting_date=date(2025, 7, 2),
                                      by=officer)
    decision_services.session_add_files(session=session, applications=[app], by=officer, today=date(2025, 7, 2))
    entry = session.entries.get()
    decision_services.session_entry_record(entry=entry, outcome=outcome, by=officer, motivation=motivation,
                                  amount=entry.proposed_amount if amount is None and outcome == "granted" else amount)
    decision_services.session_close_start(session=session, by=officer, today=ACT)
    if capture is None:
        decision_services.session_close_run(session_id=session.pk)
    else:
        with on(ACT), capture(execute=True):
            decision_services.session_close_run(session_id=session.pk)
    app.refresh_from_db()
    return app


def html_of(letter: Letter) -> str:
    return RENDERERS[letter.kind](letter.context)


def assert_real_pdf(letter: Letter, *, tags=("Document", "P")) -> bytes:
    """The stored letter is a signed, tagged PDF/A-3u whose SHA-256 is stored with it, and its
    stored context prints again the very bytes that were signed."""
    with letter.pdf.open("rb") as f:
        stored = f.read()
    assert stored.startswith(b"%PDF")
    assert hashlib.sha256(stored).hexdigest() == letter.pdf_sha256
    unsigned = letter_render_pdf(letter)
    assert stored.startswith(unsigned) and len(stored) > len(unsigned)  # the signature is appended
    check = verify_pdf(stored, trusted=trusted_certificates())
    assert check.valid and check.signed_at is not None, check
    assert_archivable_and_tagged(stored, tags=tags)
    return stored


APPEAL_MENTION = (
    "recours gracieux devant le Président dans un délai de 2 mois à compter de la notification (art. 13), "
    "préalable à tout recours contentieux devant le tribunal administratif"
)


# --- Decision letters ---------------------------------------------------------------------------
def test_horizons_award_letter_sent_once(world, django_capture_on_commit_callbacks):
    app = decide(world, ready_file(world), capture=django_capture_on_commit_callbacks)
    decision = app.current_decision
    [letter] = Letter.objects.filter(application=app)
    assert (letter.kind, letter.decision, letter.template) == (K.AWARD, decision, "letters/award.html")
    assert letter.requires_acceptance is False and letter.sent_at is not None

    html = html_of(letter)
    assert euros("1 120,00 €") in html
    assert "Art. 6" in html and "16 semaine(s) complète(s) × 70,00 €" in html
    assert f"n° {decision.act_number} du 3 juillet 2025" in html and "art. 7" in html
    assert "du 1er septembre 2025 au 19 décembre 2025" in html
    # Art. 9: 60 % at the signature of the arrêté, the balance (total minus advance) on request.
    schedule = letter.context["schedule"]
    assert [(i["label"], i["amount"]) for i in schedule] == [("Avance (60 %)", "672.00"), ("Solde", "448.00")]
    assert sum(Decimal(i["amount"]) for i in schedule) == decision.amount
    assert euros("672,00 €") in html and euros("448,00 €") in html and "Art. 9" in html
    assert "31/12/2026" in html  # balance proofs before 31 December of the following academic year
    # Art. 13: notified on the act's date, so the recours gracieux runs until 3 September.
    assert APPEAL_MENTION in html
    assert "le recours gracieux doit être formé au plus tard le 3 septembre 2025" in html
    assert letter.context["appeal"] == {"article": "art. 13", "notified_on": "2025-07-03", "last_day": "2025-09-03"}
    assert "Pour le Président, par délégation" in html and "12 rue des Lois" in html

    # A screen reader finds the headings, paragraphs and the payment calendar as a table (RGAA).
    stored = assert_real_pdf(letter, tags=("Document", "H2", "P", "Table", "TR", "TH", "TD"))
    [message] = mail.outbox
    assert message.to == ["etu@example.org"] and app.reference in message.subject
    assert message.attachments == [(f"{app.reference}-notification-attribution.pdf", stored, "application/pdf")]
    decision.refresh_from_db()
    assert decision.notified_on == ACT
    assert Event.objects.filter(application=app, kind="letters_sent").count() == 1

    # The task runs again (a retry, a duplicate delivery): nothing is created nor sent again.
    assert decision_letters_issue(decision_id=decision.pk) == 0
    assert Letter.objects.filter(application=app).count() == 1 and len(mail.outbox) == 1


def test_unsent_letters_are_sent_by_the_next_run(world):
    app = decide(world, ready_file(world))  # the task did not run
    assert decision_letters_issue(decision_id=app.current_decision_id) == 1
    assert decision_letters_issue(decision_id=app.current_decision_id) == 0
    assert len(mail.outbox) == 1 and len(mail.outbox[0].attachments) == 1


def test_rejection_letter_is_motivated(world, django_capture_on_commit_callbacks):
    motivation = "Le séjour ne s'inscrit pas dans le cursus de formation du diplôme préparé."
    app = decide(world, ready_file(world), outcome="rejected", motivation=motivation,
                 capture=django_capture_on_commit_callbacks)
    [letter] = Letter.objects.filter(application=app)
    assert letter.kind == K.REJECTION
    html = html_of(letter)
    assert "Notification de rejet motivé" in html and "Motifs de la décision (art. 8)" in html
    assert motivation.replace("'", "&#x27;") in html
    assert letter.context["schedule"] == [] and "Versement" not in html
    assert APPEAL_MENTION in html and "3 septembre 2025" in html
    assert_real_pdf(letter)
    assert "rejet" in mail.outbox[0].subject


def test_aude_award_comes_with_the_agreement(world, django_capture_on_commit_callbacks):
    app = decide(world, ready_file(world, "aude"), capture=django_capture_on_commit_callbacks)
    award, agreement = Letter.objects.filter(application=app).order_by("pk")
    assert (award.kind, agreement.kind) == (K.AWARD, K.AGREEMENT)
    assert agreement.requires_acceptance and not award.requires_acceptance
    html = html_of(agreement)
    assert euros("1 800,00 €") in html
    assert f"{euros('200,00 €')} par mois" in html and f"{euros('400,00 €')} par mois" in html
    # One payment in the last month of the internship, on the payments app's calendar.
    [payment] = aude_schedule(amount=Decimal("1800.00"), start=date(2025, 9, 1), end=date(2025, 11, 30))
    assert agreement.context["schedule"][0]["due_on"] == payment.due_on.isoformat()
    assert "au cours du dernier mois de stage" in html and f"à partir du {fr_date(payment.due_on.isoformat())}" in html
    assert "signaler sans délai" in html and "3 mois entiers" in html
    assert "Session du 22 décembre 2017" in html
    award_html = html_of(award)
    assert "art. R. 421-1 du code de justice administrative" in award_html and "3 septembre 2025" in award_html
    assert "tribunal administratif de Montpellier" in award_html
    for letter in (award, agreement):
        assert_real_pdf(letter)
    [message] = mail.outbox  # one e-mail, both letters attached
    assert [a[0] for a in message.attachments] == [f"{app.reference}-notification-attribution.pdf",
                                                    f"{app.reference}-convention.pdf"]
    assert "accept" in message.body.lower()


def test_haute_garonne_award_comes_with_the_commitment(world, django_capture_on_commit_callbacks):
    app = decide(world, ready_file(world, "haute-garonne"), capture=django_capture_on_commit_callbacks)
    award, commitment = Letter.objects.filter(application=app).order_by("pk")
    assert (award.kind, commitment.kind) == (K.AWARD, K.COMMITMENT) and commitment.requires_acceptance
    html = html_of(commitment).replace("&#x27;", "'")
    repay = "En cas de non-respect de ses engagements contractuels, l'étudiant devra rembourser l'indemnité en totalité"
    assert repay in html
    assert "zone d'intervention prioritaire (ZIP)" in html
    assert "du 1er septembre 2025 au 1er mars 2026" in html
    schedule = commitment.context["schedule"]
    assert [i["amount"] for i in schedule] == ["400.00"] * 6 and commitment.context["schedule_total"] == "2400.00"
    assert schedule[0]["due_on"] == "2025-09-30" and schedule[-1]["due_on"] == "2026-02-28"
    assert euros("2 400,00 €") in html and "Délibération du 27 mai 2021" in html
    for letter in (award, commitment):
        assert_real_pdf(letter)


def test_amending_decision_letter(world, django_capture_on_commit_callbacks):
    app = decide(world, ready_file(world), capture=django_capture_on_commit_callbacks)
    report = decision_services.change_report(application=app, by=world["student"], kind="dates",
                                    description="Fin du séjour avancée au 28 novembre",
                                    changes={"mobility": {"end_date": "2025-11-28"}}, today=date(2025, 9, 10))
    with on(date(2025, 9, 15)), django_capture_on_commit_callbacks(execute=True):
        decision_services.change_review(report=report, by=world["officers"]["horizons"], accept=True,
                               answer="Durée réduite : 13 semaines complètes.", today=date(2025, 9, 15))
    app.refresh_from_db()
    [letter] = Letter.objects.filter(application=app, kind=K.AMENDMENT)
    assert letter.decision == app.current_decision and letter.decision.kind == Decision.Kind.AMENDMENT
    html = html_of(letter)
    assert f"fixé à <strong>{euros('910,00 €')}</strong>, au lieu de {euros('1 120,00 €')}" in html
    assert "Durée réduite : 13 semaines complètes." in html and "Fin du séjour avancée au 28 novembre" in html
    assert "13 semaine(s) complète(s) × 70,00 €" in html and "(art. 11)" in html
    assert APPEAL_MENTION in html and "le 15 novembre 2025" in html  # notified 15 September
    assert_real_pdf(letter)
    assert len(mail.outbox) == 2 and "modificative" in mail.outbox[1].subject
    assert app.current_decision.notified_on == date(2025, 9, 15)


# --- Answers to appeals and reported changes -------------------------------------------------
def _rejected_and_appealed(world, capture):
    app = decide(world, ready_file(world), outcome="rejected", motivation="Dossier hors cursus.", capture=capture)
    appeal = decision_services.appeal_file(application=app, by=world["student"], grounds="Le séjour est bien dans mon cursus.",
                                  today=date(2025, 7, 20))
    return app, appeal


def test_appeal_upheld_answer(world, django_capture_on_commit_callbacks):
    app, appeal = _rejected_and_appealed(world, django_capture_on_commit_callbacks)
    with on(date(2025, 7, 25)), django_capture_on_commit_callbacks(execute=True):
        decision_services.appeal_decide(appeal=appeal, by=world["officers"]["horizons"], uphold=True,
                               answer="L'attestation fournie ne mentionne pas la validation du séjour.")
    [letter] = Letter.objects.filter(application=app, kind=K.APPEAL_UPHELD)
    assert letter.context["appeal_id"] == appeal.pk and letter.decision == app.current_decision
    html = html_of(letter).replace("&#x27;", "'")
    assert "maintient cette décision" in html and "L'attestation fournie ne mentionne pas" in html
    assert "formé le 20 juillet 2025 un recours gracieux contre la décision du 3 juillet 2025" in html
    assert "tribunal administratif de Toulouse" in html and "art. R. 421-1" in html
    assert_real_pdf(letter)
    assert len(mail.outbox) == 2 and "recours" in mail.outbox[1].subject
    # Idempotent per appeal.
    assert answer_letter_issue(application_id=app.pk, kind=K.APPEAL_UPHELD, decision_id=app.current_decision_id) == 0
    assert len(mail.outbox) == 2


def test_appeal_reopened_answer(world, django_capture_on_commit_callbacks):
    app, appeal = _rejected_and_appealed(world, django_capture_on_commit_callbacks)
    with on(date(2025, 7, 25)), django_capture_on_commit_callbacks(execute=True):
        decision_services.appeal_decide(appeal=appeal, by=world["officers"]["horizons"], uphold=False,
                               answer="Votre attestation d'inscription établit le lien avec le cursus.")
    [letter] = Letter.objects.filter(application=app, kind=K.APPEAL_REOPENED)
    html = html_of(letter)
    assert "votre dossier est rouvert et sera réexaminé" in html and "lien avec le cursus" in html
    assert "remplacera la décision du 3 juillet 2025" in html
    assert_real_pdf(letter)


def test_change_refused_answer(world, django_capture_on_commit_callbacks):
    app = decide(world, ready_file(world), capture=django_capture_on_commit_callbacks)
    report = decision_services.change_report(application=app, by=world["student"], kind="extension",
                                    description="Prolongation de deux semaines", changes={}, today=date(2025, 10, 1))
    with on(date(2025, 10, 6)), django_capture_on_commit_callbacks(execute=True):
        decision_services.change_review(report=report, by=world["officers"]["horizons"], accept=False,
                               answer="Aucun justificatif de prolongation n'est fourni.", today=date(2025, 10, 6))
    [letter] = Letter.objects.filter(application=app, kind=K.CHANGE_REFUSED)
    assert letter.context["change_id"] == report.pk
    html = html_of(letter).replace("&#x27;", "'")
    assert "n'est pas prise en compte" in html and "Aucun justificatif de prolongation" in html
    assert f"le montant de l'aide demeure fixé à {euros('1 120,00 €')}" in html
    assert_real_pdf(letter)
    assert answer_letter_issue(application_id=app.pk, kind=K.CHANGE_REFUSED) == 0
    assert len(mail.outbox) == 2


# --- Acceptance -----------------------------------------------------------------------------------
def test_agreement_accepted_once_by_its_student_only(world, django_capture_on_commit_callbacks):
    app = decide(world, ready_file(world, "aude"), capture=django_capture_on_commit_callbacks)
    award = Letter.objects.get(application=app, kind=K.AWARD)
    agreement = Letter.objects.get(application=app, kind=K.AGREEMENT)
    for intruder in (world["other_student"], world["officers"]["aude"]):
        with pytest.raises(services.ServiceError, match="Seul l'étudiant"):
            letter_accept(letter=agreement, by=intruder)
    with pytest.raises(services.ServiceError, match="n'appelle pas d'acceptation"):
        letter_accept(letter=award, by=world["student"])
    agreement = letter_accept(letter=agreement, by=world["student"])
    agreement.refresh_from_db()
    assert agreement.accepted_at is not None and agreement.accepted_by == world["student"]
    event = Event.objects.get(application=app, kind="letter_accepted")
    assert event.payload == {"letter": agreement.pk, "kind": "agreement", "sha256": agreement.pdf_sha256}
    with pytest.raises(services.ServiceError, match="déjà été accepté"):
        letter_accept(letter=agreement, by=world["student"])
    assert Event.objects.filter(application=app, kind="letter_accepted").count() == 1


def test_cancellation_letter(world, django_capture_on_commit_callbacks):
    app = decide(world, ready_file(world, "haute-garonne"), capture=django_capture_on_commit_callbacks)
    report = decision_services.change_report(application=app, by=world["student"], kind="cancellation",
                                    description="Stage annulé par la faculté", changes={}, today=date(2025, 8, 1))
    with on(date(2025, 8, 4)), django_capture_on_commit_callbacks(execute=True):
        decision_services.change_review(report=report, by=world["officers"]["haute-garonne"], accept=True,
                               answer="Stage annulé : l'aide est sans objet.", today=date(2025, 8, 4))
    [letter] = Letter.objects.filter(application=app, kind=K.AMENDMENT)
    html = html_of(letter)
    assert "est <strong>annulée</strong>" in html and euros("2 400,00 €") in html
    assert letter.context["schedule"] == [] and "le 4 octobre 2025" in html
    assert_real_pdf(letter)
