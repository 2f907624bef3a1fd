"""A candidate searches a word found in most postings (PostgreSQL): the page lists the first results, says there
are more and how to narrow them, pages through them, and a filter brings back an exact count
(postings.search.broad_matches). BROAD_RESULTS is lowered so that a few dozen postings make a search broad."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from postings import search
from postings.models import Posting
from tests import factories as f
from tests.browser.conftest import PHONE, Browsing, shoot

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

BROAD_RESULTS = 20


@pytest.fixture
def common_word(transactional_db, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("A broad search is a PostgreSQL path")
    monkeypatch.setattr(search, "BROAD_RESULTS", BROAD_RESULTS)
    monkeypatch.setattr(search, "PROBE_POSTINGS", 8)
    now = timezone.now()
    for n in range(30):
        f.published_posting(
            title="Accompagnement des familles" if n == 17 else f"Mission {n}",
            slug=f"mission-{n}",
            kind=Posting.Kind.INTERNSHIP if n % 10 == 0 else Posting.Kind.VOLUNTEER,
            summary="Accompagnement des personnes exilées.",
            deadline=now + timedelta(days=10 + n),
        )


def _search_a_common_word(browsing) -> None:
    page = browsing.page
    browsing.goto("/")
    filters = page.get_by_role("search", name="Filtrer les offres")
    filters.get_by_label("Mots-clés").fill("accompagnement")
    filters.get_by_role("button", name="Appliquer les filtres").click()
    page.wait_for_url(re.compile(r"q=accompagnement"))


def test_a_candidate_searches_a_common_word_and_narrows_it_with_a_filter(browsing, common_word):
    page = browsing.page
    _search_a_common_word(browsing)

    results = page.get_by_role("region", name=re.compile(r"offres?$"))
    assert results.get_by_role("heading", level=2).inner_text().strip() == f"Plus de {BROAD_RESULTS} offres"
    assert page.get_by_role("status").filter(has_text="Ajoutez un mot ou un filtre pour affiner").is_visible()
    # The form keeps the listing's order, soonest deadline first.
    assert results.get_by_role("heading", level=3).all_inner_texts()[:3] == [
        "Mission 0",
        "Mission 1",
        "Mission 2",
    ]

    filters = page.get_by_role("search", name="Filtrer les offres")
    filters.get_by_label("Trier par").select_option(label="Pertinence (avec une recherche)")
    filters.get_by_role("button", name="Appliquer les filtres").click()
    page.wait_for_url(re.compile(r"sort=relevance"))
    results = page.get_by_role("region", name=re.compile(r"offres?$"))
    assert results.get_by_role("heading", level=2).inner_text().strip() == f"Plus de {BROAD_RESULTS} offres"
    # The posting with the word in its title comes first, then the others by deadline.
    cards = results.get_by_role("heading", level=3).all_inner_texts()
    assert cards[:3] == ["Accompagnement des familles", "Mission 0", "Mission 1"]
    shoot(browsing, "broad-search")

    page.get_by_role("link", name="2", exact=True).click()
    assert page.get_by_role("region", name=re.compile(r"offres?$")).get_by_role(
        "heading", level=3
    ).count() == (BROAD_RESULTS - 12)

    filters = page.get_by_role("search", name="Filtrer les offres")
    filters.get_by_label("Type d'offre").select_option(label="Stage")
    filters.get_by_role("button", name="Appliquer les filtres").click()
    results = page.get_by_role("region", name=re.compile(r"offres?$"))
    assert results.get_by_role("heading", level=2).inner_text().strip() == "3 offres"
    assert browsing.problems == []


def test_a_broad_search_reads_well_on_a_phone(browser, live_server, common_word):
    phone = Browsing(browser, live_server, PHONE)
    try:
        phone.goto("/?q=accompagnement")  # on a phone the filters are folded away; a shared link, then
        heading = phone.page.get_by_role("heading", level=2, name=f"Plus de {BROAD_RESULTS} offres")
        assert heading.is_visible()
        shoot(phone, "broad-search")
        phone.goto("/en/?q=accompagnement")
        assert phone.page.get_by_role(
            "heading", level=2, name=f"More than {BROAD_RESULTS} postings"
        ).is_visible()
        shoot(phone, "broad-search-en")
        assert phone.problems == []
    finally:
        phone.close()
