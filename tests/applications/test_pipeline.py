"""The pipeline: every (transition, source state) pair, valid and invalid, and the admin ways to move."""

import pytest
from django.urls import reverse

from applications import pipeline
from applications.models import Application, StatusChange
from tests import factories as f

pytestmark = pytest.mark.django_db

Status = Application.Status

PAIRS = [(t, source) for t in pipeline.TRANSITIONS for source in Status.values]


def test_each_source_and_target_pair_is_one_transition_only():
    pairs = [(source, t.target) for t in pipeline.TRANSITIONS for source in t.sources]
    assert len(pairs) == len(set(pairs))


@pytest.mark.parametrize(("transition", "source"), PAIRS, ids=[f"{t.name}-from-{s}" for t, s in PAIRS])
def test_a_move_is_made_exactly_when_the_table_allows_it(cast, transition, source):
    application = f.make_application(posting=cast.posting_a, status=source)

    # Another row of the table may lead from this source to the same target (rejected → in_review).
    allowed = any(source in t.sources and t.target == transition.target for t in pipeline.TRANSITIONS)
    if allowed:
        change = pipeline.move(application, to=transition.target, by=cast.recruiter_a, note="Vu en réunion")

        application.refresh_from_db()
        assert application.status == transition.target
        assert (change.from_status, change.to_status, change.changed_by, change.note) == (
            source,
            transition.target,
            cast.recruiter_a,
            "Vu en réunion",
        )
    else:
        with pytest.raises(pipeline.InvalidMove, match=application.reference):
            pipeline.move(application, to=transition.target, by=cast.recruiter_a)

        application.refresh_from_db()
        assert application.status == source
        assert not StatusChange.objects.filter(application=application).exists()


def test_a_move_saves_only_the_status_fields(cast):
    application = f.make_application(posting=cast.posting_a)
    Application.objects.filter(pk=application.pk).update(first_name="Changé ailleurs")

    pipeline.move(application, to=Status.IN_REVIEW, by=cast.recruiter_a)

    application.refresh_from_db()
    assert application.first_name == "Changé ailleurs"
    assert application.status == Status.IN_REVIEW


def test_a_move_checks_the_stored_status_not_a_stale_copy(cast):
    application = f.make_application(posting=cast.posting_a)
    stale = Application.objects.get(pk=application.pk)
    pipeline.move(application, to=Status.REJECTED, by=cast.recruiter_a)

    with pytest.raises(pipeline.InvalidMove):
        pipeline.move(stale, to=Status.SHORTLISTED, by=cast.recruiter_b)


def test_an_unknown_status_is_refused_with_a_message(cast):
    application = f.make_application(posting=cast.posting_a)

    with pytest.raises(pipeline.InvalidMove, match="inconnu"):
        pipeline.move(application, to="hired", by=cast.recruiter_a)


def test_the_bulk_action_moves_what_it_can_and_says_what_it_refused(cast, client):
    received = f.make_application(posting=cast.posting_a)
    accepted = f.make_application(posting=cast.posting_a, status=Status.ACCEPTED)
    client.force_login(cast.recruiter_a)

    response = client.post(
        reverse("admin:applications_application_changelist"),
        {"action": "move_to_in_review", "_selected_action": [received.pk, accepted.pk]},
        follow=True,
    )

    received.refresh_from_db()
    accepted.refresh_from_db()
    assert received.status == Status.IN_REVIEW
    assert accepted.status == Status.ACCEPTED
    text = response.content.decode()
    assert "1 candidature déplacée" in text
    assert f"{accepted.reference} ne peut pas passer de « Acceptée » à « En cours d&#x27;examen »" in text


def test_the_bulk_action_ignores_applications_out_of_reach(cast, client):
    theirs = f.make_application(posting=cast.posting_b)
    client.force_login(cast.recruiter_a)

    client.post(
        reverse("admin:applications_application_changelist"),
        {"action": "move_to_rejected", "_selected_action": [theirs.pk]},
    )

    theirs.refresh_from_db()
    assert theirs.status == Status.RECEIVED


