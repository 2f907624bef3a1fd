"""Candidates' files in an S3-compatible bucket (STORAGE_URL=s3://...), through boto3 over HTTP against
moto_server on a loopback port: each path a person takes, checked by reading the bucket itself."""

import io
import subprocess
import sys
import zipfile
from datetime import date, datetime
from io import StringIO
from types import SimpleNamespace

import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from applications import retention
from applications.models import Application, ExportJob
from config.engines import storage_from_url
from tests import factories as f
from tests.applications.conftest import MINIMAL_PDF, form_data
from tests.engines import processes

pytestmark = pytest.mark.django_db


@pytest.fixture
def bucket(moto, settings):
    """A fresh private bucket as the default storage, seen from outside through boto3."""
    name = moto.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": moto.storage_settings(name)}
    return SimpleNamespace(
        name=name, keys=lambda: moto.keys(name), read=lambda key: moto.read(name, key), client=moto.client()
    )


def apply(client, posting, **overrides) -> Application:
    response = client.post(
        reverse("applications:apply", kwargs={"slug": posting.slug}), form_data(posting, **overrides)
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return Application.objects.get(email_normalised=overrides.get("email", "camille.martin@example.org"))


# -- STORAGE_URL ------------------------------------------------------------------------------------------


def test_an_empty_storage_url_keeps_the_local_folder(tmp_path):
    assert storage_from_url("", local_root=tmp_path) == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tmp_path, "base_url": None},
    }


