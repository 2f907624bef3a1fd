"""Applicant exports from the admin: actions on a selection, and an export of the changelist's filters.

`export_xlsx`, `export_csv` and `export_csv_rfc4180` go in `ModelAdmin.actions`; `ExportMixin` adds the
`<changelist>/export/?format=xlsx&<current filters>` view that the changelist's "Exporter" links call
(`&dialect=rfc4180` for the comma CSV). Both paths narrow `Application.objects.visible_to(request.user)`,
never the other way round.
"""

import copy

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from applications.admin_filters import PostingListFilter
from applications.export_http import csv_response, xlsx_response
from applications.export_rows import export_queryset
from applications.export_tasks import start_background_export
from applications.export_writers import CSV_DIALECTS, EXCEL_FR, RFC4180
from applications.models import ApplicationQuerySet, ExportJob
from postings.admin import SessionReachListFilter
from postings.models import Session

FORMAT_VAR = "format"
DIALECT_VAR = "dialect"


def start_job_response(
    request: HttpRequest, queryset: ApplicationQuerySet, *, querystring: str = "", scope: str = ""
):
    job = start_background_export(
        user=request.user, queryset=queryset, fmt=ExportJob.Format.XLSX, querystring=querystring, scope=scope
    )
    messages.info(request, _("L'export est préparé en arrière-plan ; cette page indique quand il est prêt."))
    return redirect(job)


def _selection_scope() -> str:
    return gettext("sélection")


@admin.action(description=_("Exporter la sélection (XLSX, pour un tableur)"), permissions=["view"])
def export_xlsx(modeladmin, request, queryset):
    queryset = export_queryset(request.user, queryset)
    if queryset.count() > settings.EXPORT_SYNC_MAX_ROWS:
        return start_job_response(request, queryset, scope=_selection_scope())
    return xlsx_response(queryset, scope=_selection_scope())


@admin.action(
    description=_("Exporter la sélection (CSV point-virgule, Excel en français)"), permissions=["view"]
)
def export_csv(modeladmin, request, queryset):
    return csv_response(export_queryset(request.user, queryset), dialect=EXCEL_FR, scope=_selection_scope())


@admin.action(description=_("Exporter la sélection (CSV virgule, RFC 4180)"), permissions=["view"])
def export_csv_rfc4180(modeladmin, request, queryset):
    return csv_response(export_queryset(request.user, queryset), dialect=RFC4180, scope=_selection_scope())


def export_scope(changelist) -> str:
    """What the changelist is filtered on, for the file's name: a session, else a posting, else nothing.

    Read from the list filters, which name only what the user may see.
    """
    session = posting = None
    for spec in changelist.filter_specs:
        if isinstance(spec, SessionReachListFilter):
            values = spec.lookup_val or []
            labels = {str(pk): label for pk, label in spec.lookup_choices}
            if len(values) == 1 and str(values[0]) in labels:
                session = values[0]
        elif isinstance(spec, PostingListFilter):
            posting = spec.chosen()
    if session is not None:
        name = Session.objects.filter(pk=session).values_list("name", flat=True).first() or ""
        return name if name.lower().startswith("session") else f"session {name}"
    if posting is not None:
        return posting[1][:60]
    return ""


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

    def get_export_changelist(self, request: HttpRequest):
        """The changelist for this request: the admin's scope, list filters and search."""
        return self.get_changelist_instance(request)

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
        dialect = CSV_DIALECTS.get(params.pop(DIALECT_VAR, [EXCEL_FR.name])[-1])
        if fmt not in ExportJob.Format.values or dialect is None:
            messages.error(request, _("Format d'export inconnu : choisissez CSV ou XLSX."))
            return HttpResponseRedirect(back_url)

        # The changelist reads its filters from request.GET: give it the filters without our own parameters.
        changelist_request = copy.copy(request)
        changelist_request.GET = params
        try:
            changelist = self.get_export_changelist(changelist_request)
            within = changelist.get_queryset(changelist_request)
        except IncorrectLookupParameters:
            messages.error(request, _("Ces filtres ne sont pas valides ; l'export n'a pas été fait."))
            return HttpResponseRedirect(changelist_url)
        queryset = export_queryset(request.user, within)
        scope = export_scope(changelist)

        if fmt == ExportJob.Format.CSV:
            return csv_response(queryset, dialect=dialect, scope=scope)
        row_count = queryset.count()
        if row_count <= settings.EXPORT_SYNC_MAX_ROWS:
            return xlsx_response(queryset, scope=scope)
        if request.method == "POST":
            return start_job_response(request, queryset, querystring=querystring, scope=scope)
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
