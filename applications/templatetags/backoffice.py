from django import template
from django.utils.safestring import mark_safe

from applications.dashboard import dashboard_for
from config.admin import KeptAppList

register = template.Library()


@register.inclusion_tag("admin/_dashboard.html", takes_context=True)
def backoffice_dashboard(context):
    request = context["request"]
    return {"dashboard": dashboard_for(request.user), "request": request}


@register.simple_tag(takes_context=True)
def nav_sidebar(context):
    """Django admin's sidebar (admin/nav_sidebar.html), rendered once per kept app list and page path: ~0.6 ms
    of every admin page (bench/NOTES.md, "Session 8"). Rendered each time for a list that is not kept."""
    sidebar = context.template.engine.get_template("admin/nav_sidebar.html")
    app_list = context.get("available_apps")
    if not isinstance(app_list, KeptAppList):
        return sidebar.render(context)
    return mark_safe(app_list.sidebar(context["request"].path, lambda: sidebar.render(context)))
