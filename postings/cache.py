"""A version number for everything the public listing derives from postings, and the helpers that use it.

Any save or delete of a posting or of what its pages show (organisations, places, languages, themes,
sessions) bumps the version (postings/signals.py); cached values are keyed on it, so a change shows at once and
nothing needs deleting. Keys live in the default cache: local memory per process by default, Redis when
`CACHE_URL` is set (then every worker sees a bump at once).
"""

import time

from django.core.cache import cache

VERSION_KEY = "postings:version"


def version() -> int:
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        current = cache.get(VERSION_KEY)
    return current


def bump() -> None:
    cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def key(*parts) -> str:
    return ":".join(["postings", str(version()), *map(str, parts)])


# The last values read through `memoized`, in this process: {key: value}.
_memo: dict[str, object] = {}
MEMO_SIZE = 16


def memoized(full_key: str, compute, timeout: int):
    """The cached value of `full_key` (a `key(...)`, so it follows the version), kept in this process too.

    For large values every request reads (the filter options: thousands of organisations and places at 100k
    postings), so that a request does not unpickle them again from the shared cache. Correct across processes
    because the key holds the version, which each request reads from the shared cache.
    """
    if full_key in _memo:
        return _memo[full_key]
    value = cache.get_or_set(full_key, compute, timeout=timeout)
    if len(_memo) >= MEMO_SIZE:
        _memo.clear()
    _memo[full_key] = value
    return value
