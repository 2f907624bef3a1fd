"""URLs with a view that fails, to check the 500 page (used by test_views.py)."""

from django.urls import path


def boom(request):
    raise RuntimeError("deliberate failure for the 500 page test")


urlpatterns = [path("boom/", boom)]
