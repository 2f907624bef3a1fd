from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_secret_key_is_not_the_development_one(app_configs, **kwargs):
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        return [
            Error(
                "SECRET_KEY is the public development key.",
                hint="Set the SECRET_KEY environment variable to a long random value.",
                id="passerelle.E001",
            )
        ]
    return []


@register(Tags.caches, deploy=True)
def check_cache_is_shared(app_configs, **kwargs):
    """Several servers (or gunicorn workers) each with their own local-memory cache keep their own copy of the
    public pages and their own rate-limit counts: a posting edited on one is stale on the others."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend.endswith(("locmem.LocMemCache", "dummy.DummyCache")):
        return [
            Warning(
                "The default cache is per process (local memory): the page cache, its invalidation and the "
                "apply rate limits are not shared between workers and servers.",
                hint="Set CACHE_URL=redis://host:6379/0 (see README, Production).",
                id="passerelle.W001",
            )
        ]
    return []
