"""Alerts in the back-office, for superusers: find an address's alerts to answer an access or erasure request
received by another channel (mail, phone). Deleting goes through `alerts.delete_alerts`, which also erases the
e-mails sent about them. Recruiters have no permission on alerts: they belong to no organisation."""

from django.contrib import admin

from applications import alerts
from applications.alert_models import Alert


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("email", "frequency", "language", "query", "created_at", "confirmed_at", "last_used_at")
    list_filter = ("frequency", "language")
    search_fields = ("email_normalised",)
    readonly_fields = (
        "email",
        "frequency",
        "language",
        "query",
        "created_at",
        "confirmed_at",
        "last_used_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        alerts.delete_alerts([obj])

    def delete_queryset(self, request, queryset):
        alerts.delete_alerts(queryset)
