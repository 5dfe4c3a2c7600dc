"""A Redis cache that fails open: an outage slows nothing down and breaks no page.

The cache holds only counters (sign-in throttling, allauth's rate limits, the API's limits);
losing them for the length of an outage lets a few more attempts through, whereas raising would
turn every sign-in into a 500. Each failure is logged, so the outage is seen.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger("aid_portal.cache")


def _fail_open(name: str, fallback):
    method = getattr(RedisCache, name)

    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except RedisError as error:
            log.error("cache unavailable, %s answered as if empty: %s", name, error)
            return fallback(*args, **kwargs) if callable(fallback) else fallback

    wrapper.__name__ = name
    return wrapper


class FailOpenRedisCache(RedisCache):
    # What an empty cache would answer. `add` reports success: allauth takes its rate-limit lock
    # with `while not cache.add(...)`, which must not spin for the whole outage.
    get = _fail_open("get", lambda key, default=None, version=None: default)
    get_many = _fail_open("get_many", {})
    has_key = _fail_open("has_key", False)
    add = _fail_open("add", True)
    set = _fail_open("set", False)
    set_many = _fail_open("set_many", lambda data, *args, **kwargs: list(data))
    touch = _fail_open("touch", False)
    incr = _fail_open("incr", lambda key, delta=1, version=None: delta)
    delete = _fail_open("delete", False)
    delete_many = _fail_open("delete_many", None)
    clear = _fail_open("clear", False)
