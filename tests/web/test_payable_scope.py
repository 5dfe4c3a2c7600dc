"""The payable list filters on the instalment's own scheme (a copy of its file's, kept for the
page's index): on generated files of the three authorities (aid_portal.volume), each officer's
list holds exactly the rows, order, count and total that the former filter through the file's
scheme and authority gave, and never another authority's instalment."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone

from aid_portal.volume import volume_generate
from applications.states import State
from decisions.models import Letter
from payments import selectors
from payments.models import Instalment
from payments.views.runs import PER_PAGE
from schemes.models import Authority, Scheme
from tests.web.test_query_counts import officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def volume():
    """Granted files of the three schemes, each of its own authority, with their instalments
    (some paid, the rest planned and due) and the Aude and Haute-Garonne acceptances; plus
    Haute-Garonne files still in instruction, which have none."""
    mix = [("horizons", State.GRANTED), ("aude", State.GRANTED), ("haute-garonne", State.GRANTED),
           ("haute-garonne", State.IN_INSTRUCTION)]
    volume_generate(files=2 * PER_PAGE + 40, seed=11, batch=100, write=lambda _line: None, mix=mix)
    # One Aude file's agreement not accepted: its planned instalment is not payable (in either reading).
    letter = (Letter.objects.filter(application__scheme__code="aude", requires_acceptance=True,
                                    application__instalments__status="planned").order_by("pk").first())
    Letter.objects.filter(pk=letter.pk).update(accepted_at=None)


def through_the_files(authority: Authority, today) -> list[Instalment]:
    """The list as it was read before the instalment carried its scheme: every filter through
    the file (state, scheme, authority, acceptance letter, open control)."""
    accepted = Letter.objects.filter(application=OuterRef("application"), decision=OuterRef("application__current_decision"),
                                     requires_acceptance=True, accepted_at__isnull=False)
    return list(
        Instalment.objects.filter(status="planned", awaiting_proof=False, due_on__lte=today,
                                  application__state=State.GRANTED, application__scheme__authority=authority)
        .exclude(latest_on__lt=today)
        .annotate(accepted=Exists(accepted))
        .exclude(application__scheme__code__in=["aude", "haute-garonne"], accepted=False)
        .exclude(application__controls__status="open")
        .order_by("due_on", "application__reference", "pk")
    )


def test_every_instalment_carries_its_files_scheme(volume):
    assert Instalment.objects.count() > 0
    assert not Instalment.objects.exclude(scheme=F("application__scheme")).exists()


def test_each_officer_sees_the_same_rows_as_through_the_files(volume):
    today = timezone.localdate()
    seen = {}
    for scheme in Scheme.objects.filter(code__in=["horizons", "aude", "haute-garonne"]).select_related("authority"):
        agent = officer(scheme.code)
        expected = through_the_files(scheme.authority, today)
        listed = selectors.payable_instalments(user=agent, today=today)
        assert [i.pk for i in listed] == [i.pk for i in expected]
        assert expected, scheme.code  # the comparison is not between two empty lists
        assert selectors.payable_summary(listed) == (len(expected), sum((i.amount for i in expected), Decimal("0")))
        # The scheme filter of the page, on the instalment's column: the same rows again.
        filtered = selectors.payable_instalments(user=agent, today=today, filters={"scheme": scheme})
        assert [i.pk for i in filtered] == [i.pk for i in expected]
        seen[scheme.code] = {i.pk for i in expected}
    # The three lists are the authorities' own: no instalment in two of them.
    assert not (seen["horizons"] & seen["aude"]) and not (seen["aude"] & seen["haute-garonne"])
    assert not (seen["horizons"] & seen["haute-garonne"])
    # The unaccepted Aude agreement keeps its instalment out of the list.
    unaccepted = Instalment.objects.filter(application__scheme__code="aude", status="planned",
                                           application__letters__accepted_at=None,
                                           application__letters__requires_acceptance=True)
    assert unaccepted.exists() and not (set(unaccepted.values_list("pk", flat=True)) & seen["aude"])


def test_the_page_shows_the_authoritys_rows_and_totals_only(client, volume):
    today = timezone.localdate()
    # Haute-Garonne pays by the month: its files give the list more than a page.
    department = Scheme.objects.get(code="haute-garonne").authority
    expected = through_the_files(department, today)
    assert len(expected) > PER_PAGE
    client.force_login(officer("haute-garonne"))
    for number, rows in ((1, expected[:PER_PAGE]), (2, expected[PER_PAGE:2 * PER_PAGE])):
        response = client.get(reverse("payments:payable"), {"page": number})
        assert response.status_code == 200
        assert [i.pk for i in response.context["page_obj"]] == [i.pk for i in rows]
    assert response.context["page_obj"].paginator.count == len(expected)
    assert response.context["payable_total"] == sum((i.amount for i in expected), Decimal("0"))
    # Another authority's payable instalment, and its file's reference, appear on no page of it.
    other = Instalment.objects.filter(pk__in=[i.pk for i in through_the_files(
        Scheme.objects.get(code="horizons").authority, today)]).select_related("application").first()
    assert other is not None
    for number in (1, 2):
        page = client.get(reverse("payments:payable"), {"page": number})
        assert other.pk not in {i.pk for i in page.context["page_obj"]}
        assert other.application.reference not in page.content.decode()
