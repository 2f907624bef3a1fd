from django.urls import include, path

from applications import alert_urls, export_views, staff_views, views

app_name = "applications"

urlpatterns = [
    path("offres/<slug:slug>/candidater/", views.apply, name="apply"),
    path("offres/<slug:slug>/candidater/confirmation/", views.sent, name="sent"),
    path("candidature/<uuid:uuid>/", views.status, name="status"),
    path("candidature/<uuid:uuid>/confirmation/", views.confirmation, name="confirmation"),
    path("candidature/<uuid:uuid>/retirer/", views.withdraw, name="withdraw"),
    path("candidature/<uuid:uuid>/supprimer/", views.delete, name="delete"),
    path("candidature/<uuid:uuid>/mes-donnees/", views.my_data, name="my-data"),
    path("candidature/supprimee/", views.DeletedView.as_view(), name="deleted"),
    path(
        "candidature/<uuid:uuid>/fichier/<str:document>/",
        staff_views.download,
        name="download",
    ),
    path("confidentialite/", views.PrivacyView.as_view(), name="privacy"),
    path("exports/<uuid:uuid>/", export_views.export_job_detail, name="export-job"),
    path("exports/<uuid:uuid>/telecharger/", export_views.export_job_download, name="export-download"),
    path("", include(alert_urls.urlpatterns)),
]
