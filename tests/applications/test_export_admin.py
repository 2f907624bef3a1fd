"""The admin's export entry points: actions on a selection, the changelist's filters, background XLSX jobs."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from applications.models import Application, ExportJob
from tests import factories as f
from tests.applications.export_helpers import (
    IMMEDIATE_TASKS,
    content_of,
    csv_rows,
    fast_password_hashing,  # noqa: F401
    grant_view_applications,
    xlsx_rows,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

CHANGELIST = "admin:applications_application_changelist"
EXPORT = "admin:applications_application_export"


@pytest.fixture
def applications(cast):
    grant_view_applications(cast.coordinator, cast.recruiter_a, cast.recruiter_b)
    return {
        "a1": f.make_application(posting=cast.posting_a, reference="C-A1"),
        "a2": f.make_application(
            posting=cast.posting_a, reference="C-A2", status=Application.Status.IN_REVIEW, last_name="Zola"
        ),
        "b1": f.make_application(posting=cast.posting_b, reference="C-B1"),
    }


def references(rows) -> set[str]:
    return {row[0] for row in rows[1:]}


def run_action(client, action: str, *applications):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [a.pk for a in applications]},
    )


# Actions on a selection --------------------------------------------------------------------------------


def test_the_csv_action_exports_only_the_selected_applications(client, cast, applications):
    client.force_login(cast.coordinator)
    response = run_action(client, "export_csv", applications["a2"], applications["b1"])

    assert response.status_code == 200
    assert references(csv_rows(content_of(response))) == {"C-A2", "C-B1"}


def test_the_xlsx_action_exports_only_the_selected_applications(client, cast, applications):
    client.force_login(cast.coordinator)
    response = run_action(client, "export_xlsx", applications["a1"])

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="candidatures-')
    assert references(xlsx_rows(content_of(response))) == {"C-A1"}


def test_a_recruiter_selecting_another_organisations_ids_exports_none_of_them(client, cast, applications):
    client.force_login(cast.recruiter_b)
    response = run_action(client, "export_csv", applications["a1"], applications["b1"])

    assert references(csv_rows(content_of(response))) == {"C-B1"}


def test_the_actions_are_offered_on_the_changelist(client, cast, applications):
    client.force_login(cast.recruiter_a)
    page = client.get(reverse(CHANGELIST)).content.decode()

    assert 'value="export_csv"' in page
    assert 'value="export_xlsx"' in page


# The changelist's current filters ------------------------------------------------------------------------


def test_the_changelist_links_to_the_exports_with_its_current_filters(client, cast, applications):
    client.force_login(cast.coordinator)
    page = client.get(reverse(CHANGELIST), {"status__exact": "received", "q": "Durand"}).content.decode()

    base = reverse(EXPORT)
    filters = "status__exact=received&amp;q=Durand"
    assert f'href="{base}?{filters}&amp;format=csv&amp;dialect=excel-fr"' in page
    assert f'href="{base}?{filters}&amp;format=csv&amp;dialect=rfc4180"' in page
    assert f'href="{base}?{filters}&amp;format=xlsx"' in page
    # Each CSV link says which dialect it is.
    assert "CSV point-virgule (Excel FR)" in page and "CSV virgule (RFC 4180)" in page
    assert "Exporter XLSX" in page


def test_exporting_the_current_filters_exports_only_matching_applications(client, cast, applications):
    client.force_login(cast.coordinator)

    received = client.get(reverse(EXPORT), {"format": "csv", "status__exact": "received"})
    in_review = client.get(reverse(EXPORT), {"format": "xlsx", "status__exact": "in_review"})
    searched = client.get(reverse(EXPORT), {"format": "csv", "q": "Zola"})

    assert references(csv_rows(content_of(received))) == {"C-A1", "C-B1"}
    assert references(xlsx_rows(content_of(in_review))) == {"C-A2"}
    assert references(csv_rows(content_of(searched))) == {"C-A2"}


def test_the_export_covers_every_page_not_only_the_one_on_screen(client, cast, applications, monkeypatch):
    from applications.admin import ApplicationAdmin

    monkeypatch.setattr(ApplicationAdmin, "list_per_page", 1)
    client.force_login(cast.coordinator)
    response = client.get(reverse(EXPORT), {"format": "csv", "p": "2"})

    assert references(csv_rows(content_of(response))) == {"C-A1", "C-A2", "C-B1"}


def test_an_unknown_format_sends_back_to_the_changelist_with_a_message(client, cast, applications):
    client.force_login(cast.coordinator)
    response = client.get(reverse(EXPORT), {"format": "pdf", "status__exact": "received"})

    assert response.status_code == 302
    assert response["Location"] == reverse(CHANGELIST) + "?status__exact=received"
    assert "Format d'export inconnu" in str(list(get_messages(response.wsgi_request))[0])


def test_invalid_filters_send_back_to_the_changelist_with_a_message(client, cast, applications):
    client.force_login(cast.coordinator)
    response = client.get(reverse(EXPORT), {"format": "csv", "submitted_at__gte": "not-a-date"})

    assert response.status_code == 302
    assert response["Location"] == reverse(CHANGELIST)
    assert "pas valides" in str(list(get_messages(response.wsgi_request))[0])


# Background XLSX jobs ------------------------------------------------------------------------------


def test_a_large_xlsx_export_runs_in_the_background_end_to_end(
    client, cast, applications, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_ROWS = 2
    settings.TASKS = IMMEDIATE_TASKS
    client.force_login(cast.coordinator)
    url = reverse(EXPORT) + "?format=xlsx&o=1"

    # GET only asks: starting a job is a change of state.
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "3 candidatures" in confirm.content.decode()
    assert not ExportJob.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert job.requested_by == cast.coordinator
    assert job.filters["querystring"] == "o=1"
    assert sorted(job.filters["ids"]) == sorted(a.pk for a in applications.values())

    page = client.get(job.get_absolute_url())
    assert page.status_code == 200
    assert "Export prêt : 3 candidatures." in page.content.decode()
    assert job.get_download_url() in page.content.decode()

    download = client.get(job.get_download_url())
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="candidatures-')
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download["Cache-Control"] and "private" in download["Cache-Control"]
    assert references(xlsx_rows(content_of(download))) == {"C-A1", "C-A2", "C-B1"}
    job.refresh_from_db()
    assert (job.status, job.row_count) == (ExportJob.Status.DONE, 3)


def test_a_job_waiting_for_the_worker_says_so(client, cast, applications, settings):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    client.force_login(cast.coordinator)
    client.post(reverse(EXPORT) + "?format=xlsx")  # the worker has not run: the job stays pending

    job = ExportJob.objects.get()
    page = client.get(job.get_absolute_url()).content.decode()
    assert job.status == ExportJob.Status.PENDING
    assert "Export en cours…" in page
    assert client.get(job.get_download_url()).status_code == 404


def test_a_large_selection_in_the_xlsx_action_becomes_a_job(
    client, cast, applications, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    settings.TASKS = IMMEDIATE_TASKS
    client.force_login(cast.coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(client, "export_xlsx", applications["a1"], applications["b1"])

    job = ExportJob.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert references(xlsx_rows(content_of(client.get(job.get_download_url())))) == {"C-A1", "C-B1"}


@pytest.mark.parametrize(
    ("persona", "status"),
    [("coordinator", 200), ("superuser", 200), ("recruiter_a", 404), ("recruiter_b", 404)],
)
def test_only_the_requester_or_a_superuser_sees_a_job_and_its_file(
    client, cast, applications, settings, django_capture_on_commit_callbacks, persona, status
):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    settings.TASKS = IMMEDIATE_TASKS
    client.force_login(cast.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse(EXPORT) + "?format=xlsx")
    job = ExportJob.objects.get()

    client.force_login(getattr(cast, persona))
    assert client.get(job.get_absolute_url()).status_code == status
    assert client.get(job.get_download_url()).status_code == status


def test_an_anonymous_visitor_is_sent_to_log_in_before_seeing_a_job(client, cast):
    job = ExportJob.objects.create(requested_by=cast.coordinator, format="xlsx")
    client.logout()

    response = client.get(job.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_job_reapplies_the_requesters_scope_when_it_builds_the_file(client, cast, applications, settings):
    from applications.export_tasks import build_export

    settings.TASKS = IMMEDIATE_TASKS
    # Recorded ids that reach beyond recruiter A (e.g. a membership withdrawn meanwhile).
    job = ExportJob.objects.create(
        requested_by=cast.recruiter_a,
        format="xlsx",
        filters={"ids": [a.pk for a in applications.values()]},
    )
    build_export.enqueue(str(job.uuid))

    job.refresh_from_db()
    assert job.row_count == 2
    client.force_login(cast.recruiter_a)
    assert references(xlsx_rows(content_of(client.get(job.get_download_url())))) == {"C-A1", "C-A2"}


def test_a_failed_export_says_so_on_the_job_page(
    client, cast, applications, settings, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("applications.export_tasks.write_export", broken)
    settings.EXPORT_SYNC_MAX_ROWS = 1
    settings.TASKS = IMMEDIATE_TASKS
    client.force_login(cast.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse(EXPORT) + "?format=xlsx")

    job = ExportJob.objects.get()
    assert (job.status, job.error) == (ExportJob.Status.FAILED, "OSError: disk full")
    assert "n'a pas pu être préparé" in client.get(job.get_absolute_url()).content.decode()
    assert client.get(job.get_download_url()).status_code == 404


def job_queries(cast, settings, postings: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from applications.export_tasks import build_export

    settings.TASKS = IMMEDIATE_TASKS
    for _ in range(postings):
        posting = f.published_posting(session=cast.session, organisations={"host": cast.org_a})
        f.make_application(posting=posting)
    job = ExportJob.objects.create(
        requested_by=cast.coordinator,
        format="xlsx",
        filters={"ids": list(Application.objects.values_list("pk", flat=True))},
    )
    with CaptureQueriesContext(connection) as captured:
        build_export.enqueue(str(job.uuid))
    job.refresh_from_db()
    assert job.row_count == Application.objects.count()
    return len(captured.captured_queries)


def test_a_background_job_reads_each_postings_columns_once_per_chunk_not_per_posting(cast, settings):
    few = job_queries(cast, settings, postings=2)
    ExportJob.objects.all().delete()

    many = job_queries(cast, settings, postings=12)  # 14 postings in all, still one chunk of rows

    assert many == few
