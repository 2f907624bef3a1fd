"""Publication states, pair by pair: every transition from every state either moves (status, version, log)
or is refused with a message and changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from postings import transitions
from postings.models import Posting, PublicationChange
from tests import factories as f

pytestmark = pytest.mark.django_db

Status = Posting.Status
PAIRS = [(t, source) for t in transitions.TRANSITIONS for source in Status.values]


@pytest.mark.parametrize(
    ("transition", "source"), PAIRS, ids=[f"{t.name}-from-{source}" for t, source in PAIRS]
)
def test_each_transition_from_each_state(transition, source):
    posting = f.make_posting(status=source)
    user = f.make_user()
    deadline = (timezone.now() + timedelta(days=20)).replace(microsecond=0)
    arguments = {"deadline": deadline} if transition.needs_deadline else {}

    if source in transition.sources:
        change = transitions.move(posting, transition.name, by=user, **arguments)
        saved = Posting.objects.get(pk=posting.pk)
        assert saved.status == posting.status == transition.target
        assert saved.version == posting.version == 2
        assert (change.from_status, change.to_status, change.changed_by, change.transition) == (
            source,
            transition.target,
            user,
            transition.name,
        )
        if transition.needs_deadline:
            assert saved.deadline == change.deadline == deadline
    else:
        with pytest.raises(transitions.InvalidMove) as refused:
            transitions.move(posting, transition.name, by=user, **arguments)
        label = Status(source).label
        assert refused.value.message == (
            f"« {posting.title} » : impossible de {transition.verb} une offre « {label} »."
        )
        saved = Posting.objects.get(pk=posting.pk)
        assert (saved.status, saved.version) == (source, 1)
        assert not PublicationChange.objects.exists()


def test_the_table_names_the_rules_of_the_issue():
    allowed = {(t.name, source) for t, source in PAIRS if source in t.sources}

    assert ("publish", Status.ARCHIVED) not in allowed
    assert ("close", Status.DRAFT) not in allowed
    assert ("reopen", Status.DRAFT) not in allowed
    assert ("reopen", Status.ARCHIVED) not in allowed
    assert ("publish", Status.DRAFT) in allowed
    assert ("reopen", Status.CLOSED) in allowed


def test_publishing_keeps_the_first_publication_date():
    posting = f.closed_posting()
    first = posting.published_at

    posting.reopen(deadline=timezone.now() + timedelta(days=3))

    assert Posting.objects.get(pk=posting.pk).published_at == first


def test_a_draft_past_its_deadline_is_not_published():
    posting = f.draft_posting(deadline=timezone.now() - timedelta(days=1))

    with pytest.raises(transitions.InvalidMove, match="est passée. Changez-la dans le formulaire"):
        posting.publish()

    assert Posting.objects.get(pk=posting.pk).status == Status.DRAFT


def test_a_draft_without_a_deadline_may_be_published():
    posting = f.draft_posting(deadline=None)

    posting.publish()

    assert Posting.objects.get(pk=posting.pk).is_open()


def test_reopen_refuses_a_deadline_in_the_past_or_none():
    posting = f.closed_posting()

    for deadline in (timezone.now() - timedelta(hours=1), None):
        with pytest.raises(transitions.InvalidMove, match="la nouvelle date limite doit être dans le futur"):
            posting.reopen(deadline=deadline)

    assert Posting.objects.get(pk=posting.pk).status == Status.CLOSED


def test_a_move_reads_the_state_another_person_left():
    """Two people close the same posting from pages opened at the same time: the second is refused."""
    posting = f.published_posting()
    seen_by_the_second = Posting.objects.get(pk=posting.pk)
    posting.close()

    with pytest.raises(transitions.InvalidMove, match="impossible de clôturer une offre « Clôturée »"):
        seen_by_the_second.close()

    assert PublicationChange.objects.filter(posting=posting).count() == 1


def test_the_history_lists_every_move_in_order():
    posting = f.draft_posting()
    user = f.make_user()

    posting.publish(by=user)
    posting.close(by=user)
    posting.reopen(deadline=timezone.now() + timedelta(days=5), by=user)
    posting.archive(by=user)

    moves = list(posting.publication_changes.values_list("from_status", "to_status"))
    assert moves == [
        (Status.DRAFT, Status.PUBLISHED),
        (Status.PUBLISHED, Status.CLOSED),
        (Status.CLOSED, Status.PUBLISHED),
        (Status.PUBLISHED, Status.ARCHIVED),
    ]
    assert Posting.objects.get(pk=posting.pk).version == 5
