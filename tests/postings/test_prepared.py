"""The listing's page query is compiled once per combination of values and run again for the next request with
the same values (postings/prepared.py): the postings and their total still come from the database each time."""

import re
import time
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
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


# PostgreSQL: the query is a prepared statement of the database session (the `postgresql` fixture: tests/conftest.py)


def sent(client, **params) -> tuple[list[str], list[str]]:
    """The listing's titles, and the SQL of the statements the request sent for its page."""
    with CaptureQueriesContext(connection) as queries:
        response = listing(client, **params)
    return titles(response), [q["sql"] for q in queries if "passerelle_" in q["sql"]]


def test_postgresql_plans_the_listing_once_per_session(client, builds, postgresql):
    f.published_posting(title="Accueil Calais", country="FR")

    first, first_sql = sent(client, country="FR", utm_source="a")
    f.published_posting(title="Accueil Lille", country="FR")
    second, second_sql = sent(client, country="FR", utm_source="b")

    assert first == ["Accueil Calais"] and second == ["Accueil Calais", "Accueil Lille"]
    assert len(first_sql) == 1 and first_sql[0].startswith("PREPARE passerelle_")
    assert len(second_sql) == 1 and re.fullmatch(r"EXECUTE passerelle_\w+", second_sql[0])


def test_postgresql_prepares_again_after_a_failure_it_could_not_see_the_end_of(
    client, builds, postgresql, monkeypatch
):
    """A PREPARE that reached the server but whose answer was lost: the next request starts the session's
    statements afresh rather than fail on a statement that already exists."""
    f.published_posting(title="Accueil Calais", country="FR")

    def lost_answer(execute, sql, params, many, context):
        execute(sql, params, many, context)
        if sql.startswith("PREPARE"):
            raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(lost_answer):
        lost = client.get(reverse("postings:list"), {"country": "FR", "utm_source": "a"})
    again, again_sql = sent(client, country="FR", utm_source="b")

    assert lost.status_code == 503  # the database-unavailable page (config/middleware.py)

    assert again == ["Accueil Calais"]
    assert again_sql[0].startswith("DEALLOCATE ALL; PREPARE passerelle_")


def test_postgresql_keeps_a_bounded_number_of_statements_per_session(client, builds, postgresql, monkeypatch):
    monkeypatch.setattr(prepared, "MAX_PREPARED", 2)
    f.published_posting(title="Accueil Calais", country="FR", city="Calais")
    f.published_posting(title="Accueil Liège", country="BE", city="Liège")

    found = [sent(client, country=country, utm_source=n)[0] for n, country in enumerate(["FR", "BE", "FR"])]
    _titles, third_key_sql = sent(client, city="Calais", utm_source="x")

    assert found == [["Accueil Calais"], ["Accueil Liège"], ["Accueil Calais"]]
    assert third_key_sql[0].startswith("DEALLOCATE ALL; PREPARE passerelle_")


@pytest.mark.django_db(transaction=True)  # a request outside a transaction, as in production
def test_postgresql_prepares_again_when_the_session_lost_its_statements(client, builds, postgresql):
    f.published_posting(title="Accueil Calais", country="FR")
    sent(client, country="FR", utm_source="a")
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # behind the listing's back, as DISCARD ALL would

    again, again_sql = sent(client, country="FR", utm_source="b")
    then, then_sql = sent(client, country="FR", utm_source="c")

    assert again == then == ["Accueil Calais"]
    assert again_sql[0].startswith("EXECUTE passerelle_")
    assert again_sql[1].startswith("DEALLOCATE ALL; PREPARE passerelle_")
    assert re.fullmatch(r"EXECUTE passerelle_\w+", then_sql[0])
