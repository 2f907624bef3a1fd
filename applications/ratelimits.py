"""Rate limits of the apply form and of the forms that e-mail an address someone types (alerts, "Mes
candidatures"), counted by django-ratelimit in the default cache.

The count must be shared by every process that serves the site: with more than one worker, configure a
shared cache (`CACHE_URL=redis://...`); the local-memory default counts per process. The address counted is
`applications.client_address.client_address` (settings: `RATELIMIT_IP_META_KEY`), with django-ratelimit's
IPv6 grouping (a /64 is one visitor).
"""

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

APPLY_GROUP = "applications.apply"


def _apply_rate(group: str, request: HttpRequest) -> str:
    # Read at each request, so that a changed setting (tests, an operator's override) applies at once.
    return f"{settings.APPLY_RATE_LIMIT}/{settings.APPLY_RATE_WINDOW}s"


def apply_rate_limited(request: HttpRequest) -> bool:
    """Count this POST against the visitor's address; True once over APPLY_RATE_LIMIT in the window."""
    return is_ratelimited(request, group=APPLY_GROUP, key="ip", rate=_apply_rate, increment=True)


def over_limit(request: HttpRequest, scope: str, value: str, *, limit: int, window: int) -> bool:
    """Count one hit of `value` (an e-mail address, a client address) in `scope`; True once over `limit`
    within `window` seconds. django-ratelimit hashes the value: the cache never holds an address in clear."""
    return is_ratelimited(
        request,
        group=f"applications.{scope}",
        key=lambda group, request: value,
        rate=f"{limit}/{window}s",
        increment=True,
    )
