"""Applicant exports from the admin: two actions on a selection, and an export of the changelist's filters.

`export_csv` and `export_xlsx` go in `ModelAdmin.actions`; `ExportMixin` adds the
`<changelist>/export/?format=csv&<current filters>` view that the changelist's "Exporter" links call.
Both paths narrow `Application.objects.visible_to(request.user)`, never the other way round.
"""

import copy
import tempfile

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from applications.export_tasks import start_background_export
from applications.exports import (
    csv_lines,
    export_filename,
    export_queryset,
    protect_download,
    rows_for,
    write_export,
)
from applications.models import ApplicationQuerySet, ExportJob

FORMAT_VAR = "format"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_response(queryset: ApplicationQuerySet) -> StreamingHttpResponse:
    """Streamed: rows are read chunk by chunk from the database and sent as they are formatted."""
    response = StreamingHttpResponse(
        csv_lines(rows_for(queryset, "csv")), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{export_filename("csv")}"'
    return protect_download(response)


def xlsx_response(queryset: ApplicationQuerySet) -> FileResponse:
    """A small XLSX built in a temporary file (openpyxl write-only) and sent at once."""
    tmp = tempfile.TemporaryFile()
    write_export("xlsx", rows_for(queryset, "xlsx"), tmp)
    tmp.seek(0)
    response = FileResponse(
        tmp, as_attachment=True, filename=export_filename("xlsx"), content_type=XLSX_CONTENT_TYPE
    )
    return protect_download(response)


def start_job_response(request: HttpRequest, queryset: ApplicationQuerySet, *, querystring: str = ""):
    job = start_background_export(
        user=request.user, queryset=queryset, fmt=ExportJob.Format.XLSX, querystring=querystring
    )
    messages.info(request, _("L'export est préparé en arrière-plan ; cette page indique quand il est prêt."))
    return redirect(job)


@admin.action(description=_("Exporter la sélection (CSV)"), permissions=["view"])
def export_csv(modeladmin, request, queryset):
    return csv_response(export_queryset(request.user, queryset))


@admin.action(description=_("Exporter la sélection (XLSX)"), permissions=["view"])
def export_xlsx(modeladmin, request, queryset):
    queryset = export_queryset(request.user, queryset)
    if queryset.count() > settings.EXPORT_SYNC_MAX_ROWS:
        return start_job_response(request, queryset)
    return xlsx_response(queryset)


class ExportMixin:
    """For the Application ModelAdmin: export what the changelist currently shows (filters and search)."""

    export_confirm_template = "applications/exports/export_confirm.html"

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name=f"{opts.app_label}_{opts.model_name}_export",
            ),
            *super().get_urls(),
        ]

    def get_export_queryset(self, request: HttpRequest) -> ApplicationQuerySet:
        """The changelist's queryset for this request: the admin's scope, list filters and search."""
        return self.get_changelist_instance(request).get_queryset(request)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        opts = self.model._meta
        changelist_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        params = request.GET.copy()
        fmt = params.pop(FORMAT_VAR, [""])[-1]
        params.pop(PAGE_VAR, None)  # an export is every page, not the one on screen
        querystring = params.urlencode()
        back_url = f"{changelist_url}?{querystring}" if querystring else changelist_url
        if fmt not in ExportJob.Format.values:
            messages.error(request, _("Format d'export inconnu : choisissez CSV ou XLSX."))
            return HttpResponseRedirect(back_url)

        # The changelist reads its filters from request.GET: give it the filters without our own parameters.
        changelist_request = copy.copy(request)
        changelist_request.GET = params
        try:
            within = self.get_export_queryset(changelist_request)
        except IncorrectLookupParameters:
            messages.error(request, _("Ces filtres ne sont pas valides ; l'export n'a pas été fait."))
            return HttpResponseRedirect(changelist_url)
        queryset = export_queryset(request.user, within)

        if fmt == ExportJob.Format.CSV:
            return csv_response(queryset)
        row_count = queryset.count()
        if row_count <= settings.EXPORT_SYNC_MAX_ROWS:
            return xlsx_response(queryset)
        if request.method == "POST":
            return start_job_response(request, queryset, querystring=querystring)
        # Starting a background job changes state: ask for a POST instead of doing it on this GET.
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": _("Préparer l'export"),
            "row_count": row_count,
            "threshold": settings.EXPORT_SYNC_MAX_ROWS,
            "form_action": f"{request.path}?{request.GET.urlencode()}",
            "back_url": back_url,
        }
        return TemplateResponse(request, self.export_confirm_template, context)
