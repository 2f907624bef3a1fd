"""URLs that make postings reachable from outside the site: feeds, calendars, sitemap and robots.txt.

`urlpatterns` (namespace `discover`) goes inside i18n_patterns; `root_urlpatterns` (namespace `seo`) at the root,
outside them, where crawlers look for /robots.txt and /sitemap.xml. Every one of them answers GET and HEAD only.
"""

from django.contrib.sitemaps.views import sitemap
from django.urls import path
from django.views.decorators.http import require_safe

from postings import discover_views, feeds
from postings.sitemaps import SITEMAPS

app_name = "discover"

urlpatterns = [
    path("flux/offres.rss", require_safe(feeds.PostingFeed()), name="feed-rss"),
    path("flux/offres.atom", require_safe(feeds.PostingAtomFeed()), name="feed-atom"),
    path("flux/type/<slug:kind>.rss", require_safe(feeds.KindFeed()), name="feed-kind-rss"),
    path("flux/type/<slug:kind>.atom", require_safe(feeds.KindAtomFeed()), name="feed-kind-atom"),
    path("flux/theme/<slug:slug>.rss", require_safe(feeds.ThemeFeed()), name="feed-theme-rss"),
    path("flux/theme/<slug:slug>.atom", require_safe(feeds.ThemeAtomFeed()), name="feed-theme-atom"),
    path("flux/pays/<slug:code>.rss", require_safe(feeds.CountryFeed()), name="feed-country-rss"),
    path("flux/pays/<slug:code>.atom", require_safe(feeds.CountryAtomFeed()), name="feed-country-atom"),
    path("offres/<slug:slug>/calendrier.ics", discover_views.posting_ics, name="posting-calendar"),
    path("sessions/<slug:slug>/calendrier.ics", discover_views.session_ics, name="session-calendar"),
]

root_urlpatterns = [
    path("sitemap.xml", require_safe(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", discover_views.robots_txt, name="robots"),
]
