"""Feeds, sitemap and JSON-LD read back with third-party parsers (issue #17 §4): feedparser as a feed reader
would, lxml as a crawler would, and Google's required JobPosting fields. Every absolute URL is on SITE_URL,
whatever Host the request came with."""

import json
import re

import feedparser
import pytest
from lxml import etree

from postings.jsonld import REQUIRED_FIELDS
from tests import factories as f

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture
def alias_host(settings):
    settings.ALLOWED_HOSTS = ["testserver", "alias.example"]
    settings.SITE_URL = "https://passerelle.example.org"
    return {"HTTP_HOST": "alias.example"}


@pytest.mark.parametrize("path", ["/flux/offres.rss", "/flux/offres.atom"])
def test_the_filtered_feed_parses_and_lists_only_the_listing_results(client, alias_host, path):
    belgian = f.published_posting(title="Mission à Liège", country="BE", city="Liège")
    f.published_posting(title="Stage à Paris", country="FR", city="Paris")

    feed = feedparser.parse(client.get(f"{path}?country=BE&page=3", **alias_host).content)

    assert not feed.bozo, feed.get("bozo_exception")
    assert [entry.title for entry in feed.entries] == ["Mission à Liège"]
    assert feed.entries[0].link == f"https://passerelle.example.org/offres/{belgian.slug}/"
    assert feed.feed.link == "https://passerelle.example.org/?country=BE"


def test_the_sitemap_lists_every_public_page_in_three_languages_with_alternates(client, alias_host):
    posting = f.published_posting(title="Mission réelle")
    f.published_posting(title="Démonstration", is_demo=True)

    tree = etree.fromstring(client.get("/sitemap.xml", **alias_host).content)
    entries = {
        url.findtext(f"{SITEMAP}loc"): {
            link.get("hreflang"): link.get("href") for link in url.findall(f"{XHTML}link")
        }
        for url in tree.findall(f"{SITEMAP}url")
    }

    origin = "https://passerelle.example.org"
    for path in ("/", f"/offres/{posting.slug}/", "/confidentialite/"):
        alternates = {
            "fr": origin + path,
            "en": f"{origin}/en{path}",
            "nl": f"{origin}/nl{path}",
            "x-default": origin + path,
        }
        for language in ("fr", "en", "nl"):
            assert entries[alternates[language]] == alternates, path
    assert all(url.startswith(origin + "/") for url in entries)
    assert not any("demonstration" in url or "Démonstration" in url for url in entries)


def jsonld_of(response) -> list[dict]:
    blocks = re.findall(
        r'<script type="application/ld\+json"[^>]*>(.*?)</script>', response.content.decode(), re.S
    )
    return [json.loads(block) for block in blocks]


def test_a_posting_page_carries_jobposting_markup_with_googles_required_fields(client, alias_host):
    posting = f.published_posting(title="Mission réelle")

    [data] = jsonld_of(client.get(posting.get_absolute_url(), **alias_host))

    assert data["@type"] == "JobPosting"
    assert all(data.get(name) for name in REQUIRED_FIELDS)
    assert data["hiringOrganization"]["name"]
    assert data["jobLocation"][0]["address"]["addressCountry"] == "BE"
    assert data["url"] == f"https://passerelle.example.org/offres/{posting.slug}/"


def test_a_real_posting_without_a_place_carries_no_jobposting_markup(client):
    posting = f.published_posting(title="Mission sans lieu")
    posting.locations.all().delete()

    assert jsonld_of(client.get(posting.get_absolute_url())) == []


def test_the_page_cache_never_replays_a_page_to_another_host_or_scheme(client, settings):
    from postings.page_cache import anonymous_page_key

    settings.ALLOWED_HOSTS = ["testserver", "alias.example"]
    from django.test import RequestFactory

    factory = RequestFactory()
    keys = {
        anonymous_page_key(factory.get("/?q=x", HTTP_HOST="testserver")),
        anonymous_page_key(factory.get("/?q=x", HTTP_HOST="alias.example")),
        anonymous_page_key(factory.get("/?q=x", HTTP_HOST="testserver", secure=True)),
    }

    assert len(keys) == 3
