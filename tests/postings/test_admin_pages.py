"""A posting's own page in the back-office: preview, the publish / close / archive / reopen buttons (POSTs
through the transition table, like the list actions) and "create a posting from this one"."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from postings.models import Posting, PublicationChange
from tests import factories as f

pytestmark = pytest.mark.django_db


def change_url(posting):
    return reverse("admin:postings_posting_change", args=[posting.pk])


def preview_url(posting):
    return reverse("admin:postings_posting_preview", args=[posting.pk])


def move_url(posting, name):
    return reverse("admin:postings_posting_move", args=[posting.pk, name])


@pytest.fixture
def draft(cast):
    return f.draft_posting(
        session=cast.session, organisations={"host": cast.org_a}, title="Brouillon A", slug="brouillon-a"
    )


# Preview -------------------------------------------------------------------------------------------------


def test_a_drafts_public_address_is_a_404_and_its_preview_shows_it_with_a_banner(cast, client, draft):
    client.force_login(cast.recruiter_a)
    assert client.get(draft.get_absolute_url()).status_code == 404

    response = client.get(preview_url(draft))

    text = response.content.decode()
    assert response.status_code == 200
    assert "Cette offre n'est pas publiée (état : Brouillon) : les candidats ne la voient pas." in text
    assert "<h1" in text and "Brouillon A" in text
    assert '<meta name="robots" content="noindex, nofollow">' in text
    assert "Postuler en ligne" in text  # as it will be once published: open until its deadline


def test_the_change_page_offers_the_preview_and_no_dead_public_link_for_a_draft(cast, client, draft):
    client.force_login(cast.recruiter_a)

    text = client.get(change_url(draft)).content.decode()
    listing = client.get(reverse("admin:postings_posting_changelist")).content.decode()

    assert f'href="{preview_url(draft)}"' in text
    assert 'href="/offres/brouillon-a/"' not in text
    assert f'href="{preview_url(draft)}">Aperçu</a>' in listing
    assert 'href="/offres/brouillon-a/"' not in listing


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("recruiter_a", 200), ("coordinator", 200), ("superuser", 200), ("recruiter_b", 404), (None, 302)],
)
def test_the_preview_is_for_staff_within_their_reach(cast, client, draft, persona, expected):
    if persona:
        client.force_login(getattr(cast, persona))

    response = client.get(preview_url(draft))

    assert response.status_code == expected
    if expected == 302:
        assert "/admin/login/" in response["Location"]


# Buttons -------------------------------------------------------------------------------------------------


def test_the_page_shows_only_the_buttons_its_state_allows(cast, client, draft):
    client.force_login(cast.recruiter_a)

    text = client.get(change_url(draft)).content.decode()
    assert f'action="{move_url(draft, "publish")}"' in text
    assert f'action="{move_url(draft, "close")}"' not in text
    assert "Rouvrir avec une nouvelle date" not in text

    text = client.get(change_url(cast.posting_a)).content.decode()
    assert f'action="{move_url(cast.posting_a, "close")}"' in text
    assert f'action="{move_url(cast.posting_a, "publish")}"' not in text
    assert reverse("admin:postings_posting_reopen", args=[cast.posting_a.pk]) in text


def test_publish_then_close_from_the_postings_page(cast, client, draft):
    client.force_login(cast.recruiter_a)

    response = client.post(move_url(draft, "publish"), follow=True)
    assert response.redirect_chain[-1][0] == change_url(draft)
    assert "« Brouillon A » : Publiée." in response.content.decode()
    assert client.get(draft.get_absolute_url()).status_code == 200

    client.post(move_url(draft, "close"))
    draft.refresh_from_db()
    assert draft.status == Posting.Status.CLOSED
    assert draft.version == 3
    assert list(draft.publication_changes.values_list("changed_by", flat=True)) == [cast.recruiter_a.pk] * 2


def test_a_button_never_changes_state_on_get(cast, client, draft):
    client.force_login(cast.recruiter_a)

    assert client.get(move_url(draft, "publish")).status_code == 405

    draft.refresh_from_db()
    assert draft.status == Posting.Status.DRAFT


def test_a_stale_button_is_refused_by_the_table(cast, client, draft):
    """A page opened before a colleague archived the posting: its Publish button is refused, with why."""
    client.force_login(cast.recruiter_a)
    draft.archive()

    response = client.post(move_url(draft, "publish"), follow=True)

    assert "« Brouillon A » : impossible de publier une offre « Archivée »." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Posting.Status.ARCHIVED


def test_buttons_of_a_posting_out_of_reach_are_404(cast, client):
    client.force_login(cast.recruiter_b)

    assert client.post(move_url(cast.posting_a, "close")).status_code == 404
    assert client.post(reverse("admin:postings_posting_copy", args=[cast.posting_a.pk])).status_code == 404
    cast.posting_a.refresh_from_db()
    assert cast.posting_a.status == Posting.Status.PUBLISHED


def test_reopen_with_a_new_date_from_the_postings_page(cast, client):
    expired = f.expired_posting(session=cast.session, organisations={"host": cast.org_a}, title="Expirée")
    url = reverse("admin:postings_posting_reopen", args=[expired.pk])
    client.force_login(cast.recruiter_a)
    assert "Nouvelle date limite de candidature" in client.get(url).content.decode()

    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"deadline": past})
    assert "La nouvelle date limite doit être dans le futur." in response.content.decode()
    expired.refresh_from_db()
    assert not expired.is_open()

    deadline = (timezone.localtime() + timedelta(days=10)).replace(second=0, microsecond=0)
    response = client.post(url, {"deadline": deadline.strftime("%Y-%m-%dT%H:%M")}, follow=True)
    assert "« Expirée » est rouverte." in response.content.decode()
    expired.refresh_from_db()
    assert (expired.deadline, expired.is_open()) == (deadline, True)
    assert PublicationChange.objects.get(posting=expired).deadline == deadline


def test_list_actions_report_each_refused_posting(cast, client, draft):
    archived = f.archived_posting(
        session=cast.session, organisations={"host": cast.org_a}, title="Archivée A"
    )
    client.force_login(cast.recruiter_a)

    response = client.post(
        reverse("admin:postings_posting_changelist"),
        {"action": "publish", "_selected_action": [draft.pk, archived.pk]},
        follow=True,
    )

    text = response.content.decode()
    assert "1 offre publiée." in text
    assert "« Archivée A » : impossible de publier une offre « Archivée »." in text
    archived.refresh_from_db()
    assert archived.status == Posting.Status.ARCHIVED


def test_the_history_of_moves_is_on_the_postings_page(cast, client, draft):
    client.force_login(cast.recruiter_a)
    client.post(move_url(draft, "publish"))

    text = client.get(change_url(draft)).content.decode()

    assert "Historique de publication" in text
    assert "recruteur-a" in text


# Create from this one ----------------------------------------------------------------------------------


def test_create_a_posting_from_this_one_in_one_click(cast, client):
    client.force_login(cast.recruiter_a)

    response = client.post(reverse("admin:postings_posting_copy", args=[cast.posting_a.pk]))

    copy = Posting.objects.exclude(pk__in=[cast.posting_a.pk, cast.posting_b.pk]).get()
    assert response["Location"] == change_url(copy)
    assert (copy.title, copy.status, copy.deadline, copy.session) == (
        "Mission A",
        Posting.Status.DRAFT,
        None,
        cast.session,
    )
    assert list(copy.organisation_roles.values_list("organisation", "role")) == [(cast.org_a.pk, "host")]
    text = Client().get(copy.get_absolute_url())
    assert text.status_code == 404
