from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from organisations.access import sync_backoffice_groups
from organisations.admin_reach import InReachAdmin
from organisations.models import Membership, Organisation


class MembershipInline(admin.TabularInline):
    """Only superusers hold the membership permissions: they decide who recruits for whom."""

    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Organisation)
class OrganisationAdmin(InReachAdmin):
    list_display = ["name", "short_name", "kind", "city", "country"]
    list_filter = ["kind", "country", "is_demo"]
    search_fields = ["name", "short_name", "city"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "slug", "kind", "description", "is_demo"]}),
        (_("Coordonnées"), {"fields": ["website", "email", "reply_to_email", "phone", "address", "city", "country"]}),
        (_("Historique"), {"fields": ["created_at", "updated_at"]}),
    ]

    def has_change_permission(self, request, obj=None):
        # Partners on a shared posting are visible, but only members edit their own organisation's record.
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return Organisation.objects.editable_by(request.user).filter(pk=obj.pk).exists()

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Membership:
            users = {m.user for m in formset.new_objects + [m for m, _ in formset.changed_objects]}
            users |= {m.user for m in formset.deleted_objects}
            for user in users:
                sync_backoffice_groups(user)
