"""`manage.py find_orphan_files`: files no application points to, and applications whose files are gone."""

import os
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests import factories as f

pytestmark = pytest.mark.django_db


def find_orphans(*args: str) -> str:
    out = StringIO()
    call_command("find_orphan_files", *args, stdout=out)
    return out.getvalue()


def stray_file(name: str, *, age: timedelta) -> str:
    """A file in private storage that no row points to, last modified `age` ago."""
    name = default_storage.save(name, ContentFile(b"%PDF-1.4 stray"))
    moment = (timezone.now() - age).timestamp()
    os.utime(default_storage.path(name), (moment, moment))
    return name


def test_it_reports_orphans_without_deleting_them():
    application = f.make_application()
    orphan = stray_file("applications/2026/01/abandoned.pdf", age=timedelta(days=3))

    output = find_orphans()

    assert "2 file(s) in storage under applications/, 1 application(s)." in output
    assert "1 orphan file(s):" in output
    assert orphan in output
    assert application.cv.name not in output
    assert "Run again with --delete to remove the orphans." in output
    assert default_storage.exists(orphan)


def test_delete_removes_old_orphans_and_never_a_referenced_file():
    application = f.make_application(letter_file=ContentFile(b"%PDF-1.4 lettre"))
    old = stray_file("applications/2025/12/left-by-a-crash.pdf", age=timedelta(hours=2))
    os.utime(default_storage.path(application.cv.name), (0, 0))  # old, but referenced

    output = find_orphans("--delete")

    assert f"deleted {old}" in output
    assert "Deleted 1 orphan file(s)." in output
    assert not default_storage.exists(old)
    assert default_storage.exists(application.cv.name)
    assert default_storage.exists(application.letter_file.name)


def test_delete_keeps_an_orphan_younger_than_an_hour_as_an_upload_may_be_in_flight():
    in_flight = stray_file("applications/2026/11/uploading.pdf", age=timedelta(minutes=59))

    output = find_orphans("--delete")

    assert f"kept {in_flight}: younger than 60 minute(s)" in output
    assert default_storage.exists(in_flight)


def test_the_minimum_age_is_configurable():
    orphan = stray_file("applications/2026/11/ten-minutes.pdf", age=timedelta(minutes=10))

    find_orphans("--delete", "--min-age-minutes", "30")
    assert default_storage.exists(orphan)

    find_orphans("--delete", "--min-age-minutes", "5")
    assert not default_storage.exists(orphan)


def test_it_refuses_a_negative_minimum_age():
    with pytest.raises(CommandError, match="--min-age-minutes"):
        find_orphans("--delete", "--min-age-minutes", "-5")


def test_it_reports_applications_whose_files_are_missing():
    application = f.make_application(letter_file=ContentFile(b"%PDF-1.4 lettre"))
    default_storage.delete(application.letter_file.name)

    output = find_orphans("--delete")

    assert "1 application file(s) missing from storage:" in output
    assert f"{application.reference}\tletter_file\t{application.letter_file.name}" in output
    assert default_storage.exists(application.cv.name)


def test_it_ignores_files_outside_the_applications_folder():
    outside = default_storage.save("exports/list.xlsx", ContentFile(b"xlsx"))
    os.utime(default_storage.path(outside), (0, 0))

    output = find_orphans("--delete")

    assert "0 orphan file(s):" in output
    assert default_storage.exists(outside)


def test_it_works_on_an_empty_storage():
    output = find_orphans("--delete")

    assert "0 file(s) in storage under applications/, 0 application(s)." in output
    assert "Deleted 0 orphan file(s)." in output
