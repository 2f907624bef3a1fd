from django.urls import path

from postings import views
from postings.page_cache import cache_public_page

app_name = "postings"

urlpatterns = [
    path("", cache_public_page(views.PostingListView.as_view()), name="list"),
    path("offres/<slug:slug>/", cache_public_page(views.PostingDetailView.as_view()), name="detail"),
    path("sessions/<slug:slug>/", views.SessionDetailView.as_view(), name="session"),
]
