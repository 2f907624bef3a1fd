"""Keyword search: accent- and case-insensitive, every word must match, long queries cut, index on PostgreSQL."""

import pytest
from django.db import connection
from django.urls import reverse

from organisations.models import Organisation
from postings import search
from postings.models import Posting
from tests import factories as f

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


@pytest.mark.postgres
def test_postgresql_search_uses_the_gin_index_of_the_stored_vector(db):
    if connection.vendor != "postgresql":
        pytest.skip("The full-text index exists on PostgreSQL only")
    for n in range(30):
        f.published_posting(
            title=f"Mission {n}", theme_label="Accès au droit", summary="Accompagnement juridique des exilés."
        )
    f.published_posting(title="Droits des étrangers")
    queryset = Posting.objects.search("étrangers")
    sql, params = queryset.query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")

    assert "posting_search_vector_idx" in plan, plan
    assert [p.title for p in queryset] == ["Droits des étrangers"]


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
