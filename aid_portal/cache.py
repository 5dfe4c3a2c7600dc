"""A Redis cache that fails soft: when Redis is down or frozen, a read is a miss and a write is
skipped, with a warning in the log, instead of an exception that becomes a 500.

What lives in the cache here is disposable: allauth's sign-in rate limits. During an outage
they fail open (an attempt is neither counted nor refused), so that students and officers can
still sign in; the outage itself is logged, and /healthz reports it. After a failure Redis is not
asked again for a few seconds, so that a frozen Redis costs one socket timeout, not one a call.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("aid_portal.cache")

PAUSE_SECONDS = 10.0


class FailSoftRedisCache(RedisCache):
    _paused_until = 0.0  # per process: each one finds out for itself

    def _soft(self, operation: str, default, call):
        if time.monotonic() < self._paused_until:
            return default
        try:
            return call()
        except (RedisError, OSError):
            FailSoftRedisCache._paused_until = time.monotonic() + PAUSE_SECONDS
            logger.warning("cache unavailable: %s answered by default for %s s", operation, PAUSE_SECONDS, exc_info=True)
            return default

    def get(self, key, default=None, version=None):
        return self._soft("get", default, lambda: super(FailSoftRedisCache, self).get(key, default, version))

    def get_many(self, keys, version=None):
        return self._soft("get_many", {}, lambda: super(FailSoftRedisCache, self).get_many(keys, version))

    def has_key(self, key, version=None):
        return self._soft("has_key", False, lambda: super(FailSoftRedisCache, self).has_key(key, version))

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._soft("set", None, lambda: super(FailSoftRedisCache, self).set(key, value, timeout, version))

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Every key "failed": what set_many reports for keys it could not store.
        return self._soft("set_many", list(data), lambda: super(FailSoftRedisCache, self).set_many(data, timeout, version))

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # True: a lock taken with add() (allauth's rate-limit lock) is taken, not waited for.
        return self._soft("add", True, lambda: super(FailSoftRedisCache, self).add(key, value, timeout, version))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft("touch", False, lambda: super(FailSoftRedisCache, self).touch(key, timeout, version))

    def delete(self, key, version=None):
        return self._soft("delete", False, lambda: super(FailSoftRedisCache, self).delete(key, version))

    def delete_many(self, keys, version=None):
        self._soft("delete_many", None, lambda: super(FailSoftRedisCache, self).delete_many(keys, version))

    def incr(self, key, delta=1, version=None):
        # A missing key still raises ValueError, as the contract says; only an outage is soft.
        return self._soft("incr", delta, lambda: super(FailSoftRedisCache, self).incr(key, delta, version))

    def clear(self):
        return self._soft("clear", False, lambda: super(FailSoftRedisCache, self).clear())
