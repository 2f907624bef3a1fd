"""The listing's page query is compiled once per combination of values and run again for the next request with
the same values (postings/prepared.py): the postings and their total still come from the database each time."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from postings import prepared
from postings.filters import PostingFilter
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def builds(monkeypatch) -> list[dict]:
    """The values of each listing whose queryset was built (nothing kept from earlier tests)."""
    monkeypatch.setattr(prepared, "_prepared", {})
    built: list[dict] = []
    filter_queryset = PostingFilter.filter_queryset

    def recording(filterset, queryset):
        built.append({name: value for name, value in filterset.cleaned_data.items() if value})
        return filter_queryset(filterset, queryset)

    monkeypatch.setattr(PostingFilter, "filter_queryset", recording)
    return built


def listing(client, **params):
    response = client.get(reverse("postings:list"), params)
    assert response.status_code == 200
    return response


def titles(response) -> list[str]:
    return sorted(posting.title for posting in response.context["postings"])


def test_the_same_filters_reuse_the_query_and_read_the_postings_again(client, builds):
    f.published_posting(title="Accueil Calais", country="FR", city="Calais")
    f.published_posting(title="Accueil Liège", country="BE", city="Liège")

    first = listing(client, country="FR", utm_source="lettre")
    f.published_posting(title="Accueil Lille", country="FR", city="Lille")
    # Another visitor's tracking parameter: the page cache does not know this page, the query is kept.
    second = listing(client, country="FR", utm_source="reseaux")

    assert titles(first) == ["Accueil Calais"]
    assert titles(second) == ["Accueil Calais", "Accueil Lille"]
    assert second.context["paginator"].count == 2
    assert "2 offres" in second.content.decode()
    assert len(builds) == 1


def test_other_values_a_search_or_another_page_get_a_query_of_their_own(client, builds):
    for n in range(14):
        f.published_posting(title=f"Accueil {n:02}", country="FR", summary="Accueil de jour.")
    f.published_posting(title="Permanence juridique", country="BE", summary="Interprétariat en tigrigna.")

    assert titles(listing(client, country="BE")) == ["Permanence juridique"]
    assert len(titles(listing(client, country="FR"))) == 12
    assert len(titles(listing(client, country="FR", page=2))) == 2
    assert titles(listing(client, q="tigrigna")) == ["Permanence juridique"]
    assert titles(listing(client, q="tigrigna", per_page=25)) == ["Permanence juridique"]
    listing(client, country="FR", page=2, utm_source="x")

    assert [build.get("country") or build.get("q") for build in builds] == [
        "BE",
        "FR",
        "FR",
        "tigrigna",
        "tigrigna",
    ]


def test_a_value_the_form_refuses_is_left_out_as_before(client, builds):
    f.published_posting(title="Accueil Calais", country="FR")

    response = listing(client, country="XX", utm_source="a")
    again = listing(client, country="XX", utm_source="b")

    assert titles(response) == titles(again) == ["Accueil Calais"]
    assert "n'a pas reconnu la valeur « XX »" in again.content.decode()
    assert len(builds) == 1


def test_a_deadline_passing_between_two_identical_listings_closes_the_posting(client, builds):
    """The query kept holds no time: the database's clock decides what is still open."""
    f.published_posting(title="Plus tard", deadline=timezone.now() + timedelta(days=10))
    f.published_posting(title="Dernière seconde", deadline=timezone.now() + timedelta(seconds=1.5))

    before = listing(client, utm_source="a")
    time.sleep(1.6)
    after = listing(client, utm_source="b")

    assert titles(before) == ["Dernière seconde", "Plus tard"]
    assert titles(after) == ["Plus tard"]
    assert len(builds) == 1


def test_a_page_past_the_end_still_shows_the_last_page(client, builds):
    for n in range(3):
        f.published_posting(title=f"Accueil {n}")

    listing(client, page=1)
    response = listing(client, page=9, utm_source="a")

    assert response.context["page_obj"].number == 1
    assert len(titles(response)) == 3
    assert response.context["notices"] == ["La page 9 n'existe pas : voici la dernière page (1)."]