def test_the_change_page_moves_with_a_note_and_shows_the_history(cast, client):
    application = f.make_application(posting=cast.posting_a)
    url = reverse("admin:applications_application_change", args=[application.pk])
    client.force_login(cast.recruiter_a)

    response = client.post(
        url,
        {
            "move_to": Status.SHORTLISTED,
            "move_note": "Très bon profil",
            "notes-TOTAL_FORMS": "0",
            "notes-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.SHORTLISTED
    page = client.get(url).content.decode()
    assert "Très bon profil" in page
    assert "recruteur-a" in page
    assert "Présélectionnée" in page


def test_the_change_page_offers_only_the_moves_of_the_table(cast, client):
    application = f.make_application(posting=cast.posting_a, status=Status.OFFERED)
    client.force_login(cast.recruiter_a)

    response = client.get(reverse("admin:applications_application_change", args=[application.pk]))

    choices = [value for value, _ in response.context["adminform"].form.fields["move_to"].choices]
    assert choices == ["", Status.ACCEPTED, Status.DECLINED, Status.REJECTED, Status.WITHDRAWN]


def test_the_change_page_refuses_a_move_the_table_does_not_allow(cast, client):
    application = f.make_application(posting=cast.posting_a)
    client.force_login(cast.recruiter_a)

    response = client.post(
        reverse("admin:applications_application_change", args=[application.pk]),
        {"move_to": Status.ACCEPTED, "notes-TOTAL_FORMS": "0", "notes-INITIAL_FORMS": "0"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["move_to"]
    application.refresh_from_db()
    assert application.status == Status.RECEIVED


@pytest.mark.parametrize("source", Status.values)
def test_a_candidate_can_withdraw_exactly_where_the_table_has_a_withdraw_move(client, cast, source):
    application = f.make_application(posting=cast.posting_a, status=source)
    allowed = pipeline.transition_to(Status.WITHDRAWN, source=source) is not None

    page = client.get(application.get_private_url()).content.decode()
    client.post(reverse("applications:withdraw", kwargs={"uuid": application.uuid}))

    application.refresh_from_db()
    assert ("Retirer ma candidature" in page) == allowed
    assert application.status == (Status.WITHDRAWN if allowed else source)


def test_withdrawing_follows_the_table_when_the_table_changes(client, cast, monkeypatch):
    """The withdraw link and the move read the one table: a status it leaves out cannot be withdrawn."""
    without_offered = tuple(
        pipeline.Transition(t.name, t.label, tuple(s for s in t.sources if s != Status.OFFERED), t.target)
        if t.name == "withdraw"
        else t
        for t in pipeline.TRANSITIONS
    )
    monkeypatch.setattr(pipeline, "TRANSITIONS", without_offered)
    application = f.make_application(posting=cast.posting_a, status=Status.OFFERED)

    page = client.get(application.get_private_url()).content.decode()
    client.post(reverse("applications:withdraw", kwargs={"uuid": application.uuid}))

    application.refresh_from_db()
    assert "Retirer ma candidature" not in page
    assert application.status == Status.OFFERED
    assert not application.status_changes.filter(to_status=Status.WITHDRAWN).exists()


def test_a_withdrawal_is_recorded_by_the_one_writer_with_the_candidates_action_time(client, cast):
    application = f.make_application(posting=cast.posting_a, status=Status.INTERVIEW)

    client.post(reverse("applications:withdraw", kwargs={"uuid": application.uuid}))

    application.refresh_from_db()
    change = application.status_changes.get(to_status=Status.WITHDRAWN)
    assert (change.from_status, change.changed_by) == (Status.INTERVIEW, None)
    assert application.status_changed_at == change.changed_at == application.last_candidate_action_at
