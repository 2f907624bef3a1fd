"""Sending an export as a download: its name, its headers, a streamed CSV or a small XLSX."""

import tempfile
from datetime import datetime

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify

from applications.export_rows import headers, rows_for
from applications.export_writers import EXCEL_FR, XLSX_CONTENT_TYPE, CsvDialect, write_export
from applications.models import ApplicationQuerySet, ExportJob
from applications.private_responses import protect

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
CONTENT_TYPES = {"csv": CSV_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE}


def export_filename(fmt: str, *, scope: str = "", now: datetime | None = None) -> str:
    """'candidatures-session-24-2026-12-05.xlsx': what the file holds, then the day it was made.

    `scope` is free text ("session 24", "sélection") made safe for a file name.
    """
    day = timezone.localtime(now or timezone.now())
    parts = ["candidatures", slugify(scope), f"{day:%Y-%m-%d}"]
    return "-".join(part for part in parts if part) + f".{fmt}"


def csv_response(
    queryset: ApplicationQuerySet, *, dialect: CsvDialect = EXCEL_FR, scope: str = ""
) -> StreamingHttpResponse:
    """Streamed: rows are read chunk by chunk from the database and sent as they are formatted."""
    lines = dialect.lines(headers(), rows_for(queryset, "csv", dialect=dialect))
    response = StreamingHttpResponse(lines, content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{export_filename("csv", scope=scope)}"'
    return protect(response)


def xlsx_response(queryset: ApplicationQuerySet, *, scope: str = "") -> FileResponse:
    """A small XLSX built in a temporary file (openpyxl write-only) and sent at once."""
    tmp = tempfile.TemporaryFile()
    write_export("xlsx", headers(), rows_for(queryset, "xlsx"), tmp)
    tmp.seek(0)
    response = FileResponse(
        tmp,
        as_attachment=True,
        filename=export_filename("xlsx", scope=scope),
        content_type=XLSX_CONTENT_TYPE,
    )
    return protect(response)


def job_filename(job: ExportJob) -> str:
    """A background export's file name: its scope and the day it was asked for."""
    return export_filename(job.format, scope=job.filters.get("scope", ""), now=job.created_at)
