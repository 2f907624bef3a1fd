"""The shared cache on Redis, and what the site does while Redis is unreachable.

Django's own `RedisCache` (redis-py, with hiredis as its reply parser when installed) with one policy added:
the cache is an accelerator, never a place where data lives (sessions stay in the database, applications and
files elsewhere), so a Redis outage must not turn pages into errors. While Redis cannot be reached:

- reads miss and writes are dropped: pages are rendered from the database (slower, always fresh);
- `incr()` raises ValueError, Django's "no such key": the apply rate limit then counts from one again, so it
  fails *open* (candidates are never refused because of the cache);
- after a failure the backend leaves Redis alone for `RETRY_AFTER_SECONDS`, so a request does not wait on
  a dead server for every key it touches; the outage and the recovery are logged once each.

A posting changed during the outage cannot bump the shared version (postings/cache.py): pages cached before
the outage may come back stale for at most their own lifetime (postings.views.page_cache_timeout).
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger("passerelle.cache")

RETRY_AFTER_SECONDS = 2.0
#: Seconds to wait for Redis to accept a connection or answer: a cache must fail faster than a page renders.
SOCKET_TIMEOUT_SECONDS = 0.5


class SharedRedisCache(RedisCache):
    def __init__(self, server, params):
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        options = params.setdefault("OPTIONS", {})
        options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT_SECONDS)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT_SECONDS)
        # redis-py retries a failed command with an exponential backoff of seconds by default: a cache miss
        # is cheaper than waiting.
        options.setdefault("retry", Retry(NoBackoff(), 0))
        super().__init__(server, params)
        self._errors = (redis.ConnectionError, redis.TimeoutError)
        self._down_until = 0.0

    def _call(self, method, fallback, *args, **kwargs):
        if self._down_until and time.monotonic() < self._down_until:
            return fallback()
        try:
            result = method(*args, **kwargs)
        except self._errors as error:
            if not self._down_until:
                logger.error("Redis cache unreachable (%s): serving without the cache.", error)
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            return fallback()
        if self._down_until:
            logger.warning("Redis cache reachable again.")
            self._down_until = 0.0
        return result

    def get(self, key, default=None, version=None):
        return self._call(super().get, lambda: default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call(super().get_many, dict, keys, version)

    def has_key(self, key, version=None):
        return self._call(super().has_key, lambda: False, key, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().add, lambda: False, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set, lambda: None, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set_many, lambda: list(data), data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().touch, lambda: False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(super().delete, lambda: False, key, version)

    def delete_many(self, keys, version=None):
        return self._call(super().delete_many, lambda: None, keys, version)

    def incr(self, key, delta=1, version=None):
        def missing():
            raise ValueError(f"Key {key!r} not found: the cache is unreachable.")

        return self._call(super().incr, missing, key, delta, version)

    def clear(self):
        return self._call(super().clear, lambda: False)

    def ping(self) -> bool:
        """True when Redis answers now (used by /readyz); never raises."""
        try:
            return bool(self._cache.get_client(write=True).ping())
        except self._errors:
            return False
