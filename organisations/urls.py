from django.urls import path

from organisations import views

app_name = "organisations"

urlpatterns = [
    path("organisations/<slug:slug>/", views.OrganisationDetailView.as_view(), name="detail"),
]
