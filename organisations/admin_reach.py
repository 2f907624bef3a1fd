"""What every back-office ModelAdmin shares: rows come from the model's `visible_to(user)` QuerySet method, an
object out of reach is a 404 (never a hint that it exists), and list filters offer only related objects in
reach. The rules themselves live in the QuerySets; this module only plugs them into the admin. Actions that
ask something first (a date, an answer, a confirmation) show one intermediate page, `action_form_page`."""

from django.contrib import admin
from django.contrib.admin import helpers
from django.http import Http404
from django.template.response import TemplateResponse


class ReachListFilter(admin.RelatedFieldListFilter):
    """A related-object filter listing only the objects the user reaches (never another organisation's)."""

    # Relations the related object's __str__ follows, fetched in the same query (one query per filter).
    select_related: tuple[str, ...] = ()
    # The columns __str__ needs, when the related rows are wide (empty: every column).
    only: tuple[str, ...] = ()

    def field_choices(self, field, request, model_admin):
        related = field.remote_field.model
        in_reach = related._default_manager.visible_to(request.user)
        if self.select_related:
            in_reach = in_reach.select_related(*self.select_related)
        if self.only:
            in_reach = in_reach.only(*self.only)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            in_reach = in_reach.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in in_reach]


class InReachAdmin(admin.ModelAdmin):
    """A ModelAdmin whose model's manager has `visible_to(user)`."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # The admin would redirect with "does not exist"; out of reach must look like nothing at all.
            raise Http404
        return obj

    def action_form_page(self, request, queryset, *, form, template, title, action) -> TemplateResponse:
        """The intermediate page of an admin action: the selection, the action's form, and a button that posts
        the same selection back with `apply` (templates extend admin/action_form_page.html)."""
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "queryset": queryset,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, template, context)
