from django.urls import path

from postings import views

app_name = "postings"

urlpatterns = [
    path("", views.cache_public_page(views.PostingListView.as_view()), name="list"),
    path("offres/<slug:slug>/", views.cache_public_page(views.PostingDetailView.as_view()), name="detail"),
    path("sessions/<slug:slug>/", views.SessionDetailView.as_view(), name="session"),
]
