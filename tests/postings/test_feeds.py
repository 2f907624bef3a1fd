from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.utils import timezone

from postings.models import Posting
from tests import factories as f

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def rss_items(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ElementTree.fromstring(response.content).find("channel")
    return [
        {child.tag: child.text for child in item} | {"categories": [c.text for c in item.findall("category")]}
        for item in channel.findall("item")
    ]


def atom_entries(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    return [
        {
            "title": entry.find(f"{ATOM}title").text,
            "link": entry.find(f"{ATOM}link").get("href"),
            "id": entry.find(f"{ATOM}id").text,
        }
        for entry in feed.findall(f"{ATOM}entry")
    ]


def days_ago(days: int):
    return timezone.now() - timedelta(days=days)


def test_the_feed_lists_open_postings_newest_first_with_absolute_links(client):
    older = f.published_posting(title="Mission ancienne", published_at=days_ago(5))
    newer = f.published_posting(title="Mission récente", published_at=days_ago(1))

    items = rss_items(client.get("/flux/offres.rss"))

    assert [item["title"] for item in items] == ["Mission récente", "Mission ancienne"]
    # Absolute on the canonical origin (SITE_URL), not on the Host the feed was requested with (issue #17 §4).
    assert items[0]["link"] == f"{settings.SITE_URL}/offres/{newer.slug}/"
    assert items[0]["link"].endswith(f"/{newer.slug}/")
    assert items[1]["link"].endswith(f"/{older.slug}/")
    assert items[0]["description"] == newer.summary
    assert items[0]["pubDate"]


def test_the_feed_never_lists_drafts_archives_or_closed_postings(client):
    visible = f.published_posting()
    hidden = [f.draft_posting(), f.archived_posting(), f.closed_posting(), f.expired_posting()]

    links = [item["link"] for item in rss_items(client.get("/flux/offres.rss"))]

    assert len(links) == 1 and links[0].endswith(f"/{visible.slug}/")
    assert not any(posting.slug in link for posting in hidden for link in links)


def test_demonstration_postings_are_listed_as_such(client):
    f.published_posting(title="Mission fictive", is_demo=True)
    (item,) = rss_items(client.get("/flux/offres.rss"))
    assert item["title"] == "[Démonstration] Mission fictive"


def test_the_atom_feed_lists_the_same_postings(client):
    posting = f.published_posting(title="Stage <HRO> & co")

    (entry,) = atom_entries(client.get("/flux/offres.atom"))

    assert entry["title"] == "Stage <HRO> & co"
    assert entry["link"] == entry["id"]
    assert entry["link"].endswith(f"/{posting.slug}/")


def test_the_kind_feed_lists_only_that_kind(client):
    internship = f.published_posting(kind=Posting.Kind.INTERNSHIP, scheme=Posting.Scheme.INTERNSHIP_AGREEMENT)
    f.published_posting(kind=Posting.Kind.VOLUNTEER)

    items = rss_items(client.get("/flux/type/internship.rss"))
    entries = atom_entries(client.get("/flux/type/internship.atom"))

    assert [item["link"].rsplit("/", 2)[1] for item in items] == [internship.slug]
    assert [entry["link"].rsplit("/", 2)[1] for entry in entries] == [internship.slug]
    assert "Stage" in items[0]["categories"]


def test_the_theme_feed_lists_only_postings_of_that_theme(client):
    borders = f.make_theme("Frontières", slug="frontieres")
    minors = f.make_theme("Mineurs en exil", slug="mineurs")
    at_border = f.published_posting(themes=[borders, minors])
    f.published_posting(themes=[minors])
    f.published_posting()

    items = rss_items(client.get("/flux/theme/frontieres.rss"))

    assert [item["link"].rsplit("/", 2)[1] for item in items] == [at_border.slug]
    assert set(items[0]["categories"]) >= {"Frontières", "Mineurs en exil"}
    assert len(atom_entries(client.get("/flux/theme/frontieres.atom"))) == 1


def test_the_country_feed_lists_postings_with_a_place_in_that_country_once(client):
    from postings.models import PostingLocation

    in_belgium = f.published_posting(country="BE", city="Bruxelles")
    PostingLocation.objects.create(posting=in_belgium, country="BE", city="Liège", order=1)
    f.published_posting(country="FR", city="Calais")

    items = rss_items(client.get("/flux/pays/be.rss"))

    assert [item["link"].rsplit("/", 2)[1] for item in items] == [in_belgium.slug]
    assert len(rss_items(client.get("/flux/pays/BE.rss"))) == 1
    assert len(atom_entries(client.get("/flux/pays/be.atom"))) == 1


def test_a_known_country_without_postings_gives_an_empty_feed(client):
    f.published_posting(country="BE")
    assert rss_items(client.get("/flux/pays/ma.rss")) == []


@pytest.mark.parametrize(
    "url",
    [
        "/flux/type/cdi.rss",
        "/flux/type/cdi.atom",
        "/flux/theme/inconnu.rss",
        "/flux/theme/inconnu.atom",
        "/flux/pays/zz.rss",
        "/flux/pays/bel.rss",
        "/flux/pays/zz.atom",
    ],
)
def test_an_unknown_kind_theme_or_country_is_a_404(client, url):
    assert client.get(url).status_code == 404


def test_the_feed_language_follows_the_language_prefix(client):
    response = client.get("/en/flux/offres.rss")
    channel = ElementTree.fromstring(response.content).find("channel")
    assert channel.find("language").text == "en"
    assert client.get("/flux/offres.rss").content.count(b"<language>fr</language>") == 1
