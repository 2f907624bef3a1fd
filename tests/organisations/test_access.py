"""The access rules, one QuerySet method per object type, and the groups that carry model permissions."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from applications.models import Application
from organisations.access import sync_backoffice_groups
from organisations.models import Membership, Organisation
from postings.models import Posting, PostingOrganisation, Programme, Session
from tests import factories as f
from tests.admin_forms import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_programme(cast):
    """A second programme, run by another operator, where only organisation B has a posting."""
    programme = f.make_programme(name="Autre programme")
    session = f.make_session(programme=programme, name="Session B seule")
    posting = f.published_posting(session=session, organisations={"host": cast.org_b})
    return programme, session, posting


def test_a_recruiter_reaches_only_postings_where_their_organisation_has_a_role(cast, other_programme):
    assert set(Posting.objects.visible_to(cast.recruiter_a)) == {cast.posting_a}
    assert set(Posting.objects.visible_to(cast.recruiter_b)) == {cast.posting_b, other_programme[2]}


def test_a_coordinator_reaches_every_posting_of_the_programme_they_operate(cast, other_programme):
    assert set(Posting.objects.visible_to(cast.coordinator)) == {cast.posting_a, cast.posting_b}


def test_a_coordinator_also_reaches_postings_where_their_organisation_has_a_role(cast, other_programme):
    partner = f.published_posting(session=other_programme[1], organisations={"sending": cast.operator})

    assert partner in Posting.objects.visible_to(cast.coordinator)


def test_drafts_of_a_programme_are_in_a_coordinators_reach(cast):
    draft = f.draft_posting(session=cast.session)

    assert draft in Posting.objects.visible_to(cast.coordinator)
    assert draft not in Posting.objects.visible_to(cast.recruiter_a)


def test_superusers_reach_everything_and_strangers_nothing(cast, other_programme):
    stranger = f.make_user(is_staff=True)
    inactive = f.make_staff(organisation=cast.org_a, is_active=False)

    assert Posting.objects.visible_to(cast.superuser).count() == Posting.objects.count() == 3
    assert not Posting.objects.visible_to(stranger).exists()
    assert not Posting.objects.visible_to(inactive).exists()


def test_applications_follow_the_posting_rule(cast):
    app_a = f.make_application(posting=cast.posting_a)
    app_b = f.make_application(posting=cast.posting_b)

    assert list(Application.objects.visible_to(cast.recruiter_a)) == [app_a]
    assert list(Application.objects.visible_to(cast.recruiter_b)) == [app_b]
    assert set(Application.objects.visible_to(cast.coordinator)) == {app_a, app_b}


def test_organisations_in_reach_are_ones_own_and_those_on_postings_in_reach(cast):
    partner = f.make_organisation(name="Partenaire local de A")
    f.published_posting(session=cast.session, organisations={"host": cast.org_a, "local_partner": partner})

    assert set(Organisation.objects.visible_to(cast.recruiter_a)) == {cast.org_a, partner}
    assert set(Organisation.objects.visible_to(cast.recruiter_b)) == {cast.org_b}
    assert set(Organisation.objects.visible_to(cast.coordinator)) == {
        cast.operator,
        cast.org_a,
        cast.org_b,
        partner,
    }


def test_a_recruiter_attaches_only_their_own_organisations(cast):
    partner = f.make_organisation(name="Partenaire local de B")
    f.published_posting(session=cast.session, organisations={"host": cast.org_b, "local_partner": partner})

    assert set(Organisation.objects.attachable_by(cast.recruiter_a)) == {cast.org_a}
    assert set(Organisation.objects.attachable_by(cast.coordinator)) == set(
        Organisation.objects.visible_to(cast.coordinator)
    )


def test_sessions_and_programmes_in_reach(cast, other_programme):
    programme_b, session_b, _ = other_programme

    assert set(Session.objects.visible_to(cast.recruiter_a)) == {cast.session}
    assert set(Session.objects.visible_to(cast.recruiter_b)) == {cast.session, session_b}
    assert set(Programme.objects.visible_to(cast.recruiter_a)) == {cast.programme}
    assert set(Programme.objects.visible_to(cast.coordinator)) == {cast.programme}
    assert set(Programme.objects.coordinated_by(cast.coordinator)) == {cast.programme}
    assert not Programme.objects.coordinated_by(cast.recruiter_b).exists()


def test_the_migration_creates_both_groups_with_model_permissions(db):
    recruiters = set(
        Group.objects.get(name="Recruteurs").permissions.values_list("content_type__app_label", "codename")
    )
    coordinators = set(
        Group.objects.get(name="Coordinateurs").permissions.values_list("content_type__app_label", "codename")
    )

    assert {
        ("postings", "add_posting"),
        ("postings", "change_posting"),
        ("applications", "view_application"),
    } <= recruiters
    assert ("applications", "add_application") not in recruiters
    assert ("postings", "delete_posting") not in recruiters
    assert ("applications", "change_replytemplate") not in recruiters
    assert recruiters < coordinators
    assert {
        ("postings", "delete_posting"),
        ("postings", "add_session"),
        ("applications", "change_replytemplate"),
    } <= coordinators
    assert not any(codename.endswith("_membership") for _, codename in coordinators)


def test_a_users_groups_follow_their_memberships(cast):
    user = f.make_user(is_staff=True)
    Membership.objects.create(user=user, organisation=cast.org_a, role=Membership.Role.RECRUITER)
    sync_backoffice_groups(user)
    assert set(user.groups.values_list("name", flat=True)) == {"Recruteurs"}

    Membership.objects.filter(user=user).update(role=Membership.Role.COORDINATOR)
    sync_backoffice_groups(user)
    assert set(user.groups.values_list("name", flat=True)) == {"Coordinateurs"}
    assert user.has_perm("applications.change_replytemplate")


def test_a_membership_added_in_the_admin_puts_the_user_in_the_group(cast, client):
    newcomer = f.make_user("nouvelle-recrue", is_staff=True)
    url = reverse("admin:organisations_organisation_change", args=[cast.org_a.pk])
    client.force_login(cast.superuser)
    data = form_data(client.get(url), "organisation_form")
    data.update(
        {
            "memberships-TOTAL_FORMS": "1",
            "memberships-0-user": newcomer.pk,
            "memberships-0-role": Membership.Role.RECRUITER,
        }
    )

    assert client.post(url, data).status_code == 302

    assert list(newcomer.groups.values_list("name", flat=True)) == ["Recruteurs"]
    assert newcomer.has_perm("postings.change_posting")
    assert set(Posting.objects.visible_to(newcomer)) == {cast.posting_a}


@pytest.mark.parametrize("persona", ["coordinator", "recruiter_a", "recruiter_b", "superuser"])
def test_a_logged_in_user_with_memberships_read_up_front_reaches_the_same_rows(
    cast, other_programme, persona
):
    # The login backend loads the memberships with the user (config/auth.py); the rules then use literal ids
    # instead of subqueries. Both must reach exactly the same rows.
    from config.auth import PasserelleModelBackend

    # A second membership, coordinator elsewhere, so that both lists have something to lose.
    Membership.objects.create(
        user=cast.recruiter_b, organisation=cast.org_a, role=Membership.Role.COORDINATOR
    )
    f.make_application(posting=cast.posting_a)
    f.make_application(posting=other_programme[2])
    plain = getattr(cast, persona)
    loaded = PasserelleModelBackend().get_user(plain.pk)
    assert hasattr(loaded, "membership_list") and not hasattr(plain, "membership_list")

    for model in (Posting, Organisation, Application, Session, Programme):
        assert set(model.objects.visible_to(loaded)) == set(model.objects.visible_to(plain)), model


@pytest.mark.parametrize("persona", ["recruiter_a", "recruiter_b", "coordinator", "superuser"])
def test_organisations_in_reach_follow_the_postings_rule_for_every_persona(cast, other_programme, persona):
    """One reach rule: the organisations on postings in reach are exactly those of Posting.objects.visible_to."""
    user = getattr(cast, persona)
    partner = f.make_organisation(name="Partenaire local de A")
    f.published_posting(session=cast.session, organisations={"host": cast.org_a, "local_partner": partner})

    expected = {
        link.organisation
        for link in PostingOrganisation.objects.filter(posting__in=Posting.objects.visible_to(user))
    } | {m.organisation for m in user.memberships.all()}
    if user.is_superuser:
        expected = set(Organisation.objects.all())

    assert set(Organisation.objects.visible_to(user)) == expected
