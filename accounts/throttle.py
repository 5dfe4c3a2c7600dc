"""Password guessing is slowed down, never turned into a lockout.

A hard limit per account ("5 failures, then 15 minutes closed") lets anyone who knows an
officer's e-mail keep them out of the portal. Here each failure is counted per account and per
client address; past FREE_FAILURES in WINDOW seconds, every attempt on that account or from that
address waits, FIRST_DELAY doubled at each further failure up to MAX_DELAY, before the password
is even checked (so the wait tells nothing about it). The owner's right password still signs
them in, after the wait; a guesser gets at most 60 / MAX_DELAY tries a minute per connection,
and allauth's per-address limit (ACCOUNT_RATE_LIMITS) stops a single address outright.

The counters live in the default cache, which fails open (aid_portal.cache): during an outage
nobody waits.
"""

import hashlib
import time

from django.core.cache import cache

FREE_FAILURES = 5
FIRST_DELAY = 0.5
MAX_DELAY = 8.0
WINDOW = 15 * 60

# Module attribute rather than a direct time.sleep call, so that tests record the waits.
pause = time.sleep


def _keys(*, login: str, ip: str) -> tuple[str, str]:
    # Hashed: the cache holds no e-mail address.
    account = hashlib.sha256(login.strip().lower().encode()).hexdigest()
    return f"signin-failures:account:{account}", f"signin-failures:ip:{ip}"


def signin_delay(*, login: str, ip: str) -> float:
    """Seconds to wait before checking a password for `login` sent from `ip`."""
    counts = cache.get_many(_keys(login=login, ip=ip))
    failures = max(counts.values(), default=0)
    if failures < FREE_FAILURES:
        return 0.0
    return min(MAX_DELAY, FIRST_DELAY * 2 ** (failures - FREE_FAILURES))


def signin_failure_record(*, login: str, ip: str) -> None:
    """Count one wrong password; the window runs from the first failure counted."""
    for key in _keys(login=login, ip=ip):
        cache.add(key, 0, timeout=WINDOW)
        try:
            cache.incr(key)
        except ValueError:
            # Expired between add and incr: this failure opens a new window.
            cache.add(key, 1, timeout=WINDOW)
