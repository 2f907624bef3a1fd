from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_safe

from postings.discover_urls import root_urlpatterns as discover_root_urlpatterns


@require_safe
def healthz(request):
    """A few bytes through the full middleware stack: liveness probe and the benchmark's reference."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include((discover_root_urlpatterns, "seo"))),
]

# French at the root, English under /en/, Dutch under /nl/.
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("", include("applications.urls")),
    path("", include("organisations.urls")),
    path("", include("postings.urls")),
    path("", include("postings.discover_urls")),
    prefix_default_language=False,
)
