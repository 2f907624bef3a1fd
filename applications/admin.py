"""A minimal Application admin for the exports branch: scoped queryset and the export entry points.

The full back-office admin is written elsewhere; at merge its ApplicationAdmin inherits `ExportMixin` and
lists `export_csv` / `export_xlsx` in its actions.
"""

from django.contrib import admin

from applications.admin_exports import ExportMixin, export_csv, export_xlsx
from applications.models import Application


@admin.register(Application)
class ApplicationAdmin(ExportMixin, admin.ModelAdmin):
    list_display = ("reference", "last_name", "first_name", "posting", "status", "submitted_at")
    list_filter = ("status",)
    search_fields = ("reference", "last_name", "first_name", "email")
    actions = [export_csv, export_xlsx]

    def get_queryset(self, request):
        return Application.objects.visible_to(request.user).select_related("posting")
