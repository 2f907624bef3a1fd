import pytest
from django.urls import reverse

from applications.models import Application, DownloadLog
from tests.applications.conftest import MINIMAL_PDF, form_data
from tests.test_security_headers import assert_private_headers
from tests.two_factor import open_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(client, cast):
    posting = cast.posting_a
    response = client.post(reverse("applications:apply", kwargs={"slug": posting.slug}), form_data(posting))
    assert response.status_code == 302
    return Application.objects.get()


def download_url(application, document="cv") -> str:
    return reverse("applications:download", kwargs={"uuid": application.uuid, "document": document})


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, application):
    response = client.get(download_url(application))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    assert DownloadLog.objects.count() == 0


def test_the_candidate_link_alone_does_not_open_the_documents(client, application):
    client.get(application.get_private_url())

    assert client.get(download_url(application)).status_code == 302


def test_a_recruiter_of_another_organisation_gets_a_404(client, cast, application):
    client.force_login(cast.recruiter_b)

    assert client.get(download_url(application)).status_code == 404
    assert client.get(download_url(application, "letter")).status_code == 404
    assert DownloadLog.objects.count() == 0


def test_the_recruiter_of_the_posting_downloads_the_cv_with_safe_headers(client, cast, application):
    client.force_login(cast.recruiter_a)

    response = client.get(download_url(application))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == MINIMAL_PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="cv.pdf"'
    assert_private_headers(response)


def test_a_session_that_skipped_the_two_factor_step_is_sent_to_the_login_like_the_admin(
    client, cast, application
):
    open_session(client, cast.recruiter_a, "unverified")

    for document in ("cv", "letter"):
        response = client.get(download_url(application, document))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert client.get(reverse("admin:index")).status_code == 302
    assert DownloadLog.objects.count() == 0


def test_a_session_that_gave_the_code_downloads_the_cv(client, cast, application):
    open_session(client, cast.recruiter_a, "verified")

    response = client.get(download_url(application))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == MINIMAL_PDF
    assert DownloadLog.objects.get().user == cast.recruiter_a


def test_a_staff_member_turned_inactive_loses_the_download(client, cast, application):
    client.force_login(cast.recruiter_a)
    cast.recruiter_a.is_staff = False
    cast.recruiter_a.save(update_fields=["is_staff"])

    assert client.get(download_url(application)).status_code == 302


def test_each_download_is_logged(client, cast, application):
    client.force_login(cast.recruiter_a)

    client.get(download_url(application))
    client.get(download_url(application, "letter"))

    logs = list(DownloadLog.objects.order_by("pk").values_list("user__username", "application", "document"))
    assert logs == [("recruteur-a", application.pk, "cv"), ("recruteur-a", application.pk, "letter")]


@pytest.mark.parametrize("persona", ["coordinator", "superuser"])
def test_the_coordinator_and_superuser_reach_the_documents(client, cast, application, persona):
    client.force_login(getattr(cast, persona))

    response = client.get(download_url(application, "letter"))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="lettre.docx"'


def test_a_typed_letter_has_no_file_to_download(client, cast):
    posting = cast.posting_a
    client.post(
        reverse("applications:apply", kwargs={"slug": posting.slug}),
        form_data(posting, letter_file=None, letter_text="Ma lettre"),
    )
    client.force_login(cast.recruiter_a)

    assert client.get(download_url(Application.objects.get(), "letter")).status_code == 404


def test_an_unknown_document_kind_is_a_404(client, cast, application):
    client.force_login(cast.recruiter_a)

    assert client.get(download_url(application, "photo")).status_code == 404


def test_the_candidates_files_are_not_served_at_any_public_url(client, application):
    assert client.get(f"/media/{application.cv.name}").status_code == 404
    assert client.get(f"/{application.cv.name}").status_code == 404


@pytest.mark.local_storage_only  # file modes are a local folder's; a bucket has no modes (private by policy)
def test_stored_files_and_their_folders_are_readable_by_the_service_user_only(client, cast, settings):
    import stat
    from pathlib import Path

    from tests.applications.conftest import upload

    posting = cast.posting_a
    # A CV above FILE_UPLOAD_MAX_MEMORY_SIZE goes through a temporary file and is moved into place.
    large_cv = upload(
        "cv.pdf", MINIMAL_PDF + b"%" + b"x" * (settings.FILE_UPLOAD_MAX_MEMORY_SIZE + 1) + b"\n"
    )
    client.post(reverse("applications:apply", kwargs={"slug": posting.slug}), form_data(posting))
    client.post(
        reverse("applications:apply", kwargs={"slug": posting.slug}),
        form_data(posting, email="b@example.org", cv=large_cv),
    )
    assert Application.objects.count() == 2

    root = Path(settings.PRIVATE_MEDIA_ROOT)
    paths = [root, *root.rglob("*")]
    modes = {path.relative_to(root.parent).as_posix(): stat.S_IMODE(path.stat().st_mode) for path in paths}
    assert sum(path.is_file() for path in paths) == 4
    assert {
        name: mode for name, mode in modes.items() if (root.parent / name).is_dir() and mode != 0o700
    } == {}
    assert {
        name: mode for name, mode in modes.items() if (root.parent / name).is_file() and mode != 0o600
    } == {}
