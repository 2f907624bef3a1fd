"""Keyword search: accent- and case-insensitive, every word must match, long queries cut, index on PostgreSQL."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from organisations.models import Organisation
from postings import search
from postings.models import Posting
from tests import factories as f
from tests.postings.plans import explain_listing_query

pytestmark = pytest.mark.django_db


def search_titles(client, q: str, **params) -> list[str]:
    response = client.get(reverse("postings:list"), {"q": q, **params})
    assert response.status_code == 200
    return sorted(p.title for p in response.context["postings"])


@pytest.fixture
def postings(db):
    return {
        "etrangers": f.published_posting(
            title="Droits des Étrangers à Liège", summary="Villes accueillantes."
        ),
        "frontiere": f.published_posting(
            title="Observatoire de la frontière",
            theme_label="Accès aux droits",
            summary="Calais et Grande-Synthe.",
        ),
        "mineurs": f.published_posting(
            title="Chargé de projet",
            theme_label="Mineurs en exil",
            summary="Logement des jeunes à Bruxelles.",
        ),
    }


@pytest.mark.parametrize("q", ["etrangers", "ÉTRANGERS", "Étrangers", "ETRANGERS", "étrangers liège"])
def test_search_ignores_accents_and_case(client, postings, q):
    assert search_titles(client, q) == ["Droits des Étrangers à Liège"]


def test_search_looks_at_theme_and_summary_too(client, postings):
    assert search_titles(client, "mineurs") == ["Chargé de projet"]
    assert search_titles(client, "grande-synthe") == ["Observatoire de la frontière"]


def test_every_word_of_the_query_must_match(client, postings):
    assert search_titles(client, "frontière calais") == ["Observatoire de la frontière"]
    assert search_titles(client, "frontière bruxelles") == []


def test_a_query_matching_nothing_shows_the_empty_state_with_a_way_out(client, postings):
    response = client.get(reverse("postings:list"), {"q": "astronaute"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "Aucune offre ne correspond" in content
    assert 'href="/">Effacer les filtres' in content
    assert "0 offre" in content


def test_a_10_kb_query_answers_with_a_message_not_an_error(client, postings):
    response = client.get(reverse("postings:list"), {"q": "étrangers " * 1000})

    assert response.status_code == 200
    assert "Votre recherche était trop longue" in response.content.decode()
    assert len(response.context["query_params"]["q"]) == search.MAX_QUERY_LENGTH
    assert [p.title for p in response.context["postings"]] == ["Droits des Étrangers à Liège"]


def test_filter_postings_with_an_empty_query_returns_the_queryset_unchanged(postings):
    assert set(Posting.objects.search("   ")) == set(Posting.objects.all())


def test_search_with_special_characters_does_not_fail(client, postings):
    for q in ['"droits', "droits & | !", "100%", "a_b", "'; DROP TABLE postings_posting; --", "-étrangers"]:
        assert client.get(reverse("postings:list"), {"q": q}).status_code == 200
    assert Posting.objects.count() == 3


@pytest.mark.postgres
def test_postgresql_ranks_the_best_match_first(client, db):
    if connection.vendor != "postgresql":
        pytest.skip("SearchRank needs PostgreSQL")
    f.published_posting(title="Mission logement", summary="Un peu d'accueil.")
    f.published_posting(title="Accueil des exilés", summary="Accueil, accueil et encore accueil.")

    response = client.get(reverse("postings:list"), {"q": "accueil"})

    assert [p.title for p in response.context["postings"]] == ["Accueil des exilés", "Mission logement"]


def titles_in_order(client, q: str) -> list[str]:
    response = client.get(reverse("postings:list"), {"q": q})
    assert response.status_code == 200
    return [p.title for p in response.context["postings"]]


@pytest.mark.postgres
def test_postgresql_ranks_words_in_the_title_then_the_theme_before_words_in_the_body(client, db):
    if connection.vendor != "postgresql":
        pytest.skip("SearchRank needs PostgreSQL")
    soon = timezone.now() + timedelta(days=3)
    # The body says "accueil" five times and closes first; the heading wins all the same.
    f.published_posting(
        title="Mission logement",
        theme_label="Logement",
        summary="Accueil, accueil, accueil, accueil, accueil.",
        deadline=soon,
    )
    f.published_posting(
        title="Chargé de projet", theme_label="Accueil des exilés", deadline=soon + timedelta(1)
    )
    f.published_posting(title="Accueil de jour", theme_label="Santé", deadline=soon + timedelta(2))

    assert titles_in_order(client, "accueil") == ["Accueil de jour", "Chargé de projet", "Mission logement"]


@pytest.mark.postgres
def test_postgresql_ranks_a_translated_title_and_folds_its_accents_like_the_query(client, db):
    if connection.vendor != "postgresql":
        pytest.skip("SearchRank needs PostgreSQL")
    soon = timezone.now() + timedelta(days=3)
    # "Éducation" folds to "education" in the heading vector as in the query ("éduc" and "educ" differ).
    f.published_posting(
        title="Mission logement", theme_label="Logement", summary="Éducation et logement.", deadline=soon
    )
    f.published_posting(
        title="Animation",
        theme_label="Jeunesse",
        title_en="Éducation for young exiles",
        deadline=soon + timedelta(1),
    )

    assert titles_in_order(client, "EDUCATION") == ["Animation", "Mission logement"]


@pytest.mark.postgres
def test_postgresql_lists_matches_of_equal_rank_in_the_listing_deadline_order(client, db):
    if connection.vendor != "postgresql":
        pytest.skip("SearchRank needs PostgreSQL")
    now = timezone.now()
    # The word only in the body: no rank, whatever its frequency; soonest deadline first, then newest.
    for title, days, published_days_ago, summary in [
        ("Late", 20, 1, "Interprétariat."),
        ("Soon, older", 5, 9, "Interprétariat, interprétariat, interprétariat."),
        ("Soon, newer", 5, 2, "Interprétariat et encore interprétariat."),
        ("Middle", 10, 1, "Interprétariat en milieu hospitalier, interprétariat social."),
    ]:
        f.published_posting(
            title=title,
            theme_label="Accès aux droits",
            summary=summary,
            deadline=now + timedelta(days=days),
            published_at=now - timedelta(days=published_days_ago),
        )

    assert titles_in_order(client, "interpretariat") == ["Soon, newer", "Soon, older", "Middle", "Late"]


def make_postings_sharing_a_word(count: int) -> None:
    """`count` open postings whose body says "accompagnement", written at once (bulk_create skips save())."""
    now = timezone.now()
    postings = [
        Posting(
            title=f"Mission {n}",
            slug=f"bulk-{n}",
            kind=Posting.Kind.VOLUNTEER,
            scheme=Posting.Scheme.SERVICE_CIVIQUE,
            summary="Accompagnement juridique des personnes exilées. " * 40,
            deadline=now + timedelta(days=30 + n),
            status=Posting.Status.PUBLISHED,
            published_at=now,
        )
        for n in range(count)
    ]
    for posting in postings:
        posting.search_text = posting.build_search_text()
    Posting.objects.bulk_create(postings)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # VACUUM cannot run in the test's transaction
def test_postgresql_matches_a_word_found_in_every_posting_through_the_gin_index(client, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("The full-text index exists on PostgreSQL only")
    make_postings_sharing_a_word(300)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE postings_posting")
    # The path of a search that is not broad: every match ranked and counted (a plain search of a word in
    # most postings is a broad search: below, and tests/postings/test_broad_search.py).
    monkeypatch.setattr(search, "BROAD_SHARE", 0)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("postings:list"), {"q": "accompagnement"})
    # The planner's own choice, nothing disabled: with statistics on the vector column it read every
    # posting in a sequential scan and unpacked each vector from TOAST (migration 0014).
    plan = explain_listing_query(queries)

    assert "Bitmap Index Scan on posting_search_vector_idx" in plan, plan
    assert "Seq Scan on postings_posting" not in plan, plan
    assert response.context["paginator"].count == 300


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # VACUUM cannot run in the test's transaction
def test_postgresql_decides_a_search_is_broad_from_the_soonest_closing_postings_in_deadline_order(client):
    if connection.vendor != "postgresql":
        pytest.skip("A broad search is a PostgreSQL path")
    make_postings_sharing_a_word(300)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE postings_posting")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("postings:list"), {"q": "accompagnement", "utm_source": "broad"})
    probe = next(q["sql"] for q in queries if "search_vector" in q["sql"])

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {probe}")
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Index Scan using posting_open_deadline_idx" in plan, plan
    assert "Seq Scan on postings_posting" not in plan, plan
    # Fewer matches than BROAD_RESULTS: the walk in deadline order read them all, so the count is exact.
    assert response.context["paginator"].count == 300
    assert "300 offres" in response.content.decode()


def test_a_query_with_a_null_character_is_refused_with_a_message(client, postings):
    response = client.get(reverse("postings:list"), {"q": "droits\x00", "page": "\x00", "per_page": "\x00"})

    assert response.status_code == 200
    assert "Mots-clés" in response.content.decode().split("<main", 1)[1]
    assert len(response.context["postings"]) == 3


def test_search_follows_an_edit_of_the_posting(client, db):
    posting = f.published_posting(title="Mission logement")
    posting.title = "Mission interprétariat"
    posting.save()

    found = client.get(reverse("postings:list"), {"q": "interpretariat"}).context["postings"]
    gone = client.get(reverse("postings:list"), {"q": "logement"}).context["postings"]

    assert [p.pk for p in found] == [posting.pk]
    assert list(gone) == []


def test_search_works_inside_a_subquery(db):
    # On PostgreSQL the inner posting table is renamed (U0): the stored vector must be read from it.
    wanted = f.make_organisation(name="Interprètes solidaires")
    f.published_posting(title="Interprétariat solidaire", organisations={"host": wanted})
    f.published_posting(title="Mission logement", organisations={"host": f.make_organisation()})

    matching = Posting.objects.search("interprétariat").values("pk")
    outer = Organisation.objects.filter(posting_roles__posting__in=matching)

    assert list(outer) == [wanted]
