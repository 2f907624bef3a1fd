"""Agreement between application rows and the candidates' files in private storage.

Used by `find_orphan_files` (housekeeping) and `verify_backup` (after a restore). Files live in
`default_storage` (the local disk or a bucket, applications/storage.py) under `applications/`; a row points to its CV and, optionally, a letter file.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.files.storage import Storage, default_storage
from django.utils import timezone

from applications.models import Application
from applications.storage import StoredFile, list_files

UPLOAD_ROOT = "applications"
FILE_FIELDS = ("cv", "letter_file")


@dataclass(frozen=True)
class MissingFile:
    reference: str
    field: str
    name: str


@dataclass(frozen=True)
class StorageReport:
    orphans: list[StoredFile]  # in storage, pointed to by no row
    missing: list[MissingFile]  # pointed to by a row, absent from storage
    empty: list[MissingFile]  # pointed to by a row, present but zero bytes
    row_count: int
    file_count: int


def inspect_storage(storage: Storage | None = None) -> StorageReport:
    storage = storage or default_storage
    # On a bucket: its keys under applications/, listed with their sizes and dates.
    stored = {stored_file.name: stored_file for stored_file in list_files(storage, UPLOAD_ROOT)}
    referenced: set[str] = set()
    missing: list[MissingFile] = []
    empty: list[MissingFile] = []
    rows = Application.objects.order_by("reference").values_list("reference", *FILE_FIELDS)
    row_count = 0
    for reference, *names in rows.iterator():
        row_count += 1
        for field, name in zip(FILE_FIELDS, names, strict=True):
            if not name:
                continue
            referenced.add(name)
            found = stored.get(name)
            # A row's file outside `applications/` (never written by the app) is checked one by one.
            if found is None and not name.startswith(f"{UPLOAD_ROOT}/") and storage.exists(name):
                found = StoredFile(
                    name=name, modified_at=storage.get_modified_time(name), size=storage.size(name)
                )
            if found is None:
                missing.append(MissingFile(reference=reference, field=field, name=name))
            elif found.size == 0:
                empty.append(MissingFile(reference=reference, field=field, name=name))
    orphans = [stored[name] for name in sorted(stored.keys() - referenced)]
    return StorageReport(
        orphans=orphans, missing=missing, empty=empty, row_count=row_count, file_count=len(stored)
    )


def delete_orphans(
    orphans: list[StoredFile],
    *,
    older_than: timedelta,
    now: datetime | None = None,
    storage: Storage | None = None,
) -> tuple[list[StoredFile], list[StoredFile]]:
    """Delete the orphans last modified more than `older_than` ago; return (deleted, kept as too recent).

    The age guard protects an upload in flight: its file is written before its row is committed.
    The row list is read again just before deleting, so a file whose row was committed meanwhile stays.
    """
    storage = storage or default_storage
    now = now or timezone.now()
    old = [orphan for orphan in orphans if orphan.modified_at <= now - older_than]
    recent = [orphan for orphan in orphans if orphan.modified_at > now - older_than]
    names = [orphan.name for orphan in old]
    still_referenced: set[str] = set()
    for field in FILE_FIELDS:
        still_referenced.update(
            Application.objects.filter(**{f"{field}__in": names}).values_list(field, flat=True)
        )
    deleted = []
    for orphan in old:
        if orphan.name in still_referenced:
            continue
        storage.delete(orphan.name)
        deleted.append(orphan)
    return deleted, recent
