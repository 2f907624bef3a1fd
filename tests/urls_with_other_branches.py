"""The admin plus stand-ins for views built on other branches (`postings:detail`, `applications:download`),
to check the links the admin shows once those views exist. Used with `settings.ROOT_URLCONF`."""

from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path


def _stand_in(request, **kwargs):
    return HttpResponse("stand-in")


postings = ([path("offres/<slug:slug>/", _stand_in, name="detail")], "postings")
applications = ([path("candidatures/<uuid:uuid>/<str:which>/", _stand_in, name="download")], "applications")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include(postings)),
    path("", include(applications)),
]
