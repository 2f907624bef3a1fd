"""The listing's filter options are cached and follow every change of the postings at once."""

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_filter_options_are_computed_once_then_served_from_the_cache(client, django_assert_num_queries):
    f.published_posting(city="Liège")
    client.get("/")  # computes and caches the options

    with django_assert_num_queries(3):  # the page with its total, organisations in roles, places
        response = client.get("/")

    assert ("Liège", "Liège") in response.context["filter"].filters["city"].extra["choices"]


def test_a_new_posting_shows_in_the_filter_options_at_once(client):
    f.published_posting(city="Liège")
    client.get("/")

    f.published_posting(city="Grande-Synthe")
    response = client.get("/")

    assert ("Grande-Synthe", "Grande-Synthe") in response.context["filter"].filters["city"].extra["choices"]


def test_an_organisation_renamed_in_the_back_office_is_renamed_in_the_filter_at_once(client):
    posting = f.published_posting()
    organisation = posting.organisation_roles.get().organisation
    client.get("/")

    organisation.name = "Plate-forme Mineurs en exil"
    organisation.save()
    response = client.get("/")

    labels = [label for _, label in response.context["filter"].filters["organisation"].extra["choices"]]
    assert "Plate-forme Mineurs en exil" in labels


def test_the_options_are_cached_per_language(client):
    f.published_posting(country="BE")
    client.get("/")

    response = client.get("/nl/")

    assert ("BE", "België") in response.context["filter"].filters["country"].extra["choices"]
