"""The formal notice (Horizons Art. 11) issued for a repayment order: its HTML, one real PDF, the
stored Letter, the e-mail, idempotence, and the byte-for-byte re-rendering from the stored context."""

import hashlib
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from applications.signing import trusted_certificates, verify_pdf
from decisions.models import Letter
from payments import services as pay
from payments.models import RepaymentOrder
from payments.notices import (
    formal_notice_context,
    formal_notice_issue,
    formal_notice_render_pdf,
    render_formal_notice_html,
)
from payments.tasks import issue_formal_notice
from tests.flows import balance_settled, decided_file, officer
from tests.pdf_inspect import assert_archivable_and_tagged

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def _paid_advance(agent):
    app = decided_file("horizons", agent)
    ids = list(app.instalments.values_list("pk", flat=True))
    run = pay.payment_run_create(authority=app.scheme.authority, instalment_ids=ids, by=agent,
                                 execution_date=date(2025, 7, 10), today=date(2025, 7, 10))
    pay.payment_run_confirm(run=run, by=agent, today=date(2025, 7, 12))
    return app


@pytest.fixture
def order():
    """A stay of 8.5 weeks, below the 12-week minimum: the whole advance of 672.00 is claimed."""
    agent = officer("horizons")
    app = _paid_advance(agent)
    balance_settled(app, agent, actual_end=date(2025, 10, 31),
                               today=date(2026, 1, 10))
    return RepaymentOrder.objects.select_related("application").get(application=app)


def test_notice_html_states_the_amount_the_month_and_article_11(order):
    html = render_formal_notice_html(formal_notice_context(order=order, today=date(2026, 1, 12)))
    assert "672,00\u00a0€" in html
    assert "délai de un mois à compter de la réception de la présente" in html
    assert "art. 11 du règlement" in html
    assert "bon emploi des fonds publics" in html
    assert "le reversement de 672,00\u00a0€ sera exigé" in html
    assert "Durée réalisée inférieure (art. 9)" in html
    assert "Lettre recommandée avec accusé de réception" in html
    assert "12 janvier 2026" in html and "Léa Martin" in html


def test_issuing_stores_the_letter_mails_the_pdf_and_runs_once(order, mailoutbox):
    with time_machine.travel(datetime(2026, 1, 12, 9, tzinfo=PARIS), tick=False):
        assert issue_formal_notice(order.pk) == 1
        assert formal_notice_issue(order_id=order.pk) == 0  # twice: nothing more
    order.refresh_from_db()
    letter = order.notice_letter
    assert letter is not None and Letter.objects.filter(kind="formal_notice").count() == 1
    assert (letter.kind, letter.template, letter.decision_id) == ("formal_notice", "letters/formal_notice.html",
                                                                  order.application.current_decision_id)
    assert letter.sent_at is not None
    assert letter.context["letter_date"] == "2026-01-12"
    assert letter.context["accounts"] == {"notified": "1120.00", "paid": "672.00", "repaid": "0.00", "waived": "0.00",
                                          "net_paid": "672.00", "claimed": "672.00"}
    with letter.pdf.open("rb") as f:
        pdf = f.read()
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == letter.pdf_sha256
    assert verify_pdf(pdf, trusted=trusted_certificates()).valid
    assert_archivable_and_tagged(pdf, tags=("Document", "H2", "P"))
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [order.application.student.email] and "mise en demeure" in mail.subject
    assert "un mois" in mail.body
    (name, content, mime), = mail.attachments
    assert name.endswith("-mise-en-demeure.pdf") and mime == "application/pdf" and content == pdf
    assert order.application.events.filter(kind="formal_notice_issued").count() == 1
    # Its stored context prints again, years later, the very bytes that were signed.
    with time_machine.travel(datetime(2029, 6, 1, 9, tzinfo=PARIS), tick=False):
        unsigned = formal_notice_render_pdf(letter)
    assert pdf.startswith(unsigned) and len(pdf) > len(unsigned)


def test_order_created_by_a_service_issues_its_notice_after_commit(django_capture_on_commit_callbacks, mailoutbox):
    agent = officer("horizons")
    app = _paid_advance(agent)
    with django_capture_on_commit_callbacks(execute=True):
        pay.balances_lapse(today=date(2027, 1, 1))
    order = RepaymentOrder.objects.get(application=app)
    assert order.reason == "lapsed" and order.amount == Decimal("672.00")
    assert order.notice_letter is not None and len(mailoutbox) == 1
    assert "Solde non demandé dans le délai" in order.notice_letter.context["order"]["reason_label"]


def test_breach_notice_of_haute_garonne_cites_no_horizons_article():
    agent = officer("haute-garonne")
    app = decided_file("haute-garonne", agent, act_date=date(2025, 10, 1))
    Letter.objects.create(application=app, decision=app.current_decision, kind="commitment", template="x", context={},
                          requires_acceptance=True, accepted_at="2025-10-02T10:00:00+01:00")
    first = list(app.instalments.order_by("sequence").values_list("pk", flat=True)[:1])
    run = pay.payment_run_create(authority=app.scheme.authority, instalment_ids=first, by=agent,
                                 execution_date=date(2026, 1, 5), today=date(2026, 1, 5))
    pay.payment_run_confirm(run=run, by=agent, today=date(2026, 1, 6))
    order = pay.breach_claim(application=app, by=agent, explanation="Stage abandonné", today=date(2026, 2, 15))
    html = render_formal_notice_html(formal_notice_context(order=order, today=date(2026, 2, 16)))
    assert "400,00\u00a0€" in html and "Stage abandonné" in html and "L. 122-1" in html
    assert "art. 11 du règlement" not in html


def test_notice_after_a_cancellation_cites_the_aid_awarded():
    """A cancellation makes the decision in force worth 0: the notice still speaks of the aid
    that was awarded and paid, and of the new decision only as the reason for the claim."""
    from decisions import services as decision_services
    from payments import services as pay
    from payments.notices import formal_notice_context
    from tests.flows import decided_file, officer

    agent = officer("horizons")
    app = decided_file("horizons", agent)
    run = pay.payment_run_create(authority=app.scheme.authority, instalment_ids=list(app.instalments.values_list("pk", flat=True)),
                                 by=agent, execution_date=date(2025, 7, 10), today=date(2025, 7, 10))
    pay.payment_run_confirm(run=run, by=agent, today=date(2025, 7, 12))
    report = decision_services.change_report(application=app, by=app.student, kind="cancellation", description="Annulée",
                                    changes={}, today=date(2025, 8, 1))
    decision_services.change_review(report=report, by=agent, accept=True, answer="Prise en compte", today=date(2025, 8, 5))
    order = RepaymentOrder.objects.get(application=app)
    context = formal_notice_context(order=order, today=date(2025, 8, 6))
    assert context["decision"]["amount"] == "1120.00" and context["accounts"]["notified"] == "1120.00"
    assert context["order"]["amount"] == "672.00"
