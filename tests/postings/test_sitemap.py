from xml.etree import ElementTree

import pytest
from django.utils import timezone

from tests import factories as f

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
SITE = "https://passerelle.example"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def sitemap(client, **headers) -> dict[str, str | None]:
    """{location: lastmod} of every URL in /sitemap.xml."""
    response = client.get("/sitemap.xml", headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)
    return {
        url.find("s:loc", NS).text: getattr(url.find("s:lastmod", NS), "text", None)
        for url in root.findall("s:url", NS)
    }


def test_the_sitemap_lists_public_postings_their_organisations_sessions_and_home(client):
    session = f.make_session()
    host = f.make_organisation()
    open_posting = f.published_posting(session=session, organisations={"host": host})
    closed = f.closed_posting()

    urls = sitemap(client)

    assert SITE + open_posting.get_absolute_url() in urls
    assert SITE + closed.get_absolute_url() in urls
    assert SITE + host.get_absolute_url() in urls
    assert SITE + session.get_absolute_url() in urls
    assert f"{SITE}/" in urls
    assert (
        urls[SITE + open_posting.get_absolute_url()]
        == timezone.localdate(open_posting.updated_at).isoformat()
    )


def test_the_sitemap_leaves_out_drafts_archives_demonstrations_and_idle_organisations(client):
    session_of_draft = f.make_session()
    hidden_host = f.make_organisation()
    hidden = [
        f.draft_posting(session=session_of_draft, organisations={"host": hidden_host}),
        f.archived_posting(),
        f.published_posting(is_demo=True),
    ]

    urls = sitemap(client)

    assert not any(posting.slug in url for posting in hidden for url in urls)
    assert SITE + hidden_host.get_absolute_url() not in urls
    assert SITE + session_of_draft.get_absolute_url() not in urls


def test_the_sitemap_uses_the_canonical_host_whatever_host_was_asked(client, settings):
    settings.ALLOWED_HOSTS = ["testserver", "alias.example"]
    f.published_posting()
    urls = sitemap(client, host="alias.example")
    assert urls and all(url.startswith(SITE + "/") for url in urls)


def test_robots_txt_disallows_the_back_office_and_the_apply_flow_and_points_to_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[:2] == ["User-agent: *", "Allow: /"]
    for prefix in ("", "/en", "/nl"):
        assert f"Disallow: {prefix}/admin/" in lines
        assert f"Disallow: {prefix}/candidature/" in lines
    assert lines[-1] == f"Sitemap: {SITE}/sitemap.xml"
