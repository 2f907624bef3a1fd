from django import template
from django.contrib.admin.templatetags.admin_list import admin_list_filter
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from applications.dashboard import dashboard_for
from config.admin import KeptAppList

# The HTML of filters kept by `kept_list_filter`, by what it depends on.
_kept_filters: dict[tuple, str] = {}
MAX_KEPT_FILTERS = 512

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


@register.simple_tag
def kept_list_filter(cl, spec):
    """Django admin's `admin_list_filter`, its HTML kept for a filter that depends only on the list's
    parameters and parts it names (`FastRowsChangeList.kept_filter_key`): working out each choice's link and
    rendering the filter's template cost ~1 ms of the application list (bench/NOTES.md, "Session 8")."""
    key = cl.kept_filter_key(spec) if hasattr(cl, "kept_filter_key") else None
    if key is None:
        return admin_list_filter(cl, spec)
    if (html := _kept_filters.get(key)) is None:
        if len(_kept_filters) >= MAX_KEPT_FILTERS:
            _kept_filters.clear()
        html = _kept_filters[key] = admin_list_filter(cl, spec)
    return html


@register.simple_tag
def django_admin_text(message: str) -> str:
    """A message of Django admin's templates, translated by Django's own catalogues: written through this tag
    in a template of ours, `makemessages` leaves it out of ours (where an untranslated copy would shadow
    Django's translation)."""
    return gettext(message)
