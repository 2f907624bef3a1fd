from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from config.health import healthz, readyz
from postings.discover_urls import root_urlpatterns as discover_root_urlpatterns

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include((discover_root_urlpatterns, "seo"))),
]

# French at the root, English under /en/, Dutch under /nl/. The listing and the posting pages first: the
# resolver tries patterns in order, and these are most of the traffic (no pattern of the others overlaps).
urlpatterns += i18n_patterns(
    path("", include("postings.urls")),
    path("admin/", admin.site.urls),
    path("", include("applications.urls")),
    path("", include("organisations.urls")),
    path("", include("postings.discover_urls")),
    prefix_default_language=False,
)
