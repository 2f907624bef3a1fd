"""The listing's paginator (postings/pagination.py): one query for a page and its total, in the queryset's order.

A search ranked by relevance (PostgreSQL) is paged by primary key: the page's keys are sorted apart from the
rows; these tests pin what that must not change (order, total, deferred fields, a page past the end).
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from postings import search
from postings.filters import PostingFilter
from postings.models import Posting
from postings.pagination import paginate_with_total
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked_search(db):
    """Seven matches of "accueil": three with the word in their heading, four only in their body."""
    if connection.vendor != "postgresql":
        pytest.skip("Relevance is PostgreSQL's")
    now = timezone.now()
    for n, (title, theme) in enumerate(
        [
            ("Mission logement", "Logement"),
            ("Accueil de jour", "Santé"),
            ("Chargé de projet", "Accueil des exilés"),
            ("Animation", "Jeunesse"),
            ("Accueil et accès aux droits", "Accueil"),
            ("Juriste", "Droit d'asile"),
            ("Plaidoyer", "Frontières"),
        ]
    ):
        f.published_posting(
            title=title,
            theme_label=theme,
            summary="Accueil des personnes.",
            deadline=now + timedelta(days=30 - n),
        )
    f.published_posting(title="Sans rapport", theme_label="Logement", summary="Rien à voir.")
    queryset = PostingFilter.order(Posting.objects.search("accueil"), "relevance", "accueil")
    assert search.RANK_ANNOTATION in queryset.query.annotations
    return queryset


@pytest.mark.postgres
def test_a_ranked_search_is_paged_in_its_order_with_its_total(ranked_search, django_assert_num_queries):
    expected = [p.title for p in ranked_search]
    assert expected[:3] == ["Accueil et accès aux droits", "Accueil de jour", "Chargé de projet"]

    pages = []
    for number in ("1", "2", "3"):
        # The page with the total, counted in the same scan of the matches as the sort.
        with django_assert_num_queries(1):
            page, notices = paginate_with_total(ranked_search, 3, number)
        assert page.paginator.count == 7
        assert notices == []
        pages.append([p.title for p in page.object_list])

    assert pages == [expected[0:3], expected[3:6], expected[6:7]]


@pytest.mark.postgres
def test_a_ranked_page_keeps_the_fields_of_a_queryset_restricted_with_only(
    ranked_search, django_assert_num_queries
):
    restricted = ranked_search.only("pk", "title", "slug", "closes_at", "published_at")

    page, _notices = paginate_with_total(restricted, 3, "1")

    with django_assert_num_queries(0):
        titles = [p.title for p in page.object_list]
    assert titles == [p.title for p in ranked_search[:3]]
    assert all(isinstance(p, Posting) and "summary" in p.get_deferred_fields() for p in page.object_list)


@pytest.mark.postgres
def test_a_ranked_page_past_the_end_shows_the_last_page(ranked_search):
    page, notices = paginate_with_total(ranked_search, 3, "9")

    assert page.number == 3
    assert [p.title for p in page.object_list] == [p.title for p in ranked_search][6:]
    assert page.paginator.count == 7
    assert notices == ["La page 9 n'existe pas : voici la dernière page (3)."]


def test_a_search_without_relevance_is_paged_in_deadline_order(db, django_assert_num_queries):
    now = timezone.now()
    for days in (9, 3, 6):
        f.published_posting(title=f"Accueil {days}", deadline=now + timedelta(days=days))
    queryset = PostingFilter.order(Posting.objects.search("accueil"), "deadline", "accueil")

    with django_assert_num_queries(1):
        page, _notices = paginate_with_total(queryset, 2, "1")

    assert [p.title for p in page.object_list] == ["Accueil 3", "Accueil 6"]
    assert page.paginator.count == 3


@pytest.mark.postgres
def test_a_ranked_search_with_a_theme_lists_each_posting_once(client):
    """The theme filter joins the postings' themes: a posting with two themes is still one result."""
    if connection.vendor != "postgresql":
        pytest.skip("Relevance is PostgreSQL's")
    asylum, housing = f.make_theme("Asile"), f.make_theme("Logement")
    both = f.published_posting(title="Accueil et hébergement", themes=[asylum, housing])
    one = f.published_posting(title="Accueil de jour", summary="Accueil des personnes.", themes=[asylum])

    response = client.get("/", {"q": "accueil", "theme": asylum.slug, "sort": "relevance"})

    assert [posting.pk for posting in response.context["postings"]] == [both.pk, one.pk]
    assert response.context["paginator"].count == 2
