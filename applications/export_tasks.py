"""The background side of applicant exports: large XLSX files are built by a `django.tasks` task.

Another module (`applications/tasks.py`) holds the application's other tasks; exports keep theirs here.
"""

import io
import logging
import tempfile
from collections.abc import Iterator
from itertools import chain

from django.core.files import File
from django.db import transaction
from django.tasks import task

from applications.export_http import job_filename
from applications.export_rows import CHUNK_SIZE, export_queryset, headers, iter_applications, iter_rows
from applications.export_writers import write_export
from applications.models import ApplicationQuerySet, ExportJob

logger = logging.getLogger(__name__)


def start_background_export(
    *, user, queryset: ApplicationQuerySet, fmt: str, querystring: str = "", scope: str = ""
) -> ExportJob:
    """Record the exact selection (ids, in export order) and enqueue the task once the job is committed.

    `queryset` must already come from `export_queryset(user, ...)`; the task applies the user's scope again
    when it builds the file, so a job never exports rows its requester can no longer see.
    """
    ids = list(queryset.values_list("pk", flat=True))
    job = ExportJob.objects.create(
        requested_by=user, format=fmt, filters={"ids": ids, "querystring": querystring, "scope": scope}
    )
    transaction.on_commit(lambda: build_export.enqueue(str(job.uuid)))
    return job


def job_rows(job: ExportJob) -> Iterator[list]:
    """The job's rows in the recorded order, fetched chunk by chunk within the requester's scope."""
    ids = [int(pk) for pk in job.filters.get("ids", [])]
    chunks = (
        iter_applications(
            export_queryset(job.requested_by).filter(pk__in=ids[start : start + CHUNK_SIZE]), job.format
        )
        for start in range(0, len(ids), CHUNK_SIZE)
    )
    return iter_rows(chain.from_iterable(chunks), job.format)


@task()
def build_export(job_uuid: str) -> int | None:
    """Write the job's file to private storage and mark it done (or failed). Returns the row count."""
    job = ExportJob.objects.select_related("requested_by").get(uuid=job_uuid)
    if job.status != ExportJob.Status.PENDING:
        # A retried or duplicated task: the job was already taken.
        return job.row_count
    job.mark_running()
    try:
        with tempfile.TemporaryFile() as tmp:
            if job.format == ExportJob.Format.CSV:
                text = io.TextIOWrapper(tmp, encoding="utf-8", newline="")
                row_count = write_export(job.format, headers(), job_rows(job), text)
                text.flush()
                text.detach()
            else:
                row_count = write_export(job.format, headers(), job_rows(job), tmp)
            tmp.seek(0)
            job.file.save(job_filename(job), File(tmp), save=False)
        job.mark_done(row_count=row_count)
    except Exception as exc:
        logger.exception("Export job %s failed", job.uuid)
        job.mark_failed(error=f"{type(exc).__name__}: {exc}")
        raise
    return row_count
