"""The page cache: public pages replayed from the cache to visitors without a session.

One decorator, `cache_public_page`, wraps the listing and the posting page (postings/urls.py). Set
`PAGE_CACHE_SECONDS=0` to switch it off: every request then renders its page, which is what to do while
debugging a template or a query.

What is shared holds nothing personal: only GET requests of visitors with no session cookie and no pending
message are served from it, and only a successful page that sets no cookie is stored. A page is kept at most
`PAGE_CACHE_SECONDS` and never past the next deadline of an open posting (it says "N days left" and must drop
a posting once it closes). Keys follow the postings' version (postings/cache.py), so any change shows at once.
Each replay carries the CSP nonce of its own response, and the header `X-Page-Cache: hit` (`miss` on a page
rendered and stored; none where the cache does not apply): the benchmark counts hits with it, so a scenario meant
to render every page can prove it did.
"""

import hashlib
import math
from datetime import datetime
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db.models import Min
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.utils import timezone
from django.utils.translation import get_language

from postings import cache as postings_cache
from postings.models import Posting

# Stands for the CSP nonce in a cached page; replaced by the nonce of each response that replays it.
NONCE_PLACEHOLDER = b"%%passerelle-csp-nonce%%"
CACHE_HEADER = "X-Page-Cache"


def anonymous_page_key(request: HttpRequest) -> str | None:
    """The cache key of a public page for a visitor without a session, or None when it must be rendered.

    The key follows the postings' version, the language and the whole path with its query string.
    """
    if request.method != "GET":
        return None
    if request.COOKIES.get(settings.SESSION_COOKIE_NAME) or request.COOKIES.get("messages"):
        return None
    # Scheme and host are part of the key: a page rendered for one origin (an alias, plain http behind a
    # misconfigured proxy) is never replayed to another.
    origin = f"{request.scheme}://{request.get_host()}"
    digest = hashlib.sha256((origin + request.get_full_path()).encode()).hexdigest()
    return postings_cache.key("page", get_language(), digest)


def next_deadline(now: datetime | None = None) -> datetime | None:
    """The soonest deadline of an open posting; cached until it passes or the postings change."""
    now = now or timezone.now()
    key = postings_cache.key("next-deadline")
    cached = cache.get(key)
    if cached is not None and (cached == "none" or cached > now):
        return None if cached == "none" else cached
    deadline = Posting.objects.open_for_applications(now).aggregate(next=Min("deadline"))["next"]
    lifetime = settings.PAGE_CACHE_SECONDS
    timeout = lifetime if deadline is None else max(1, math.ceil((deadline - now).total_seconds()))
    cache.set(key, deadline or "none", timeout=timeout)
    return deadline


def page_cache_timeout(now: datetime | None = None) -> int:
    """PAGE_CACHE_SECONDS, or less when a posting's deadline comes first (it must leave the open listing)."""
    now = now or timezone.now()
    lifetime = settings.PAGE_CACHE_SECONDS
    deadline = next_deadline(now)
    if deadline is None:
        return lifetime
    return max(1, min(lifetime, math.ceil((deadline - now).total_seconds())))


def cache_public_page(view):
    """Serve a public page from the cache to visitors without a session (see the module's docstring)."""

    @wraps(view)
    def cached_view(request, *args, **kwargs):
        if settings.PAGE_CACHE_SECONDS <= 0:
            return view(request, *args, **kwargs)
        key = anonymous_page_key(request)
        if key is not None and (cached := cache.get(key)) is not None:
            response = HttpResponse(cached.replace(NONCE_PLACEHOLDER, str(get_nonce(request)).encode()))
            response[CACHE_HEADER] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if key is not None and response.status_code == 200 and not response.cookies:
            if hasattr(response, "render"):
                response.render()
            content = response.content.replace(str(get_nonce(request)).encode(), NONCE_PLACEHOLDER)
            cache.set(key, content, timeout=page_cache_timeout())
            response[CACHE_HEADER] = "miss"
        return response

    return cached_view
