"""Rendered pieces of the public pages kept in the cache: posting cards, a posting page's body, the filter form.

The page cache (postings/page_cache.py) replays whole pages to visitors without a session. Everything else
renders its page: a new combination of filters, a search, a signed-in recruiter. Those pages are made of the
same pieces, so the pieces are cached instead, for every visitor:

- a posting's card (listing), keyed by the posting;
- a posting page's title, description, head and body, keyed by the posting and whether it is still open;
- the listing's filter form, keyed by the values it shows.

Every key starts with the postings' version (postings/cache.py), which any change to a posting or to what its
pages show bumps, and holds the language and the day (cards and pages count "N days left"). Nothing personal
is ever in a piece: the CSP nonce, the messages, the user's menu stay outside. `FRAGMENT_CACHE_SECONDS=0`
switches the pieces off (every piece rendered), as `PAGE_CACHE_SECONDS=0` does for whole pages.
"""

import hashlib
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language

from postings import cache as postings_cache

# Stands for the CSP nonce in a cached piece; replaced by the nonce of each response that shows it.
NONCE_PLACEHOLDER = "%%passerelle-fragment-nonce%%"


def enabled() -> bool:
    return settings.FRAGMENT_CACHE_SECONDS > 0


def prefix(kind: str) -> str:
    """postings:<version>:fragment:<kind>:<language>:<today>: the start of the keys of one kind of piece (one
    read of the version for many keys)."""
    return postings_cache.key("fragment", kind, get_language(), timezone.localdate().isoformat())


def key(kind: str, *parts) -> str:
    return ":".join([prefix(kind), *map(str, parts)])


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def get(fragment_key: str):
    """The cached value of `fragment_key`, or None (always None when the pieces are switched off)."""
    return cache.get(fragment_key) if enabled() else None


def store(fragment_key: str, value) -> None:
    if enabled():
        cache.set(fragment_key, value, timeout=settings.FRAGMENT_CACHE_SECONDS)


def get_or_render(fragment_key: str, render: Callable[[], object]):
    """The cached value of `fragment_key`, or `render()`'s value, stored for the next request."""
    if not enabled():
        return render()
    value = cache.get(fragment_key)
    if value is None:
        value = render()
        cache.set(fragment_key, value, timeout=settings.FRAGMENT_CACHE_SECONDS)
    return value


def get_or_render_many(keys: dict, render_missing: Callable[[list], dict]) -> dict:
    """{id: value} for every id of `keys` ({id: cache key}), in one cache read; `render_missing(ids)` gives
    {id: value} for the ids the cache did not have, which are stored for the next request."""
    if not enabled():
        return render_missing(list(keys))
    found = cache.get_many(keys.values())
    values = {item: found[k] for item, k in keys.items() if k in found}
    missing = [item for item in keys if item not in values]
    if missing:
        rendered = render_missing(missing)
        cache.set_many(
            {keys[item]: rendered[item] for item in missing}, timeout=settings.FRAGMENT_CACHE_SECONDS
        )
        values.update(rendered)
    return values


def sorted_params(params, names: Iterable[str]) -> str:
    """The query parameters among `names`, in a stable order: what a fragment shows of the query string."""
    return "&".join(f"{name}={value}" for name in sorted(names) for value in params.getlist(name))
