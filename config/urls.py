from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET

from applications import export_urls
from applications import urls as application_urls


@require_GET
def healthz(request):
    """A few bytes through the full middleware stack: liveness probe and the benchmark's reference."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
]

# French at the root, English under /en/, Dutch under /nl/.
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    # Export job pages share the `applications` namespace (to move into applications/urls.py at merge).
    path("", include((application_urls.urlpatterns + export_urls.urlpatterns, "applications"))),
    path("", include("organisations.urls")),
    path("", include("postings.urls")),
    prefix_default_language=False,
)
