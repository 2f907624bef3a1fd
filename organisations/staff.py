"""The one rule for back-office pages that live outside the admin (a candidate's CV, an export's page and
file): exactly the admin site's own rule, two-factor step included.

The admin site (`config.admin.PasserelleAdminSite.has_permission`) lets in an active staff member whose
session passed the two-factor step when they have a confirmed device; anyone else goes to the admin's login.
Views here are wrapped by that same site's `admin_view`, so the rule is written once and a change to it
reaches every staff page. `admin.site` is the project's site (config/apps.py); the apps only know
`django.contrib.admin`, never `config`.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import admin
from django.http import HttpRequest, HttpResponse


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let the request through only if the admin site would; otherwise to the admin's login, as the admin
    does. Responses are never cached (the admin's `never_cache`)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Looked up per request: `admin.site` is a lazy object, set up only once the apps are ready.
        return admin.site.admin_view(view)(request, *args, **kwargs)

    return guarded
