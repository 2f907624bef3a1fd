"""The anonymous listing and posting pages are served from a cache that follows every change of the postings at once.

Rendered pages and filter options are keyed on a version bumped by any save or delete of a posting or of
what its pages show (postings/cache.py, postings/signals.py).
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from postings.page_cache import page_cache_timeout
from tests import factories as f

pytestmark = pytest.mark.django_db


def strip_nonce(response) -> bytes:
    return re.sub(rb'nonce="[^"]+"', b"", response.content)


def test_a_page_already_rendered_is_served_without_any_query(client, django_assert_num_queries):
    f.published_posting(title="Observatoire des frontières")
    first = client.get("/")

    with django_assert_num_queries(0):
        again = client.get("/")

    assert again.status_code == 200
    assert strip_nonce(again) == strip_nonce(first)
    assert "Observatoire des frontières" in again.content.decode()


def test_a_new_posting_shows_at_once(client):
    f.published_posting(title="Observatoire des frontières", city="Liège")
    client.get("/")

    f.published_posting(title="Villes accueillantes", city="Grande-Synthe")
    page = client.get("/").content.decode()

    assert "Villes accueillantes" in page
    assert '<option value="Grande-Synthe">Grande-Synthe</option>' in page


def test_a_closed_posting_leaves_the_open_listing_at_once(client):
    posting = f.published_posting(title="Observatoire des frontières")
    client.get("/")

    posting.close()

    assert "Observatoire des frontières" not in client.get("/").content.decode()


def test_an_organisation_renamed_in_the_back_office_is_renamed_on_the_listing_at_once(client):
    posting = f.published_posting()
    organisation = posting.organisation_roles.get().organisation
    client.get("/")

    organisation.name = "Plate-forme Mineurs en exil"
    organisation.save()

    assert "Plate-forme Mineurs en exil" in client.get("/").content.decode()


def test_each_language_has_its_own_page_and_filter_options(client):
    f.published_posting(country="BE")
    client.get("/")

    page = client.get("/nl/").content.decode()

    assert '<option value="BE">België</option>' in page


def test_a_visitor_with_a_session_always_gets_a_freshly_rendered_page(client):
    f.published_posting()
    client.get("/")
    client.cookies[settings.SESSION_COOKIE_NAME] = "a-session"

    response = client.get("/")

    assert response.context is not None  # rendered, not replayed: it may carry messages of that session


def test_a_page_is_kept_no_longer_than_the_next_deadline():
    now = timezone.now()
    f.published_posting(deadline=now + timedelta(seconds=10))

    assert page_cache_timeout(now) == 10


def test_without_a_near_deadline_a_page_is_kept_a_minute():
    f.published_posting(deadline=timezone.now() + timedelta(days=3))

    assert page_cache_timeout() == settings.PAGE_CACHE_SECONDS == 60


def test_a_page_from_the_cache_carries_the_nonce_of_its_own_response(client):
    f.published_posting()
    first = client.get("/")

    again = client.get("/")

    nonce = again["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert nonce not in first["Content-Security-Policy"]
    assert f'nonce="{nonce}"'.encode() in again.content
    assert b"passerelle-csp-nonce" not in again.content


def test_a_posting_page_is_replayed_without_a_query_and_follows_its_changes(
    client, django_assert_num_queries
):
    posting = f.published_posting(title="Observatoire des frontières")
    client.get(posting.get_absolute_url())

    with django_assert_num_queries(0):
        assert "Observatoire des frontières" in client.get(posting.get_absolute_url()).content.decode()

    posting.title = "Observatoire des droits à la frontière"
    posting.save()
    assert "Observatoire des droits à la frontière" in client.get(posting.get_absolute_url()).content.decode()


def test_a_shorter_lifetime_setting_keeps_pages_no_longer(settings):
    settings.PAGE_CACHE_SECONDS = 5
    f.published_posting(deadline=timezone.now() + timedelta(days=3))

    assert page_cache_timeout() == 5


def test_the_page_cache_switched_off_renders_every_page(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    f.published_posting(title="Observatoire des frontières")
    client.get("/")

    again = client.get("/")

    assert again.context is not None  # rendered, not replayed
    assert "Observatoire des frontières" in again.content.decode()


def test_a_page_says_whether_it_was_replayed_from_the_cache(client):
    posting = f.published_posting()

    first, again = client.get("/"), client.get("/")
    page, page_again = client.get(posting.get_absolute_url()), client.get(posting.get_absolute_url())

    assert (first["X-Page-Cache"], again["X-Page-Cache"]) == ("miss", "hit")
    assert (page["X-Page-Cache"], page_again["X-Page-Cache"]) == ("miss", "hit")


def test_a_page_the_cache_does_not_apply_to_carries_no_cache_header(client, settings):
    f.published_posting()
    client.get("/")
    client.cookies[settings.SESSION_COOKIE_NAME] = "a-session"

    with_session = client.get("/")
    settings.PAGE_CACHE_SECONDS = 0
    client.cookies.pop(settings.SESSION_COOKIE_NAME)
    switched_off = client.get("/")

    assert "X-Page-Cache" not in with_session
    assert "X-Page-Cache" not in switched_off
