"""Export job URLs, meant to be included in `applications/urls.py` (namespace `applications`)."""

from django.urls import path

from applications import export_views

urlpatterns = [
    path("exports/<uuid:uuid>/", export_views.export_job_detail, name="export-job"),
    path("exports/<uuid:uuid>/telecharger/", export_views.export_job_download, name="export-download"),
]
