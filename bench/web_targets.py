"""What bench/web.py measures: the targets, each a path for a signed-in demo user, resolved on
the largest objects of the user's scope (so that on 100,000 files the pages show their heaviest
realistic case), and the rows behind them recorded with the figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from bench.close_session import HORIZONS_DATA

STUDENT = "etudiante@example.org"
OFFICER = "agent.region@example.org"

# The first public acceptance case: a Horizons grant, M1, 16 weeks of study (1,120 EUR).
SIMULATION_CASE = {"scheme": "horizons", "aid": "grant", "submitted_on": "2025-06-01", **HORIZONS_DATA}


@dataclass(frozen=True)
class Target:
    name: str
    # The path, or a function of the signed-in user computing it once Django is set up.
    path: str | Callable[[Any], str]
    user: str | None = None
    method: str = "GET"
    body: Any = None


def _officer_file(user) -> str:
    from django.urls import reverse

    from applications.queues import officer_applications

    # The file with the longest history the officer may open: the heaviest file page (on the
    # volume, a granted file with its decision, instalments and a dozen events).
    file = officer_applications(user=user).order_by("-events_count", "pk").first()
    return reverse("applications:officer_application", args=[file.pk])


def _officer_queue(query: str = "") -> Callable[[Any], str]:
    def path(user) -> str:
        from django.urls import reverse

        return reverse("applications:officer_queue") + query

    return path


def _queue_filter(user) -> str:
    # The files to instruct: the filter an officer uses most (counts and page under it).
    return _officer_queue("?state=in_instruction")(user)


def _queue_search(user) -> str:
    """What an officer types to find one student: a first name without its accent and the
    start of the surname (on the volume, "chloe volume00042": a dozen files of 100,000)."""
    from applications.queues import officer_applications
    from applications.search import fold

    files = officer_applications(user=user).exclude(last_name="").order_by("pk")
    file = files[files.count() // 2]
    words = f"{fold(file.first_name)} {fold(file.last_name)[: max(4, len(file.last_name) - 2)]}"
    return _officer_queue("?" + urlencode({"q": words}))(user)


def _commission_session(user) -> str:
    from django.db.models import Count
    from django.urls import reverse

    from decisions.selectors import sessions_of

    # The officer's session with the longest agenda.
    session = sessions_of(user=user).annotate(n=Count("entries")).order_by("-n", "pk").first()
    return reverse("decisions:session_detail", args=[session.pk])


def _named(name: str) -> Callable[[Any], str]:
    def path(user) -> str:
        from django.urls import reverse

        return reverse(name)

    return path


BARE = Target("bare Django view (ceiling)", "/bench/bare/")
TARGETS = [
    Target("simulate, 1 case (API)", "/api/v1/simulate", method="POST", body=SIMULATION_CASE),
    Target("student dashboard", _named("applications:dashboard"), user=STUDENT),
    Target("officer queue, first page", _officer_queue(), user=OFFICER),
    Target("officer queue, filter", _queue_filter, user=OFFICER),
    Target("officer queue, search", _queue_search, user=OFFICER),
    Target("officer file page", _officer_file, user=OFFICER),
    Target("commission session page", _commission_session, user=OFFICER),
    Target("payable instalments", _named("payments:payable"), user=OFFICER),
    Target("authority dashboard", _named("payments:authority_dashboard"), user=OFFICER),
]


def volume(user) -> dict[str, int]:
    """The rows behind the officer's pages, recorded beside the figures (demo data or volume)."""
    from django.db.models import Count
    from django.utils import timezone

    from applications.models import Application
    from applications.queues import officer_applications
    from decisions.selectors import sessions_of
    from payments.selectors import payable_instalments

    return {
        "files": Application.objects.count(),
        "officer_queue": officer_applications(user=user).count(),
        "largest_session_entries": sessions_of(user=user).annotate(n=Count("entries")).order_by("-n")
        .values_list("n", flat=True).first() or 0,
        "payable_instalments": payable_instalments(user=user, today=timezone.localdate()).count(),
    }
