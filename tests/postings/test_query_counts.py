"""The number of SQL queries of the public pages does not grow with what they show (anonymous visitor).

Listing, rendered: 1 query at any page size when its posting cards are in the cache (postings/fragments.py):
the page's postings with their total (COUNT subquery); 2 for a search in relevance order (the page's keys with
the total, then their rows). Cards not in the cache yet (after a change of the
postings) cost 2 more, whatever their number: those postings with their places (as JSON, postings/prefetch.py),
then their organisations in their roles. The options of the filters (one UNION) and the next deadline are
cached until the postings change: one query each, once per change, so a listing rendered with nothing cached
needs 5. A page already rendered for a visitor without a session is served from the cache with no query at all
(tests/postings/test_listing_cache.py). Detail: no query when its pieces are cached; rendered, 3 queries, 4 with
the session's calendar.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from postings.models import Phase
from tests import factories as f
from tests.postings.full_posting import full_posting

pytestmark = pytest.mark.django_db

LISTING_QUERIES = 1
# Cards not cached yet: their postings (places included), then their organisations.
LISTING_QUERIES_CARDS = LISTING_QUERIES + 2
# The first listing after a change of postings also reads the filter options and the next deadline.
LISTING_QUERIES_COLD = LISTING_QUERIES_CARDS + 2


def warm_shared_caches(client) -> None:
    """Fill the filter options and next-deadline caches, as every request after the first finds them (a
    search that finds nothing: no card is rendered)."""
    client.get(reverse("postings:list"), {"q": "introuvable"})


def warm_cards(client) -> None:
    """Render every card once (up to 50 postings), as any earlier listing leaves them in the cache."""
    client.get(reverse("postings:list"), {"per_page": 50, "closed": "1", "cards": "warm"})


def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured.captured_queries)


def make_board(size: int) -> None:
    session = f.make_session()
    themes = [f.make_theme(), f.make_theme()]
    for n in range(size):
        f.published_posting(
            session=session,
            themes=themes,
            organisations={"sending": f.make_organisation(is_demo=n % 2 == 0), "host": f.make_organisation()},
            country="FR" if n % 2 else "BE",
            city=f"Ville {n}",
            is_demo=n % 3 == 0,
        )


@pytest.mark.parametrize("size", [5, 25])
def test_the_listing_needs_one_query_whatever_the_page_size(client, django_assert_num_queries, size):
    make_board(size)
    warm_shared_caches(client)
    warm_cards(client)

    with django_assert_num_queries(LISTING_QUERIES):
        response = client.get(reverse("postings:list"), {"per_page": 25})

    assert len(response.context["postings"]) == len(response.context["cards"]) == size
    assert response.context["paginator"].count == size


@pytest.mark.parametrize("size", [5, 25])
def test_a_filtered_listing_and_a_ranked_search_need_one_query_too(client, django_assert_num_queries, size):
    make_board(size)
    warm_shared_caches(client)
    warm_cards(client)

    # On PostgreSQL a search is in relevance order: the page and its total still come in one query.
    with django_assert_num_queries(LISTING_QUERIES):
        response = client.get(
            reverse("postings:list"), {"per_page": 25, "country": "FR", "q": "mission", "closed": "1"}
        )

    assert len(response.context["cards"]) == size // 2


@pytest.mark.parametrize("size", [5, 25])
def test_cards_not_cached_yet_cost_two_queries_whatever_their_number(client, django_assert_num_queries, size):
    make_board(size)
    warm_shared_caches(client)

    with django_assert_num_queries(LISTING_QUERIES_CARDS):
        response = client.get(reverse("postings:list"), {"per_page": 25})

    assert len(response.context["cards"]) == size
    assert all("Ville " in card for card in response.context["cards"])  # each card with its place


@pytest.mark.parametrize("size", [5, 25])
def test_a_listing_with_nothing_cached_needs_five_queries(client, django_assert_num_queries, size):
    make_board(size)
    cache.clear()

    with django_assert_num_queries(LISTING_QUERIES_COLD):
        response = client.get(reverse("postings:list"), {"per_page": 25, "country": "FR"})

    assert len(response.context["cards"]) == size // 2
    assert all("Ville " in card for card in response.context["cards"])


def test_the_listing_count_is_the_same_at_5_and_25_postings(client):
    make_board(5)
    warm_shared_caches(client)
    warm_cards(client)
    small = count_queries(client, reverse("postings:list"), {"per_page": 25})
    make_board(20)
    warm_shared_caches(client)
    warm_cards(client)
    large = count_queries(client, reverse("postings:list"), {"per_page": 25})

    assert small == large == LISTING_QUERIES


# Detail, its pieces cached (postings/fragments.py): no query (tests/postings/test_fragments.py).
# Detail, rendered (a replay from the cache needs none, see test_listing_cache.py): the posting with its
# session and programme, places, languages, requirements, pay lines and own phases (1, postings/prefetch.py),
# then the organisations in their roles (1), then the "Autres offres de cette organisation" and "Offres proches"
# lists (1 for both, places included: postings/related.py, issue #17). A posting that follows its session's
# calendar reads the session's phases: one more query.
DETAIL_QUERIES_OWN_CALENDAR = 3
DETAIL_QUERIES_SESSION_CALENDAR = 4


@pytest.mark.parametrize("extra_rows", [5, 25])
def test_detail_query_count_does_not_grow_with_related_rows(client, django_assert_num_queries, extra_rows):
    posting = full_posting(extra_rows=extra_rows)
    warm_shared_caches(client)

    with django_assert_num_queries(DETAIL_QUERIES_OWN_CALENDAR):
        response = client.get(posting.get_absolute_url())

    shown = response.context["posting"]
    assert len(shown.locations.all()) == 2 + extra_rows
    assert len(shown.languages.all()) == 2 + extra_rows
    assert len(shown.pay_components.all()) == 3 + extra_rows
    assert len(response.context["phases"]) == 3


@pytest.mark.parametrize("extra_rows", [5, 25])
def test_detail_with_the_session_calendar_adds_one_query(client, django_assert_num_queries, extra_rows):
    posting = full_posting(extra_rows=extra_rows)
    Phase.objects.filter(posting=posting).delete()
    warm_shared_caches(client)

    with django_assert_num_queries(DETAIL_QUERIES_SESSION_CALENDAR):
        response = client.get(posting.get_absolute_url())

    assert len(response.context["phases"]) == 3


@pytest.mark.parametrize("size", [5, 25])
def test_session_and_organisation_pages_do_not_grow_with_their_postings(client, size):
    counts = []
    for n in (size, size * 2):
        session = f.make_session()
        organisation = f.make_organisation()
        for _ in range(n):
            f.published_posting(session=session, organisations={"host": organisation})
        counts.append(
            (
                count_queries(client, session.get_absolute_url()),
                count_queries(client, organisation.get_absolute_url()),
            )
        )

    assert counts[0] == counts[1]
