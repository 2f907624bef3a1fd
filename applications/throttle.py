"""Rate limits of the forms that send an e-mail to an address someone types (alerts, "Mes candidatures").

One function, `over_limit`, so that the counting behind it can change (django-ratelimit) without touching
its callers. Counts live in the default cache, like the apply form's limit (`APPLY_RATE_LIMIT`).
"""

import hashlib

from django.core.cache import cache


def over_limit(scope: str, key: str, *, limit: int, window: int) -> bool:
    """Count one hit of `key` (an address, an IP) in `scope`; True once there were more than `limit` hits
    within `window` seconds. Keys are hashed: the cache never holds an e-mail address in clear."""
    cache_key = f"throttle:{scope}:{hashlib.sha256(key.encode()).hexdigest()}"
    cache.add(cache_key, 0, timeout=window)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # Expired between add() and incr().
        cache.set(cache_key, 1, timeout=window)
        count = 1
    return count > limit