def test_an_s3_url_names_a_private_bucket_its_prefix_and_endpoint(tmp_path):
    url = "s3://passerelle-files/prod?endpoint_url=https://s3.fr-par.scw.cloud&region_name=fr-par"

    config = storage_from_url(url, local_root=tmp_path)

    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    options = config["OPTIONS"]
    assert (options["bucket_name"], options["location"]) == ("passerelle-files", "prod")
    assert (options["endpoint_url"], options["region_name"]) == ("https://s3.fr-par.scw.cloud", "fr-par")
    assert options["default_acl"] is None and options["file_overwrite"] is False


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://files.example.org/", "is not supported"),
        ("s3:///no-bucket", "name the bucket"),
        ("s3://bucket?endpoint=https://x", "unknown option"),
    ],
)
def test_a_storage_url_it_does_not_understand_is_refused(tmp_path, url, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        storage_from_url(url, local_root=tmp_path)


def test_the_site_refuses_to_start_with_an_unknown_storage_scheme():
    env = processes.site_env(STORAGE_URL="gs://passerelle-files")

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=processes.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode != 0
    assert "STORAGE_URL 'gs://passerelle-files': the scheme 'gs' is not supported" in result.stderr


# -- the paths that touch files ------------------------------------------------------------------------------


def test_an_application_writes_both_files_to_the_bucket(client, cast, bucket):
    application = apply(client, cast.posting_a)

    assert bucket.keys() == sorted([application.cv.name, application.letter_file.name])
    assert all(key.startswith("applications/") for key in bucket.keys())
    assert bucket.read(application.cv.name) == MINIMAL_PDF


def test_a_failed_submission_leaves_nothing_in_the_bucket(client, cast, bucket, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a failure after the files were written")

    monkeypatch.setattr("applications.services._queue_emails", broken)
    client.raise_request_exception = False

    response = client.post(
        reverse("applications:apply", kwargs={"slug": cast.posting_a.slug}), form_data(cast.posting_a)
    )

    assert response.status_code == 500
    assert not Application.objects.exists()
    assert bucket.keys() == []


def test_staff_download_streams_from_the_bucket_through_the_access_checked_view(client, cast, bucket):
    application = apply(client, cast.posting_a)
    client.force_login(cast.recruiter_a)
    url = reverse("applications:download", kwargs={"uuid": application.uuid, "document": "cv"})

    response = client.get(url)

    assert response.status_code == 200  # streamed, never a redirect to the bucket
    assert b"".join(response.streaming_content) == MINIMAL_PDF
    assert response["Content-Disposition"] == 'attachment; filename="cv.pdf"'
    client.force_login(cast.recruiter_b)
    assert client.get(url).status_code == 404


def test_the_candidates_zip_holds_their_documents_from_the_bucket(client, cast, bucket):
    application = apply(client, cast.posting_a)

    response = client.get(reverse("applications:my-data", kwargs={"uuid": application.uuid}))

    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.read("CV - cv.pdf") == MINIMAL_PDF
        assert archive.read(f"Lettre - {application.letter_name}") == bucket.read(
            application.letter_file.name
        )


def test_erasure_deletes_the_keys(client, cast, bucket, django_capture_on_commit_callbacks):
    application = apply(client, cast.posting_a)
    survivor = apply(client, cast.posting_b, email="dominique@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("applications:delete", kwargs={"uuid": application.uuid}))

    assert bucket.keys() == sorted([survivor.cv.name, survivor.letter_file.name])


def test_the_retention_purge_deletes_the_keys(bucket, django_capture_on_commit_callbacks):
    due = f.make_application(posting=f.closed_posting(selection_ends_on=date(2026, 3, 2)))
    kept = f.make_application(posting=f.closed_posting(selection_ends_on=date(2026, 5, 31)))
    assert bucket.keys() == sorted([due.cv.name, kept.cv.name])

    with django_capture_on_commit_callbacks(execute=True):
        result = retention.purge(timezone.make_aware(datetime(2026, 5, 31, 12)))

    assert [erasure.reference for erasure in result.deleted] == [due.reference]
    assert bucket.keys() == [kept.cv.name]


def find_orphans(*args) -> str:
    out = StringIO()
    call_command("find_orphan_files", *args, stdout=out)
    return out.getvalue()


def test_orphan_finding_lists_bucket_keys_and_deletes_only_orphans(bucket):
    application = f.make_application()
    orphan = "applications/2026/01/0123456789abcdef.pdf"
    bucket.client.put_object(Bucket=bucket.name, Key=orphan, Body=b"%PDF-1.4 left by a crash")
    bucket.client.put_object(Bucket=bucket.name, Key="exports/2026/01/list.xlsx", Body=b"PK")

    report = find_orphans()

    assert "2 file(s) in storage under applications/, 1 application(s)." in report
    assert f"  {orphan}\t24 bytes" in report

    find_orphans("--delete", "--min-age-minutes", "0")

    assert bucket.keys() == sorted([application.cv.name, "exports/2026/01/list.xlsx"])


def test_orphan_finding_works_under_a_prefix_of_a_shared_bucket(moto, settings):
    name = moto.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": moto.storage_settings(name, prefix="passerelle")}
    application = f.make_application()
    moto.client().put_object(Bucket=name, Key="other-site/applications/x.pdf", Body=b"not ours")

    report = find_orphans()

    assert moto.keys(name) == sorted([f"passerelle/{application.cv.name}", "other-site/applications/x.pdf"])
    assert "1 file(s) in storage under applications/, 1 application(s)." in report
    assert "0 orphan file(s)" in report


def test_verify_backup_checks_the_bucket_against_the_rows(bucket):
    application = f.make_application()
    call_command("verify_backup", "--expect-count", "1", stdout=StringIO())

    bucket.client.delete_object(Bucket=bucket.name, Key=application.cv.name)

    with pytest.raises(CommandError, match="1 problem"):
        call_command("verify_backup", stdout=StringIO(), stderr=StringIO())


def test_a_background_export_is_written_to_the_bucket_and_downloaded_by_its_requester(
    client, cast, bucket, settings
):
    from applications.export_tasks import build_export

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    application = f.make_application(posting=cast.posting_a)
    job = ExportJob.objects.create(
        requested_by=cast.recruiter_a, format="csv", filters={"ids": [application.pk]}
    )

    build_export.enqueue(str(job.uuid))

    job.refresh_from_db()
    assert job.file.name in bucket.keys()
    client.force_login(cast.recruiter_a)
    response = client.get(job.get_download_url())
    assert b"".join(response.streaming_content) == bucket.read(job.file.name)
    assert application.reference in bucket.read(job.file.name).decode("utf-8-sig")


# -- the bucket unreachable ------------------------------------------------------------------------------------


@pytest.fixture
def bucket_down(moto, settings):
    """The endpoint of a stopped S3 service: nothing listens there, every request is refused."""
    dead = f"http://127.0.0.1:{processes.free_port()}"
    settings.STORAGES = {**settings.STORAGES, "default": moto.storage_settings("passerelle", endpoint=dead)}
    settings.STORAGES["default"]["OPTIONS"]["client_config"] = Config(
        connect_timeout=1, retries={"max_attempts": 1}
    )


def test_while_the_bucket_is_unreachable_an_application_is_refused_clearly_and_nothing_is_kept(
    client, cast, bucket_down
):
    response = client.post(
        reverse("applications:apply", kwargs={"slug": cast.posting_a.slug}), form_data(cast.posting_a)
    )

    assert response.status_code == 503
    page = response.content.decode()
    assert "ne peut pas joindre son stockage de fichiers" in page
    assert "votre candidature n'a pas été envoyée" in page
    assert not Application.objects.exists()


def test_readiness_reports_an_unreachable_bucket(client, bucket_down):
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["storage"] == "unavailable"


def test_readiness_with_a_reachable_bucket(client, bucket):
    assert client.get("/readyz").json()["storage"] == "ok"


def test_botocore_reports_a_refused_endpoint_as_unreachable(bucket_down):
    from django.core.files.storage import default_storage

    with pytest.raises(EndpointConnectionError):
        default_storage.exists("anything")


def test_a_bucket_copied_out_and_into_an_empty_one_passes_verify_backup(moto, bucket, settings):
    """docs/backups.md, "Files in a bucket": the keys under applications/ out, then into a new bucket."""
    applications = [f.make_application(), f.make_application(letter_file=ContentFile(b"%PDF-1.4 lettre"))]
    copied = {key: bucket.read(key) for key in bucket.keys() if key.startswith("applications/")}
    assert len(copied) == 3

    restored = moto.new_bucket()
    for key, body in copied.items():
        moto.client().put_object(Bucket=restored, Key=key, Body=body)
    settings.STORAGES = {**settings.STORAGES, "default": moto.storage_settings(restored)}

    out = StringIO()
    call_command("verify_backup", "--expect-count", str(len(applications)), stdout=out)
    assert "Backup verified: 2 application(s), 3 file(s) in storage." in out.getvalue()
