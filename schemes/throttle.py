"""Who is asking, and how much they may ask: the per-client budget of the anonymous API.

    address = client_ip(request)
    wait = throttle_charge(scope="simulate", client=address, cost=len(cases), limit=300, window=60)
    if wait: answer 429 with Retry-After: wait

A fixed window per client, counted in Django's cache (Redis in production, shared by every worker).
The cost is the number of cases, not of requests: one batch of 100 cases weighs what 100 single
requests do. A cache that cannot be reached lets the request through and logs it: a Redis outage
must not turn the simulator into a 500 (fail open; the batch-size cap still bounds each request).
"""

from __future__ import annotations

import logging
import math
import time

from django.core.cache import cache

log = logging.getLogger("aid_portal.security")


def throttle_charge(*, scope: str, client: str, cost: int, limit: int, window: int, now: float | None = None) -> int:
    """Add `cost` to the client's count of the current window. Returns 0 when within `limit`,
    otherwise the seconds until the window ends (the Retry-After). A refused request is still
    counted: hammering does not shorten the wait."""
    now = time.time() if now is None else now
    window_start = int(now // window) * window
    key = f"throttle:{scope}:{client}:{window_start}"
    try:
        # add() is a no-op when the key exists, incr() is atomic (Redis INCRBY): no lost updates
        # between workers. The key outlives its window a little, then the cache drops it.
        cache.add(key, 0, timeout=window + 5)
        count = cache.incr(key, cost)
    except Exception:  # noqa: BLE001 - any cache failure (connection, timeout, evicted key)
        log.warning("throttle: cache unavailable, %s request of %s let through", scope, client, exc_info=True)
        return 0
    if count <= limit:
        return 0
    return max(1, math.ceil(window_start + window - now))
