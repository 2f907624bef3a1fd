"""RSS 2.0 and Atom feeds of the postings taking applications, newest first: all (with the listing's filters
and keywords in the query string), or by kind, theme or country.

Each feed exists in both formats: the RSS class is the base and an Atom subclass only changes `feed_type`.
Every URL in a feed is on the canonical origin (`SITE_URL`), whatever host the feed was requested with.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext as _
from django_countries import countries

from postings.calendar import demo_title
from postings.chips import saved_query
from postings.filters import PostingFilter
from postings.jsonld import hiring_organisation
from postings.models import Posting, PostingQuerySet, Theme

FEED_SIZE = 50


class CanonicalRequest:
    """The request as the feed generator sees it: on SITE_URL's host and scheme, never the request's Host."""

    def __init__(self, request):
        self._request = request
        self._site = urlsplit(settings.SITE_URL)

    def __getattr__(self, name):
        return getattr(self._request, name)

    def get_host(self) -> str:
        return self._site.netloc

    def is_secure(self) -> bool:
        return self._site.scheme == "https"


class PostingFeed(Feed):
    """The newest postings taking applications. Subclasses narrow `postings()` with the object from the URL;
    this one takes the listing's search from the query string (the listing links its feed with it)."""

    feed_type = Rss201rev2Feed

    def get_feed(self, obj, request):
        return super().get_feed(obj, CanonicalRequest(request))

    def get_object(self, request, **kwargs):
        return saved_query(request.GET) or None

    def postings(self, obj) -> PostingQuerySet:
        if isinstance(obj, str):
            # The listing's filters; only open postings, whatever the query string says.
            return PostingFilter(
                QueryDict(obj), queryset=Posting.objects.published()
            ).qs.open_for_applications()
        return Posting.objects.open_for_applications()

    def items(self, obj):
        return (
            self.postings(obj)
            .order_by("-published_at", "-pk")
            .prefetch_related("organisation_roles__organisation", "themes")[:FEED_SIZE]
        )

    def title(self, obj) -> str:
        return _("Passerelle – nouvelles offres")

    def description(self, obj) -> str:
        return _(
            "Les dernières missions de volontariat, stages et emplois ouverts aux candidatures sur Passerelle."
        )

    def link(self, obj) -> str:
        query = f"?{obj}" if isinstance(obj, str) else ""
        return settings.SITE_URL + reverse("postings:list") + query

    # Items

    def item_title(self, item: Posting) -> str:
        # Django escapes the title in the XML; demonstration postings say so in every reader.
        return demo_title(item.localized("title"), is_demo=item.is_demo)

    def item_description(self, item: Posting) -> str:
        # In the feed's language (its URL prefix), French where the posting has no translation.
        return item.localized("summary") or item.localized("theme_label") or item.localized("title")

    def item_link(self, item: Posting) -> str:
        return settings.SITE_URL + item.get_absolute_url()

    def item_pubdate(self, item: Posting):
        return item.published_at

    def item_updateddate(self, item: Posting):
        return item.updated_at

    def item_author_name(self, item: Posting) -> str | None:
        organisation = hiring_organisation(item)
        return organisation["name"] if organisation else None

    def item_categories(self, item: Posting) -> list[str]:
        return [item.get_kind_display(), *(theme.name for theme in item.themes.all())]


class KindFeed(PostingFeed):
    def get_object(self, request, *, kind: str):
        if kind not in Posting.Kind.values:
            raise Http404(_("Type d'offre inconnu."))
        return Posting.Kind(kind)

    def postings(self, obj) -> PostingQuerySet:
        return super().postings(obj).filter(kind=obj)

    def title(self, obj) -> str:
        return _("Passerelle – nouvelles offres : %(kind)s") % {"kind": obj.label}


class ThemeFeed(PostingFeed):
    def get_object(self, request, *, slug: str):
        return get_object_or_404(Theme, slug=slug)

    def postings(self, obj) -> PostingQuerySet:
        return super().postings(obj).filter(themes=obj)

    def title(self, obj) -> str:
        return _("Passerelle – nouvelles offres, thématique « %(theme)s »") % {"theme": obj.name}


class CountryFeed(PostingFeed):
    def get_object(self, request, *, code: str):
        # Two-letter ISO 3166 codes only, in either case (django-countries would also take alpha-3 codes).
        if len(code) != 2 or not countries.alpha2(code):
            raise Http404(_("Pays inconnu."))
        return countries.alpha2(code)

    def postings(self, obj) -> PostingQuerySet:
        return super().postings(obj).filter(locations__country=obj).distinct()

    def title(self, obj) -> str:
        return _("Passerelle – nouvelles offres, pays : %(country)s") % {"country": countries.name(obj)}


class AtomFeedMixin:
    feed_type = Atom1Feed

    def subtitle(self, obj) -> str:
        return self.description(obj)


class PostingAtomFeed(AtomFeedMixin, PostingFeed):
    pass


class KindAtomFeed(AtomFeedMixin, KindFeed):
    pass


class ThemeAtomFeed(AtomFeedMixin, ThemeFeed):
    pass


class CountryAtomFeed(AtomFeedMixin, CountryFeed):
    pass
