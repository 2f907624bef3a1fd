"""Pages the page cache does not serve (a signed-in visitor, a query string of its own) are built from cached
pieces (postings/fragments.py): posting cards, a posting page's body, the filter form. What a visitor reads must
be what the postings say now: every change, the passing of a deadline and of a day show at once, in each
language, and nothing personal (the CSP nonce) is ever shared.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from postings import transitions
from postings.fragments import NONCE_PLACEHOLDER
from postings.models import Posting
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def visitor(client):
    """A signed-in visitor: never served by the page cache, so every page is built from its pieces."""
    client.force_login(f.make_user())
    return client


def listing(client, **params) -> str:
    response = client.get(reverse("postings:list"), params)
    assert response.status_code == 200
    return response.content.decode()


def page(client, posting) -> str:
    response = client.get(posting.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def travel(monkeypatch, to):
    monkeypatch.setattr(timezone, "now", lambda: to)


def test_an_edited_posting_shows_its_new_text_at_once_on_its_card_and_its_page(visitor):
    posting = f.published_posting(title="Observatoire des frontières", summary="Documenter les refoulements.")
    assert "Observatoire des frontières" in listing(visitor)
    assert "Documenter les refoulements." in page(visitor, posting)

    posting.title = "Observatoire des frontières intérieures"
    posting.summary = "Documenter les contrôles au faciès."
    posting.save()

    assert "Observatoire des frontières intérieures" in listing(visitor)
    text = page(visitor, posting)
    assert "Documenter les contrôles au faciès." in text
    assert "Documenter les refoulements." not in text


def test_a_renamed_organisation_shows_at_once_on_the_cards_and_pages_of_its_postings(visitor):
    organisation = f.make_organisation(name="Cimade Lyon")
    posting = f.published_posting(organisations={"host": organisation})
    assert "Cimade Lyon" in listing(visitor) and "Cimade Lyon" in page(visitor, posting)

    organisation.name = "La Cimade – Lyon"
    organisation.save()

    assert "La Cimade – Lyon" in listing(visitor)
    assert "La Cimade – Lyon" in page(visitor, posting)


def test_a_posting_closed_by_hand_says_so_on_its_page_at_once(visitor):
    posting = f.published_posting(title="Mission à Calais")
    assert "Postuler en ligne" in page(visitor, posting)

    transitions.move(posting, "close")

    text = page(visitor, posting)
    assert "Candidatures closes" in text
    assert "Postuler en ligne" not in text


def test_a_deadline_passing_during_the_day_closes_the_card_and_the_page(visitor, monkeypatch):
    now = timezone.now().replace(hour=10, minute=0)
    travel(monkeypatch, now)
    posting = f.published_posting(title="Mission à Calais", deadline=now + timedelta(hours=2))
    assert "Postuler en ligne" in page(visitor, posting)
    assert "dernier jour" in listing(visitor, closed=1)

    travel(monkeypatch, now + timedelta(hours=3))  # same day, past the deadline

    text = page(visitor, posting)
    assert "Candidatures closes" in text and "Postuler en ligne" not in text
    assert "Clôturée" in listing(visitor, closed=1)


def test_the_days_left_count_down_from_one_day_to_the_next(visitor, monkeypatch):
    now = timezone.localtime().replace(hour=12, minute=0)
    travel(monkeypatch, now)
    # Signed in again after each jump: the session, opened at the real time, has expired by the clock of the
    # jump (SESSION_COOKIE_AGE), and an anonymous visitor would be served the page cache, which lasts real seconds.
    visitor.force_login(f.make_user())
    posting = f.published_posting(deadline=now + timedelta(days=10))
    assert "encore 10 jours" in listing(visitor) and "encore 10 jours" in page(visitor, posting)

    travel(monkeypatch, now + timedelta(days=1))
    visitor.force_login(f.make_user())

    assert "encore 9 jours" in listing(visitor)
    assert "encore 9 jours" in page(visitor, posting)


def test_each_language_gets_its_own_pieces(visitor):
    posting = f.published_posting(title="Mission à Calais")
    assert "Date limite" in page(visitor, posting) and "Date limite" in listing(visitor)

    english_page = visitor.get("/en" + posting.get_absolute_url()).content.decode()
    english_listing = visitor.get("/en/").content.decode()

    assert "Deadline" in english_page and "Date limite" not in english_page
    assert "Deadline" in english_listing and "Date limite" not in english_listing


def test_every_response_carries_its_own_nonce_and_never_the_placeholder(visitor):
    posting = f.published_posting()
    nonces = set()
    for _ in range(2):
        response = visitor.get(posting.get_absolute_url())
        text = response.content.decode()
        assert NONCE_PLACEHOLDER not in text
        page_nonces = set(re.findall(r'nonce="([^"]+)"', text))
        assert len(page_nonces) == 1  # every script of the page, the cached body's included
        assert page_nonces <= set(re.findall(r"'nonce-([^']+)'", response["Content-Security-Policy"]))
        nonces |= page_nonces
    assert len(nonces) == 2


def test_the_filter_form_shows_the_values_of_its_own_query(visitor):
    f.published_posting(country="BE", kind=Posting.Kind.VOLUNTEER)
    f.published_posting(country="FR", kind=Posting.Kind.INTERNSHIP)

    belgium = listing(visitor, country="BE")
    france = listing(visitor, country="FR", kind="internship")
    belgium_again = listing(visitor, country="BE")

    assert re.search(r'<option value="BE" selected>', belgium)
    assert re.search(r'<option value="FR" selected>', france)
    assert re.search(r'<option value="internship" selected>', france)
    assert not re.search(r'<option value="internship" selected>', belgium_again)
    assert re.search(r'<option value="BE" selected>', belgium_again)


def test_the_preview_never_shows_the_public_pages_cached_pieces(cast, client):
    posting = f.published_posting(organisations={"host": cast.org_a}, title="Mission publique")
    client.force_login(cast.recruiter_a)
    assert "Mission publique" in page(client, posting)

    preview = client.get(reverse("admin:postings_posting_preview", args=[posting.pk])).content.decode()

    assert 'id="preview-banner"' in preview
    assert "Mission publique" in preview


def test_with_the_pieces_switched_off_every_page_is_rendered(visitor, settings, django_assert_num_queries):
    settings.FRAGMENT_CACHE_SECONDS = 0
    f.published_posting()
    listing(visitor)  # filter options and next deadline cached, as after any first request

    # The session and its user, the page, then its cards' postings and their organisations: every time.
    for _ in range(2):
        with django_assert_num_queries(2 + 3):
            listing(visitor, country="BE")
