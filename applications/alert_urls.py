"""URLs of alerts and of "Mes candidatures", included by applications/urls.py in the `applications` namespace."""

from django.urls import path

from applications import alert_views, my_applications_views

urlpatterns = [
    path("alertes/nouvelle/", alert_views.subscribe, name="alert-subscribe"),
    path("alertes/envoyee/", alert_views.sent, name="alert-sent"),
    path("alertes/<uuid:token>/", alert_views.manage, name="alert-manage"),
    path("alertes/<uuid:token>/confirmer/", alert_views.confirm, name="alert-confirm"),
    path("alertes/<uuid:token>/modifier/", alert_views.update, name="alert-update"),
    path("alertes/<uuid:token>/desabonner/", alert_views.unsubscribe, name="alert-unsubscribe"),
    path("alertes/<uuid:token>/mes-donnees/", alert_views.my_data, name="alert-my-data"),
    path("alertes/<uuid:token>/tout-supprimer/", alert_views.erase, name="alert-erase"),
    path("mes-candidatures/", my_applications_views.request_link, name="mine"),
    path("mes-candidatures/lien-envoye/", my_applications_views.link_sent, name="mine-sent"),
    path("mes-candidatures/connexion/<str:secret>/", my_applications_views.sign_in, name="mine-sign-in"),
    path("mes-candidatures/liste/", my_applications_views.listing, name="mine-list"),
    path("mes-candidatures/deconnexion/", my_applications_views.sign_out, name="mine-sign-out"),
]
