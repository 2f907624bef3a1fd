"""What the application needs to know about where candidates' files live, whatever the engine.

Files go through Django's storage API only (`default_storage`, a FileField's `.storage`), so the local disk
and an S3-compatible bucket (django-storages) behave alike. Two things differ and live here:

- listing: on a bucket, one LIST request per thousand keys gives each key's size and date, where walking
  "folders" would cost a request per folder and two HEAD requests per file;
- failures: an unreachable bucket raises botocore's errors, not OSError. `STORAGE_ERRORS` names both, for
  the code that must carry on (deleting files after a rollback or a committed erasure) and for the
  middleware that answers 503 when a request cannot reach the storage.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.core.files.storage import Storage

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:  # pragma: no cover - botocore comes with django-storages[s3], a declared dependency
    STORAGE_ERRORS: tuple[type[Exception], ...] = (OSError,)
    UNREACHABLE_ERRORS: tuple[type[Exception], ...] = ()
else:
    STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)
    # Raised when the endpoint does not answer (connection refused, timeouts, dropped connections).
    UNREACHABLE_ERRORS = (BotoCoreError,)


@dataclass(frozen=True)
class StoredFile:
    name: str
    modified_at: datetime
    size: int


def is_bucket(storage: Storage) -> bool:
    return hasattr(storage, "bucket") and hasattr(storage, "location")


def list_files(storage: Storage, root: str = "") -> Iterator[StoredFile]:
    """Every file under `root` (everything when empty), named as the storage names it (what a FileField holds)."""
    root = root.strip("/")
    if is_bucket(storage):
        prefix = f"{storage.location.strip('/')}/" if storage.location.strip("/") else ""
        for obj in storage.bucket.objects.filter(Prefix=f"{prefix}{root}/" if root else prefix):
            yield StoredFile(name=obj.key[len(prefix) :], modified_at=obj.last_modified, size=obj.size)
        return
    for name in _walk(storage, root):
        yield StoredFile(name=name, modified_at=storage.get_modified_time(name), size=storage.size(name))


def _walk(storage: Storage, root: str) -> Iterator[str]:
    if root and not storage.exists(root):
        return
    try:
        directories, files = storage.listdir(root)
    except FileNotFoundError:  # the storage's own folder, before anything was written
        return
    for file_name in files:
        yield f"{root}/{file_name}" if root else file_name
    for directory in directories:
        yield from _walk(storage, f"{root}/{directory}" if root else directory)
