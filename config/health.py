"""Health probes for the proxy and for orchestrators (deploy/README.md).

- `/healthz`: the process is alive and answers through the whole middleware stack; touches nothing else, so
  a database outage does not get every server restarted.
- `/readyz`: this server can serve candidates now: the database, the cache and the file storage answer.
  503 otherwise, with the part that failed, so the proxy or the orchestrator sends traffic elsewhere.
"""

import logging

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger("passerelle.health")

READY_PROBE_KEY = "readyz:probe"


@require_safe
def healthz(request):
    """A few bytes through the full middleware stack: liveness probe and the benchmark's reference."""
    return HttpResponse("ok", content_type="text/plain")


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    ping = getattr(
        cache, "ping", None
    )  # config.cache.SharedRedisCache hides outages from pages, not from here
    if ping is not None:
        if not ping():
            raise ConnectionError("the cache does not answer")
        return
    cache.set(READY_PROBE_KEY, 1, timeout=10)
    if cache.get(READY_PROBE_KEY) != 1:
        raise ConnectionError("the cache did not keep a value")


def _storage() -> None:
    # A name that never exists: on object storage this is one HEAD request to the bucket.
    default_storage.exists("readyz-probe")


CHECKS = {"database": _database, "cache": _cache, "storage": _storage}


@never_cache
@require_safe
def readyz(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:
            logger.exception("Readiness: the %s is unavailable.", name)
            results[name] = "unavailable"
        else:
            results[name] = "ok"
    ready = all(result == "ok" for result in results.values())
    return JsonResponse({"ready": ready, **results}, status=200 if ready else 503)
