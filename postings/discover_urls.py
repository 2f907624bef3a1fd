"""URLs that make postings reachable from outside the site: feeds, calendars, sitemap and robots.txt.

`urlpatterns` (namespace `discover`) goes inside i18n_patterns; `root_urlpatterns` (namespace `seo`) at the root,
outside them, where crawlers look for /robots.txt and /sitemap.xml.
"""

from django.contrib.sitemaps.views import sitemap
from django.urls import path

from postings import discover_views, feeds
from postings.sitemaps import SITEMAPS

app_name = "discover"

urlpatterns = [
    path("flux/offres.rss", feeds.PostingFeed(), name="feed-rss"),
    path("flux/offres.atom", feeds.PostingAtomFeed(), name="feed-atom"),
    path("flux/type/<slug:kind>.rss", feeds.KindFeed(), name="feed-kind-rss"),
    path("flux/type/<slug:kind>.atom", feeds.KindAtomFeed(), name="feed-kind-atom"),
    path("flux/theme/<slug:slug>.rss", feeds.ThemeFeed(), name="feed-theme-rss"),
    path("flux/theme/<slug:slug>.atom", feeds.ThemeAtomFeed(), name="feed-theme-atom"),
    path("flux/pays/<slug:code>.rss", feeds.CountryFeed(), name="feed-country-rss"),
    path("flux/pays/<slug:code>.atom", feeds.CountryAtomFeed(), name="feed-country-atom"),
    path("offres/<slug:slug>/calendrier.ics", discover_views.posting_ics, name="posting-calendar"),
    path("sessions/<slug:slug>/calendrier.ics", discover_views.session_ics, name="session-calendar"),
]

root_urlpatterns = [
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", discover_views.robots_txt, name="robots"),
]
