"""The ceiling of the web benchmark (bench/web.py): the cheapest view Django can serve through
the portal's own middleware stack. Routed only when BENCH_BARE_VIEW=1 (settings), which only the
benchmark sets."""

from django.http import HttpRequest, JsonResponse


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})
