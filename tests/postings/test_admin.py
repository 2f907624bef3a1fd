"""Postings in the back-office: actions, reopen and duplicate pages, the reach rule on every choice, and the
guard against two people saving the same posting."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from organisations.models import Membership
from postings.models import (
    PayComponent,
    Phase,
    Posting,
    PostingLanguage,
    PostingOrganisation,
    PostingRequirement,
)
from tests import factories as f
from tests.admin_forms import form_data

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:postings_posting_changelist"


def change_url(posting):
    return reverse("admin:postings_posting_change", args=[posting.pk])


def act(client, action, postings, **data):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [p.pk for p in postings], **data},
        follow=True,
    )


# Actions ----------------------------------------------------------------------------------------------


def test_publish_close_and_archive_call_the_posting_transitions(cast, client):
    draft = f.draft_posting(session=cast.session, organisations={"host": cast.org_a})
    client.force_login(cast.recruiter_a)

    act(client, "publish", [draft])
    draft.refresh_from_db()
    assert draft.status == Posting.Status.PUBLISHED
    assert draft.published_at is not None

    act(client, "close", [draft])
    draft.refresh_from_db()
    assert draft.status == Posting.Status.CLOSED

    response = act(client, "archive", [draft])
    draft.refresh_from_db()
    assert draft.status == Posting.Status.ARCHIVED
    assert "1 offre archivée." in response.content.decode()


def test_actions_never_touch_postings_out_of_reach(cast, client):
    client.force_login(cast.recruiter_a)

    act(client, "close", [cast.posting_b])

    cast.posting_b.refresh_from_db()
    assert cast.posting_b.status == Posting.Status.PUBLISHED


def test_reopen_asks_for_the_new_deadline_first(cast, client):
    closed = f.closed_posting(session=cast.session, organisations={"host": cast.org_a})
    client.force_login(cast.recruiter_a)

    response = act(client, "reopen", [closed])

    assert response.status_code == 200
    assert "Nouvelle date limite de candidature" in response.content.decode()
    closed.refresh_from_db()
    assert closed.status == Posting.Status.CLOSED


def test_reopen_refuses_a_past_deadline_with_a_message(cast, client):
    closed = f.closed_posting(session=cast.session, organisations={"host": cast.org_a})
    client.force_login(cast.recruiter_a)
    yesterday = timezone.localtime() - timedelta(days=1)

    response = act(client, "reopen", [closed], apply="1", deadline=yesterday.strftime("%Y-%m-%dT%H:%M"))

    text = response.content.decode()
    assert "La nouvelle date limite doit être dans le futur." in text
    assert "La date limite n&#x27;a pas été acceptée" in text
    closed.refresh_from_db()
    assert closed.status == Posting.Status.CLOSED


def test_reopen_publishes_again_until_the_new_deadline(cast, client):
    expired = f.expired_posting(session=cast.session, organisations={"host": cast.org_a})
    client.force_login(cast.recruiter_a)
    deadline = (timezone.localtime() + timedelta(days=10)).replace(second=0, microsecond=0)

    response = act(client, "reopen", [expired], apply="1", deadline=deadline.strftime("%Y-%m-%dT%H:%M"))

    assert "1 offre rouverte" in response.content.decode()
    expired.refresh_from_db()
    assert expired.status == Posting.Status.PUBLISHED
    assert expired.deadline == deadline
    assert expired.is_open()


def test_duplicate_offers_only_sessions_in_reach(cast, client):
    foreign = f.make_session(programme=f.make_programme(), name="Session d'un autre programme")
    client.force_login(cast.recruiter_a)

    response = act(client, "duplicate", [cast.posting_a])

    sessions = set(response.context["form"].fields["session"].queryset)
    assert cast.session in sessions
    assert foreign not in sessions
    response = act(client, "duplicate", [cast.posting_a], apply="1", session=foreign.pk)
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert Posting.objects.count() == 2


def test_duplicate_copies_every_part_as_a_draft_with_a_new_slug(cast, client):
    posting = cast.posting_a
    partner = f.make_organisation(name="Partenaire local")
    PostingOrganisation.objects.create(posting=posting, organisation=partner, role="local_partner", order=1)
    PostingRequirement.objects.create(posting=posting, kind="driving_licence")
    PayComponent.objects.create(posting=posting, label="Part de l'État", amount="507.20")
    Phase.objects.create(
        posting=posting, kind="field", starts_on=timezone.localdate(), ends_on=timezone.localdate()
    )
    posting.themes.set([f.make_theme("Migrations")])
    next_session = f.make_session(programme=cast.programme, name="Session 31", slug="session-31")
    client.force_login(cast.recruiter_a)

    response = act(client, "duplicate", [posting], apply="1", session=next_session.pk)
    act(client, "duplicate", [posting], apply="1", session=next_session.pk)

    copies = Posting.objects.filter(session=next_session).order_by("pk")
    assert [c.slug for c in copies] == ["mission-a-session-31", "mission-a-session-31-2"]
    copy = copies[0]
    assert "Brouillon créé pour" in response.content.decode()
    assert (copy.status, copy.published_at, copy.deadline, copy.title) == (
        Posting.Status.DRAFT,
        None,
        None,
        "Mission A",
    )
    assert set(copy.organisation_roles.values_list("organisation", "role")) == {
        (cast.org_a.pk, "host"),
        (partner.pk, "local_partner"),
    }
    assert list(copy.locations.values_list("city", flat=True)) == ["Bruxelles"]
    assert list(copy.languages.values_list("language", flat=True)) == ["fr"]
    assert list(copy.requirements.values_list("kind", flat=True)) == ["driving_licence"]
    assert list(copy.pay_components.values_list("label", flat=True)) == ["Part de l'État"]
    assert copy.own_phases.count() == 1
    assert [t.name for t in copy.themes.all()] == ["Migrations"]
    # The original is untouched.
    assert posting.organisation_roles.count() == 2
    assert PostingLanguage.objects.filter(posting=posting).count() == 1
    assert copy in Posting.objects.visible_to(cast.recruiter_a)


# Creating and editing ---------------------------------------------------------------------------------


def posting_form(client, url):
    return form_data(client.get(url), "posting_form")


def test_a_recruiter_cannot_create_a_posting_outside_their_organisation(cast, client):
    client.force_login(cast.recruiter_a)
    data = posting_form(client, reverse("admin:postings_posting_add"))
    data.update(
        {
            "title": "Mission sans organisation",
            "slug": "mission-sans-organisation",
            "kind": "volunteer",
            "scheme": "service_civique",
            "organisation_roles-0-organisation": "",
        }
    )

    response = client.post(reverse("admin:postings_posting_add"), data)

    assert response.status_code == 200
    assert "Ajoutez l&#x27;une de vos organisations dans un rôle" in response.content.decode()
    assert not Posting.objects.filter(slug="mission-sans-organisation").exists()


def test_a_recruiter_creates_a_posting_linked_to_their_organisation(cast, client):
    client.force_login(cast.recruiter_a)
    data = posting_form(client, reverse("admin:postings_posting_add"))
    data.update(
        {
            "title": "Nouvelle mission",
            "slug": "nouvelle-mission",
            "kind": "volunteer",
            "scheme": "service_civique",
            "session": cast.session.pk,
            "organisation_roles-0-organisation": cast.org_a.pk,
            "organisation_roles-0-role": "host",
        }
    )

    response = client.post(reverse("admin:postings_posting_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    posting = Posting.objects.get(slug="nouvelle-mission")
    assert posting.status == Posting.Status.DRAFT
    assert posting in Posting.objects.visible_to(cast.recruiter_a)
    assert posting not in Posting.objects.visible_to(cast.recruiter_b)


def test_organisation_choices_never_offer_another_organisation(cast, client):
    partner_of_b = f.make_organisation(name="Partenaire de B")
    PostingOrganisation.objects.create(
        posting=cast.posting_b, organisation=partner_of_b, role="local_partner"
    )
    client.force_login(cast.recruiter_a)

    response = client.get(change_url(cast.posting_a))

    formset = next(
        fs for fs in response.context["inline_admin_formsets"] if fs.formset.model is PostingOrganisation
    )
    choices = set(formset.formset.forms[0].fields["organisation"].queryset)
    assert choices == {cast.org_a}


def test_a_recruiter_cannot_attach_another_organisation_by_forging_the_form(cast, client):
    client.force_login(cast.recruiter_a)
    data = posting_form(client, change_url(cast.posting_a))
    data.update(
        {"organisation_roles-1-organisation": cast.org_b.pk, "organisation_roles-1-role": "local_partner"}
    )

    response = client.post(change_url(cast.posting_a), data)

    assert response.status_code == 200
    assert not cast.posting_a.organisation_roles.filter(organisation=cast.org_b).exists()


def test_partners_already_on_a_posting_stay_choosable(cast, client):
    partner = f.make_organisation(name="Partenaire déjà là")
    PostingOrganisation.objects.create(
        posting=cast.posting_a, organisation=partner, role="local_partner", order=1
    )
    client.force_login(cast.recruiter_a)
    data = posting_form(client, change_url(cast.posting_a))
    data["title"] = "Mission A (modifiée)"

    response = client.post(change_url(cast.posting_a), data)

    assert response.status_code == 302
    cast.posting_a.refresh_from_db()
    assert cast.posting_a.title == "Mission A (modifiée)"
    assert cast.posting_a.organisation_roles.filter(organisation=partner).exists()


def test_session_choices_and_filters_only_list_what_is_in_reach(cast, client):
    other = f.make_session(programme=f.make_programme(), name="Session étrangère")
    f.published_posting(session=other, organisations={"host": cast.org_b})
    client.force_login(cast.recruiter_a)

    form = client.get(change_url(cast.posting_a)).context["adminform"].form
    assert set(form.fields["session"].queryset) == {cast.session}

    response = client.get(reverse(CHANGELIST))
    text = response.content.decode()
    assert "Session étrangère" not in text
    assert "Organisation B" not in text
    assert list(response.context["cl"].result_list) == [cast.posting_a]


def test_autocomplete_never_lists_another_organisations_objects(cast, client):
    f.make_session(programme=f.make_programme(), name="Session étrangère")
    client.force_login(cast.recruiter_a)

    organisations = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "postings",
            "model_name": "postingorganisation",
            "field_name": "organisation",
            "term": "Organ",
        },
    ).json()
    sessions = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "postings", "model_name": "posting", "field_name": "session", "term": "Session"},
    ).json()

    assert [r["text"] for r in organisations["results"]] == ["Organisation A"]
    assert [r["text"] for r in sessions["results"]] == [str(cast.session)]


# The concurrent-edit guard ----------------------------------------------------------------------------


def test_a_stale_form_is_refused_and_changes_nothing(cast, client):
    colleague = f.make_staff("recruteur-a2", organisation=cast.org_a, role=Membership.Role.RECRUITER)
    from django.test import Client

    other_client = Client()
    client.force_login(cast.recruiter_a)
    other_client.force_login(colleague)
    mine = posting_form(client, change_url(cast.posting_a))
    theirs = posting_form(other_client, change_url(cast.posting_a))

    theirs["title"] = "Titre de la collègue"
    assert other_client.post(change_url(cast.posting_a), theirs).status_code == 302
    mine["title"] = "Mon titre"
    mine["summary"] = "Mon résumé"
    response = client.post(change_url(cast.posting_a), mine)

    assert response.status_code == 200
    assert (
        "Cette offre a été modifiée par quelqu&#x27;un d&#x27;autre depuis que vous l&#x27;avez ouverte"
        in (response.content.decode())
    )
    cast.posting_a.refresh_from_db()
    assert cast.posting_a.title == "Titre de la collègue"
    assert cast.posting_a.summary != "Mon résumé"
    assert cast.posting_a.version == 2


def test_each_successful_save_increments_the_version(cast, client):
    client.force_login(cast.recruiter_a)
    for expected in (2, 3):
        data = posting_form(client, change_url(cast.posting_a))
        assert data["loaded_version"] == str(expected - 1)
        assert client.post(change_url(cast.posting_a), data).status_code == 302
        cast.posting_a.refresh_from_db()
        assert cast.posting_a.version == expected


def test_a_form_without_its_version_is_refused(cast, client):
    client.force_login(cast.recruiter_a)
    data = posting_form(client, change_url(cast.posting_a))
    del data["loaded_version"]
    data["title"] = "Sans version"

    assert client.post(change_url(cast.posting_a), data).status_code == 200
    cast.posting_a.refresh_from_db()
    assert cast.posting_a.title == "Mission A"


# Preview link -----------------------------------------------------------------------------------------


def test_the_changelist_links_each_posting_to_its_public_page(cast, client):
    client.force_login(cast.recruiter_a)
    text = client.get(reverse(CHANGELIST)).content.decode()

    assert 'href="/offres/mission-a/"' in text
    assert "Voir sur le site" in text


def test_a_recruiter_sets_the_end_of_the_selection_that_starts_the_retention_clock(cast, client):
    client.force_login(cast.recruiter_a)
    data = posting_form(client, change_url(cast.posting_a))
    data["selection_ends_on"] = "2027-03-31"

    assert client.post(change_url(cast.posting_a), data).status_code == 302

    cast.posting_a.refresh_from_db()
    assert str(cast.posting_a.selection_ends_on) == "2027-03-31"


def test_a_form_opened_before_a_colleague_reopened_the_posting_is_refused(cast, client):
    """The lost update of issue 15: the reopen action must bump the version the change form guards."""
    from django.test import Client

    expired = f.expired_posting(session=cast.session, organisations={"host": cast.org_a})
    old_deadline = expired.deadline
    colleague = f.make_staff("recruteur-a2", organisation=cast.org_a, role=Membership.Role.RECRUITER)
    other_client = Client()
    other_client.force_login(colleague)
    client.force_login(cast.recruiter_a)
    stale = posting_form(client, change_url(expired))
    new_deadline = (timezone.localtime() + timedelta(days=10)).replace(second=0, microsecond=0)

    act(other_client, "reopen", [expired], apply="1", deadline=new_deadline.strftime("%Y-%m-%dT%H:%M"))
    stale["summary"] = "Résumé retouché"
    response = client.post(change_url(expired), stale)

    assert response.status_code == 200
    assert "Cette offre a été modifiée par quelqu&#x27;un d&#x27;autre" in response.content.decode()
    expired.refresh_from_db()
    assert expired.deadline == new_deadline != old_deadline
    assert expired.summary != "Résumé retouché"
