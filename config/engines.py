"""Which engine holds the cache and the candidates' files, chosen by one URL each (CACHE_URL, STORAGE_URL).

Both default to what `make run` needs on a bare machine (local memory, the local disk); production names its
engines. A URL whose scheme is not one of those below stops the start-up with a message that says what is
accepted: a typo must never fall back silently to a per-process cache or to the local disk of one server.
"""

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from django.core.exceptions import ImproperlyConfigured

LOCMEM_CACHE = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "passerelle"}
REDIS_SCHEMES = ("redis", "rediss", "unix")
S3_OPTIONS = ("endpoint_url", "region_name", "addressing_style", "signature_version")


def cache_from_url(url: str, *, key_prefix: str = "") -> dict:
    """The `CACHES["default"]` entry for CACHE_URL: empty or `locmem://` for local memory (one per process),
    `redis://host:6379/0` (also `rediss://` for TLS, `unix:///path/redis.sock?db=0`) for a shared Redis."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower() if url else "locmem"
    if scheme == "locmem":
        return {**LOCMEM_CACHE, "KEY_PREFIX": key_prefix}
    if scheme in REDIS_SCHEMES and (parts.netloc if scheme != "unix" else parts.path):
        return {"BACKEND": "config.cache.SharedRedisCache", "LOCATION": url, "KEY_PREFIX": key_prefix}
    raise ImproperlyConfigured(
        f"CACHE_URL {url!r} is not a cache address this site knows. Use redis://host:6379/0 (or rediss://, "
        "unix://) for a shared cache, or leave CACHE_URL empty for local memory."
    )


def storage_from_url(url: str, *, local_root: Path) -> dict:
    """The `STORAGES["default"]` entry for STORAGE_URL, where candidates' files and exports are kept.

    - empty or `file://`: the local folder `local_root` (PRIVATE_MEDIA_ROOT); `file:///srv/files` names another;
    - `s3://bucket/optional/prefix?endpoint_url=https://s3.fr-par.scw.cloud&region_name=fr-par`: a private
      bucket through django-storages (`addressing_style=path` for MinIO, Garage or moto). Credentials come
      from boto3's usual sources (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or an instance role), never
      from the URL.
    """
    parts = urlsplit(url) if url else urlsplit("file://")
    scheme = parts.scheme.lower()
    if scheme == "file":
        location = Path(parts.path) if parts.path else local_root
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": location, "base_url": None},
        }
    if scheme == "s3":
        if not parts.netloc:
            raise ImproperlyConfigured(f"STORAGE_URL {url!r}: name the bucket, e.g. s3://passerelle-files.")
        query = dict(parse_qsl(parts.query))
        unknown = sorted(set(query) - set(S3_OPTIONS))
        if unknown:
            raise ImproperlyConfigured(
                f"STORAGE_URL {url!r}: unknown option(s) {', '.join(unknown)}; accepted: {', '.join(S3_OPTIONS)}."
            )
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3_options(parts.netloc, parts.path, query),
        }
    raise ImproperlyConfigured(
        f"STORAGE_URL {url!r}: the scheme {scheme!r} is not supported. Use s3://bucket?endpoint_url=... for "
        "object storage, or leave STORAGE_URL empty for the local folder PRIVATE_MEDIA_ROOT."
    )


def s3_options(bucket: str, prefix: str = "", query: dict | None = None, **extra) -> dict:
    """django-storages options for a private bucket whose files only Django hands out."""
    from botocore.config import Config

    return {
        "bucket_name": bucket,
        "location": prefix.strip("/"),
        # No ACL on each object: the bucket's own (private, public access blocked) applies; providers that
        # enforce bucket-owner ACLs refuse per-object ones.
        "default_acl": None,
        # Downloads stream through the access-checked view; no URL to the bucket is ever handed out.
        "querystring_auth": True,
        "querystring_expire": 30,
        # Names are random (applications.models.private_upload_to): never overwrite, never guess.
        "file_overwrite": False,
        # An unreachable endpoint must fail a request within seconds (the page then says to send again),
        # not hold a server for botocore's default retries.
        "client_config": Config(
            connect_timeout=3, read_timeout=20, retries={"mode": "standard", "max_attempts": 2}
        ),
        **(query or {}),
        **extra,
    }
