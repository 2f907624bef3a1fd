from django import template

from applications.dashboard import dashboard_for

register = template.Library()


@register.inclusion_tag("admin/_dashboard.html", takes_context=True)
def backoffice_dashboard(context):
    request = context["request"]
    return {"dashboard": dashboard_for(request.user), "request": request}
