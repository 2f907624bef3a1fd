"""`manage.py verify_backup` after a restore, and the file archive procedure of docs/backups.md."""

import shutil
import subprocess
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError

from tests import factories as f

pytestmark = pytest.mark.django_db


def verify(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("verify_backup", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_passes_on_a_healthy_state_with_the_expected_count():
    f.make_application()
    f.make_application(letter_file=ContentFile(b"%PDF-1.4 lettre"))

    out, err = verify("--expect-count", "2")

    assert "Backup verified: 2 application(s), 3 file(s) in storage." in out
    assert err == ""


def test_it_fails_when_a_cv_is_missing_and_names_the_application():
    kept = f.make_application()
    broken = f.make_application()
    default_storage.delete(broken.cv.name)
    err = StringIO()

    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_backup", stdout=StringIO(), stderr=err)

    assert f"Missing file: application {broken.reference}, cv {broken.cv.name}" in err.getvalue()
    assert kept.reference not in err.getvalue()


def test_it_fails_when_a_letter_file_is_empty():
    application = f.make_application(letter_file=ContentFile(b"%PDF-1.4 lettre"))
    with open(default_storage.path(application.letter_file.name), "wb"):
        pass  # truncated to zero bytes, as a failed copy leaves it
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("verify_backup", stdout=StringIO(), stderr=err)

    assert f"Empty file: application {application.reference}, letter_file" in err.getvalue()


def test_it_fails_when_the_count_differs_from_the_backup():
    f.make_application()
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("verify_backup", "--expect-count", "3", stdout=StringIO(), stderr=err)

    assert "Expected 3 application(s), found 1." in err.getvalue()


def test_it_fails_on_an_orphan_file():
    f.make_application()
    orphan = default_storage.save("applications/2026/01/orphan.pdf", ContentFile(b"%PDF-1.4"))
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("verify_backup", stdout=StringIO(), stderr=err)

    assert f"Orphan file (no application points to it): {orphan}" in err.getvalue()


def test_it_fails_with_a_non_zero_exit_status_from_the_command_line():
    broken = f.make_application()
    default_storage.delete(broken.cv.name)

    with pytest.raises(SystemExit) as exit_info:
        # As `manage.py verify_backup` does: a CommandError becomes a message on stderr and exit status 1.
        ManagementUtility(["manage.py", "verify_backup"]).execute()

    assert exit_info.value.code == 1


@pytest.mark.skipif(shutil.which("tar") is None, reason="needs the tar program")
def test_files_archived_and_restored_as_documented_verify_cleanly(settings, tmp_path):
    f.make_application()
    f.make_application(letter_file=ContentFile(b"%PDF-1.4 lettre"))
    archive = tmp_path / "passerelle-files.tar.gz"
    # docs/backups.md: tar -C "$PRIVATE_MEDIA_ROOT" -czf passerelle-files.tar.gz applications
    subprocess.run(
        ["tar", "-C", str(settings.PRIVATE_MEDIA_ROOT), "-czf", str(archive), "applications"], check=True
    )
    shutil.rmtree(settings.PRIVATE_MEDIA_ROOT)  # the server is gone; only the archive is left
    restored = tmp_path / "restored"
    restored.mkdir()
    # docs/backups.md: tar -C "$PRIVATE_MEDIA_ROOT" -xzf passerelle-files.tar.gz
    subprocess.run(["tar", "-C", str(restored), "-xzf", str(archive)], check=True)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": restored, "base_url": None},
        },
    }

    out, _ = verify("--expect-count", "2")

    assert "Backup verified: 2 application(s), 3 file(s) in storage." in out
