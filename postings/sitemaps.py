"""sitemap.xml: the public pages worth crawling, with absolute URLs on the canonical host (settings.SITE_URL).

Demonstration data is left out: it is labelled on the site, but a search engine would index it as real.
Every page is listed in each language of the site (French at the root, /en/, /nl/), each entry with its
`hreflang` alternates and an `x-default` (the French page).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from organisations.models import Organisation
from postings.models import Posting, Session


class CanonicalSitemap(Sitemap):
    """Absolute URLs from SITE_URL, whatever host or scheme the sitemap was requested with (proxies, aliases)."""

    i18n = True
    alternates = True
    x_default = True

    @property
    def languages(self) -> list[str]:
        return [code for code, _name in settings.LANGUAGES]

    def get_protocol(self, protocol=None) -> str:
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.SITE_URL).netloc


def public_postings():
    return Posting.objects.published().filter(is_demo=False)


class PostingSitemap(CanonicalSitemap):
    """Every public posting, open or closed: a closed offer's page still answers and says it is closed."""

    changefreq = "daily"

    def items(self):
        return public_postings().order_by("-published_at", "pk")

    def lastmod(self, item: Posting):
        return item.updated_at


class OrganisationSitemap(CanonicalSitemap):
    """Organisations with a role on at least one public posting."""

    changefreq = "weekly"

    def items(self):
        return (
            Organisation.objects.filter(is_demo=False, posting_roles__posting__in=public_postings())
            .distinct()
            .order_by("name", "pk")
        )

    def lastmod(self, item: Organisation):
        return item.updated_at


class SessionSitemap(CanonicalSitemap):
    """Sessions with at least one public posting."""

    changefreq = "weekly"

    def items(self):
        return Session.objects.filter(is_demo=False, postings__in=public_postings()).distinct().order_by("pk")


class HomeSitemap(CanonicalSitemap):
    """The listing and the other public pages that are not postings, organisations or sessions."""

    changefreq = "daily"
    priority = 1.0

    def items(self):
        return ["postings:list", "applications:privacy"]

    def location(self, item: str) -> str:
        return reverse(item)


SITEMAPS = {
    "home": HomeSitemap,
    "postings": PostingSitemap,
    "organisations": OrganisationSitemap,
    "sessions": SessionSitemap,
}
