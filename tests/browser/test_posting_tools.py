"""A posting's tools in a real browser (issue #17 §3): share (share sheet or copied link), print on two pages at
most with its address, the related postings, and no failed request (favicon, manifest) on public pages."""

import re

import pytest
from django.core.management import call_command

from postings.models import Posting
from tests import factories as f

pytestmark = pytest.mark.browser


@pytest.fixture
def reference_postings(transactional_db):
    call_command("load_reference_data", "--no-demo", stdout=None)
    return list(Posting.objects.published().filter(is_demo=False))


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def test_every_real_posting_prints_on_two_pages_at_most_with_its_address(
    browsing, reference_postings, settings
):
    page = browsing.page
    assert len(reference_postings) == 5
    for posting in reference_postings:
        browsing.goto(posting.get_absolute_url())
        page.emulate_media(media="print")
        assert page.locator(".print-url").is_visible()
        assert f"{settings.SITE_URL}{posting.get_absolute_url()}" in page.locator(".print-url").inner_text()
        assert not page.locator("body > header").is_visible()
        assert page.get_by_role("heading", level=1).is_visible()
        pages = pdf_pages(page.pdf(format="A4"))
        assert 1 <= pages <= 2, (posting.slug, pages)
        page.emulate_media(media="screen")


def test_share_uses_the_share_sheet_where_there_is_one(browsing, settings):
    posting = f.published_posting(title="Mission à partager")
    page = browsing.page
    page.add_init_script("navigator.share = data => { window.__shared = data; return Promise.resolve(); };")
    browsing.goto(posting.get_absolute_url())

    page.get_by_role("button", name="Partager").click()

    shared = page.wait_for_function("window.__shared").json_value()
    assert shared == {
        "title": "Mission à partager",
        "url": f"{settings.SITE_URL}{posting.get_absolute_url()}",
    }
    assert browsing.problems == []


def test_share_copies_the_link_otherwise(browsing, settings):
    posting = f.published_posting(title="Mission à copier")
    page = browsing.page
    browsing.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.add_init_script("delete Navigator.prototype.share; delete navigator.share;")
    browsing.goto(posting.get_absolute_url())

    page.get_by_role("button", name="Partager").click()

    page.get_by_text("Lien copié").wait_for()
    assert (
        page.evaluate("navigator.clipboard.readText()") == f"{settings.SITE_URL}{posting.get_absolute_url()}"
    )
    assert browsing.problems == []


def test_public_pages_load_their_favicon_and_manifest_and_nothing_fails(browsing):
    posting = f.published_posting(title="Mission", country="FR", city="Calais")
    f.published_posting(title="Voisine", country="FR", city="Calais")
    failed: list[str] = []
    browsing.page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    loaded: list[str] = []
    browsing.page.on("requestfinished", lambda r: loaded.append(r.url))

    for path in (
        "/",
        posting.get_absolute_url(),
        f"/offres/{posting.slug}/candidater/",
        "/alertes/nouvelle/",
        "/mes-candidatures/",
        "/confidentialite/",
        f"/organisations/{posting.organisation_roles.first().organisation.slug}/",
        "/en/",
        "/nl/",
    ):
        browsing.goto(path)

    assert failed == []
    assert browsing.problems == []
    assert any(url.endswith("/static/img/favicon.svg") for url in loaded)
    manifest_href = browsing.page.locator("link[rel=manifest]").get_attribute("href")
    manifest = browsing.page.request.get(browsing.url(manifest_href))
    assert manifest.ok and manifest.json()["short_name"] == "Passerelle"
    assert manifest.json()["icons"][0]["src"] == "img/favicon.svg"

    browsing.goto(posting.get_absolute_url())
    nearby = browsing.page.get_by_role("region", name="Offres proches")
    assert nearby.get_by_role("link").all_inner_texts() == ["Voisine"]
