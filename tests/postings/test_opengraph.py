from html.parser import HTMLParser

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from tests import factories as f

pytestmark = pytest.mark.django_db


class MetaTags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            self.tags.setdefault(attrs.get("property") or attrs["name"], []).append(attrs["content"])


def meta_tags(path: str, language: str = "fr", **context) -> dict[str, list[str]]:
    request = RequestFactory().get(path, {"page": "2"}, secure=True)
    with translation.override(language):
        html = Template('{% include "postings/_opengraph.html" %}').render(
            Context({"request": request, **context})
        )
    parser = MetaTags()
    parser.feed(html)
    return parser.tags


def test_a_posting_page_describes_the_posting(settings):
    settings.SITE_URL = "https://passerelle.example.org"
    posting = f.published_posting(
        title="Observatoire des droits « Calais » & co", summary="Observer <et> documenter."
    )

    tags = meta_tags(f"/offres/{posting.slug}/", posting=posting)

    assert tags["og:title"] == ["Observatoire des droits « Calais » & co"]
    assert tags["og:description"] == ["Observer <et> documenter."]
    assert tags["og:type"] == ["website"]
    assert tags["og:site_name"] == ["Passerelle"]
    # The canonical origin, never the request's Host header; without the query string.
    assert tags["og:url"] == [f"https://passerelle.example.org/offres/{posting.slug}/"]
    assert tags["og:locale"] == ["fr_FR"]
    assert set(tags["og:locale:alternate"]) == {"en_GB", "nl_BE"}
    assert tags["twitter:card"] == ["summary"]
    assert tags["twitter:title"] == tags["og:title"]


@pytest.mark.parametrize(("language", "locale"), [("fr", "fr_FR"), ("en", "en_GB"), ("nl", "nl_BE")])
def test_the_locale_follows_the_active_language(language, locale):
    assert meta_tags("/", language)["og:locale"] == [locale]


def test_a_demonstration_posting_is_labelled_in_its_card():
    posting = f.published_posting(title="Mission fictive", is_demo=True)
    assert meta_tags(f"/offres/{posting.slug}/", posting=posting)["og:title"] == [
        "[Démonstration] Mission fictive"
    ]


def test_without_a_posting_the_tags_describe_the_site():
    tags = meta_tags("/")
    assert tags["og:title"] == ["Passerelle"]
    assert tags["og:description"][0].startswith("Missions de volontariat")
