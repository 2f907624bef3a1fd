from django.urls import path

from . import views

app_name = "applications"

urlpatterns = [
    path("offres/<slug:slug>/candidater/", views.apply, name="apply"),
    path("candidature/<uuid:uuid>/", views.status, name="status"),
    path("candidature/<uuid:uuid>/confirmation/", views.confirmation, name="confirmation"),
    path("candidature/<uuid:uuid>/retirer/", views.withdraw, name="withdraw"),
    path("candidature/<uuid:uuid>/supprimer/", views.delete, name="delete"),
    path("candidature/<uuid:uuid>/mes-donnees/", views.my_data, name="my-data"),
    path("candidature/supprimee/", views.DeletedView.as_view(), name="deleted"),
    path(
        "candidature/<uuid:uuid>/fichier/<str:document>/",
        views.download,
        name="download",
    ),
    path("confidentialite/", views.PrivacyView.as_view(), name="privacy"),
]
