from datetime import timedelta

import pytest
from django.utils import timezone

from postings.models import Posting
from postings.transitions import InvalidMove
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_posting_is_open_until_the_second_of_its_deadline():
    deadline = timezone.now() + timedelta(days=3)
    posting = f.published_posting(deadline=deadline)

    assert posting.is_open(now=deadline - timedelta(seconds=1))
    assert not posting.is_open(now=deadline)
    assert list(Posting.objects.open_for_applications(now=deadline - timedelta(seconds=1))) == [posting]
    assert list(Posting.objects.open_for_applications(now=deadline)) == []
    assert list(Posting.objects.published()) == [posting]  # still public, listed with the closed ones


def test_a_posting_past_its_deadline_counts_as_closed_without_being_edited():
    posting = f.expired_posting()

    assert posting.status == Posting.Status.PUBLISHED
    assert not posting.is_open()
    assert posting not in Posting.objects.open_for_applications()
    assert posting in Posting.objects.published()


@pytest.mark.parametrize("factory", [f.draft_posting, f.archived_posting])
def test_drafts_and_archives_are_never_public(client, factory):
    posting = factory()

    assert client.get(posting.get_absolute_url()).status_code == 404
    assert posting not in Posting.objects.published()
    assert posting not in Posting.objects.open_for_applications()


def test_search_text_is_folded_for_accent_insensitive_search():
    posting = f.published_posting(title="Droits des Étrangers à Liège")

    assert "droits des etrangers a liege" in posting.search_text


def test_reopen_refuses_a_deadline_in_the_past():
    posting = f.closed_posting()

    with pytest.raises(InvalidMove, match="la nouvelle date limite doit être dans le futur"):
        posting.reopen(deadline=timezone.now() - timedelta(hours=1))
    posting.refresh_from_db()
    assert posting.status == Posting.Status.CLOSED


def test_open_for_applications_follows_edits_of_the_deadline(db):
    now = timezone.now()
    posting = f.published_posting(deadline=now - timedelta(days=1))
    assert posting not in Posting.objects.open_for_applications(now)

    posting.deadline = None
    posting.save()
    assert posting in Posting.objects.open_for_applications(now)
    assert posting not in Posting.objects.closing_within(3650, now)

    posting.deadline = now + timedelta(seconds=1)
    posting.save()
    assert posting in Posting.objects.closing_within(1, now)
    assert posting not in Posting.objects.open_for_applications(now + timedelta(seconds=1))
