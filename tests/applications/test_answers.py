"""Answer every candidate: one email each in their language, recorded, the reason only when shared."""

import smtplib
from datetime import timedelta
from html import unescape
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from applications import answers
from applications.models import Answer, Application, Outcome, OutgoingEmail, RefusalReason, ReplyTemplate
from organisations.models import Membership
from tests import factories as f

# Answers go through the outbox; the immediate backend sends them as soon as the transaction commits.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_tasks")]

CHANGELIST = "admin:applications_application_changelist"


def answer(client, applications, **data):
    return client.post(
        reverse(CHANGELIST),
        {
            "action": "answer_candidates",
            "_selected_action": [a.pk for a in applications],
            "apply": "1",
            **data,
        },
        follow=True,
    )


def test_the_seeded_templates_cover_every_outcome_in_french_english_and_dutch(db):
    seeded = set(ReplyTemplate.objects.values_list("outcome", "language"))

    assert seeded == {(outcome, language) for outcome in Outcome.values for language in ("fr", "en", "nl")}


def test_the_action_first_asks_for_the_outcome(cast, client):
    application = f.make_application(posting=cast.posting_a)
    client.force_login(cast.recruiter_a)

    response = client.post(
        reverse(CHANGELIST), {"action": "answer_candidates", "_selected_action": [application.pk]}
    )

    assert response.status_code == 200
    assert "Envoyer les réponses" in response.content.decode()
    assert not mail.outbox
    application.refresh_from_db()
    assert application.answered_at is None


def test_each_candidate_gets_one_email_in_their_language(cast, client, django_capture_on_commit_callbacks):
    fr = f.make_application(posting=cast.posting_a, language="fr", first_name="Aurélie")
    en = f.make_application(posting=cast.posting_a, language="en", first_name="Grace")
    nl = f.make_application(posting=cast.posting_a, language="nl", first_name="Sanne")
    client.force_login(cast.recruiter_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = answer(client, [fr, en, nl], outcome=Outcome.ACKNOWLEDGEMENT)

    assert "3 réponses envoyées" in response.content.decode()
    sent = {message.to[0]: message for message in mail.outbox}
    assert len(mail.outbox) == 3
    assert sent[fr.email].subject == f"Nous avons bien reçu votre candidature – Mission A ({fr.reference})"
    assert sent[fr.email].body.startswith("Bonjour Aurélie,")
    assert sent[en.email].subject == f"We have received your application – Mission A ({en.reference})"
    assert sent[en.email].body.startswith("Dear Grace,")
    assert "Organisation A" in sent[en.email].body
    assert sent[nl.email].subject == f"Wij hebben uw sollicitatie ontvangen – Mission A ({nl.reference})"
    assert sent[nl.email].body.startswith("Beste Sanne,")
    for application in (fr, en, nl):
        application.refresh_from_db()
        assert application.answered_at is not None
        assert application.status == Application.Status.RECEIVED  # an acknowledgement moves nothing
        recorded = Answer.objects.get(application=application)
        assert (recorded.outcome, recorded.language, recorded.sent_by) == (
            Outcome.ACKNOWLEDGEMENT,
            application.language,
            cast.recruiter_a,
        )
        assert recorded.body == sent[application.email].body


def test_a_language_without_templates_falls_back_to_french(cast, client, django_capture_on_commit_callbacks):
    application = f.make_application(
        posting=cast.posting_a, language="de", first_name="Lena", status=Application.Status.IN_REVIEW
    )
    client.force_login(cast.recruiter_a)

    with django_capture_on_commit_callbacks(execute=True):
        answer(client, [application], outcome=Outcome.INTERVIEW)

    assert mail.outbox[0].subject == "Invitation à un entretien – Mission A"
    assert Answer.objects.get(application=application).language == "fr"
    application.refresh_from_db()
    assert application.status == Application.Status.INTERVIEW


def test_a_shared_refusal_reason_is_in_the_email(cast, client, django_capture_on_commit_callbacks):
    application = f.make_application(posting=cast.posting_a, language="en")
    client.force_login(cast.recruiter_a)

    with django_capture_on_commit_callbacks(execute=True):
        answer(
            client,
            [application],
            outcome=Outcome.REJECTED,
            refusal_reason=RefusalReason.LANGUAGE,
            share_reason="on",
        )

    assert "Reason: The language level required for the position is not reached." in mail.outbox[0].body
    recorded = Answer.objects.get(application=application)
    assert (recorded.refusal_reason, recorded.reason_shared) == (RefusalReason.LANGUAGE, True)
    application.refresh_from_db()
    assert application.status == Application.Status.REJECTED


def test_a_refusal_reason_not_shared_stays_out_of_the_email(cast, client, django_capture_on_commit_callbacks):
    application = f.make_application(posting=cast.posting_a, language="nl")
    client.force_login(cast.recruiter_a)

    with django_capture_on_commit_callbacks(execute=True):
        answer(client, [application], outcome=Outcome.REJECTED, refusal_reason=RefusalReason.LANGUAGE)

    body = mail.outbox[0].body
    assert mail.outbox[0].subject == 'Uw sollicitatie voor "Mission A"'
    assert "Reden" not in body and "taalniveau" not in body
    recorded = Answer.objects.get(application=application)
    assert (recorded.refusal_reason, recorded.reason_shared) == (RefusalReason.LANGUAGE, False)


def test_a_reason_goes_only_with_a_refusal(cast, client):
    application = f.make_application(posting=cast.posting_a)
    client.force_login(cast.recruiter_a)

    response = answer(
        client, [application], outcome=Outcome.SHORTLISTED, refusal_reason=RefusalReason.PROFILE
    )

    assert "Un motif de refus ne va qu&#x27;avec une réponse négative." in response.content.decode()
    assert not Answer.objects.exists()


def test_an_application_that_cannot_take_the_outcome_is_skipped_and_reported(
    cast, client, django_capture_on_commit_callbacks
):
    accepted = f.make_application(posting=cast.posting_a, status=Application.Status.ACCEPTED)
    fresh = f.make_application(posting=cast.posting_a)
    client.force_login(cast.recruiter_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = answer(client, [accepted, fresh], outcome=Outcome.REJECTED)

    assert [m.to[0] for m in mail.outbox] == [fresh.email]
    assert f"Pas de réponse à {accepted.reference}" in response.content.decode()
    accepted.refresh_from_db()
    assert accepted.answered_at is None
    assert accepted.status == Application.Status.ACCEPTED
    assert not Answer.objects.filter(application=accepted).exists()


def test_nothing_is_sent_to_candidates_out_of_reach(cast, client, django_capture_on_commit_callbacks):
    theirs = f.make_application(posting=cast.posting_b)
    client.force_login(cast.recruiter_a)

    with django_capture_on_commit_callbacks(execute=True):
        answer(client, [theirs], outcome=Outcome.REJECTED)

    assert not mail.outbox
    assert not Answer.objects.exists()


def test_the_list_shows_and_filters_who_has_not_been_answered(
    cast, client, django_capture_on_commit_callbacks
):
    answered = f.make_application(posting=cast.posting_a)
    waiting = f.make_application(posting=cast.posting_a)
    client.force_login(cast.recruiter_a)
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, [answered], outcome=Outcome.ACKNOWLEDGEMENT)

    response = client.get(reverse(CHANGELIST), {"answered": "no"})

    assert list(response.context["cl"].result_list) == [waiting]
    assert "jamais répondu" in response.content.decode()
    response = client.get(reverse(CHANGELIST), {"answered": "yes"})
    assert list(response.context["cl"].result_list) == [answered]
    # Answered today: said as a person would, not "il y a 0 jour" (issue 13).
    assert "<td class=\"field-last_answer\">aujourd&#x27;hui</td>" in response.content.decode()


def test_a_template_with_an_unknown_placeholder_is_refused():
    template = ReplyTemplate(
        outcome=Outcome.OFFERED, language="fr", subject="Offre {posting}", body="Bonjour {prenom}"
    )

    with pytest.raises(ValidationError) as error:
        template.clean()
    assert "body" in error.value.message_dict
    assert "{prenom}" in error.value.message_dict["body"][0]


# Reply templates belong to someone ---------------------------------------------------------------------------

TEMPLATES = "admin:applications_replytemplate_changelist"
ADD_TEMPLATE = "admin:applications_replytemplate_add"
PHISHING = "Votre dossier est bloqué : confirmez vos données sur https://passerelle-verif.example/"


def template_data(**overrides):
    return {
        "outcome": Outcome.ACKNOWLEDGEMENT,
        "language": "fr",
        "organisation": "",
        "programme": "",
        "subject": "Candidature {reference}",
        "body": "Bonjour {first_name}",
        **overrides,
    }


def change_url(template):
    return reverse("admin:applications_replytemplate_change", args=[template.pk])


@pytest.fixture
def outsider(cast):
    """A coordinator of another operator and programme, with no posting shared with organisations A and B."""
    operator = f.make_organisation(name="Autre opérateur", slug="autre-operateur")
    programme = f.make_programme(operator=operator, name="Autre programme", slug="autre-programme")
    session = f.make_session(programme=programme, name="Session 1", slug="autre-session-1")
    posting = f.published_posting(
        session=session, organisations={"host": operator}, title="Mission C", slug="mission-c"
    )
    coordinator = f.make_staff(
        "coordination-externe", organisation=operator, role=Membership.Role.COORDINATOR
    )
    recruiter = f.make_staff("recruteur-c", organisation=operator)
    return SimpleNamespace(
        operator=operator, programme=programme, posting=posting, coordinator=coordinator, recruiter=recruiter
    )


def test_an_unrelated_coordinator_cannot_rewrite_the_text_another_organisation_sends(
    cast, outsider, client, django_capture_on_commit_callbacks
):
    site_template = ReplyTemplate.objects.get(outcome=Outcome.ACKNOWLEDGEMENT, language="fr")
    client.force_login(outsider.coordinator)

    response = client.post(change_url(site_template), template_data(body=PHISHING))

    assert response.status_code == 403
    site_template.refresh_from_db()
    assert "passerelle-verif" not in site_template.body
    application = f.make_application(posting=cast.posting_b, language="fr", first_name="Amina")
    client.force_login(cast.recruiter_b)
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, [application], outcome=Outcome.ACKNOWLEDGEMENT)
    assert mail.outbox[0].body.startswith("Bonjour Amina,")
    assert "passerelle-verif" not in mail.outbox[0].body


@pytest.mark.parametrize("persona", ["recruiter_a", "coordinator"])
def test_only_superusers_change_the_site_templates(cast, client, persona):
    template = ReplyTemplate.objects.get(outcome=Outcome.OFFERED, language="fr")
    data = template_data(outcome=Outcome.OFFERED, subject="Bonne nouvelle, {first_name}")

    client.force_login(getattr(cast, persona))
    page = client.get(change_url(template))
    assert page.status_code == 200  # they may read the text they send
    assert 'name="_save"' not in page.content.decode()
    assert client.post(change_url(template), data).status_code == 403
    template.refresh_from_db()
    assert template.subject != "Bonne nouvelle, {first_name}"

    client.force_login(cast.superuser)
    assert client.post(change_url(template), data).status_code == 302
    template.refresh_from_db()
    assert template.subject == "Bonne nouvelle, {first_name}"


def test_the_templates_there_before_owners_existed_are_the_sites(db):
    assert ReplyTemplate.objects.count() == 15
    assert all(template.is_site_wide for template in ReplyTemplate.objects.all())


def test_a_coordinator_writes_a_template_for_their_programme_and_its_recruiters_send_it(
    cast, outsider, client, django_capture_on_commit_callbacks
):
    client.force_login(cast.coordinator)
    response = client.post(
        reverse(ADD_TEMPLATE),
        template_data(programme=cast.programme.pk, body="Bonjour {first_name}, le programme a bien reçu."),
    )
    assert response.status_code == 302
    ours = ReplyTemplate.objects.get(programme=cast.programme)
    in_programme = f.make_application(posting=cast.posting_b, language="fr", first_name="Amina")
    elsewhere = f.make_application(posting=outsider.posting, language="fr", first_name="Jonas")

    client.force_login(cast.recruiter_b)
    assert ours in client.get(reverse(TEMPLATES)).context["cl"].result_list
    assert client.post(change_url(ours), template_data(programme=cast.programme.pk)).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, [in_programme], outcome=Outcome.ACKNOWLEDGEMENT)
    assert mail.outbox[-1].body == "Bonjour Amina, le programme a bien reçu."
    assert Answer.objects.get(application=in_programme).template == ours

    client.force_login(outsider.recruiter)
    assert ours not in client.get(reverse(TEMPLATES)).context["cl"].result_list
    assert client.get(change_url(ours)).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, [elsewhere], outcome=Outcome.ACKNOWLEDGEMENT)
    assert mail.outbox[-1].body.startswith("Bonjour Jonas,\n")
    assert Answer.objects.get(application=elsewhere).template.is_site_wide


def test_an_organisations_template_is_sent_by_its_recruiters_only(
    cast, client, django_capture_on_commit_callbacks
):
    theirs = ReplyTemplate.objects.create(
        organisation=cast.org_a,
        outcome=Outcome.ACKNOWLEDGEMENT,
        language="fr",
        subject="Organisation A : {reference}",
        body="Bonjour {first_name}, Organisation A vous répond.",
    )
    a = f.make_application(posting=cast.posting_a, language="fr", first_name="Aurélie")
    b = f.make_application(posting=cast.posting_b, language="fr", first_name="Amina")

    client.force_login(cast.recruiter_b)
    assert theirs not in client.get(reverse(TEMPLATES)).context["cl"].result_list
    assert client.get(change_url(theirs)).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, [b], outcome=Outcome.ACKNOWLEDGEMENT)
    client.force_login(cast.recruiter_a)
    with django_capture_on_commit_callbacks(execute=True):
        answer(client, [a], outcome=Outcome.ACKNOWLEDGEMENT)

    sent = {message.to[0]: message for message in mail.outbox}
    assert "Organisation A vous répond" not in sent[b.email].body
    assert sent[a.email].body == "Bonjour Aurélie, Organisation A vous répond."
    assert sent[a.email].subject == f"Organisation A : {a.reference}"


def test_the_candidates_language_first_then_the_organisations_text_the_programmes_the_sites(
    cast, client, django_capture_on_commit_callbacks
):
    ReplyTemplate.objects.create(
        programme=cast.programme,
        outcome=Outcome.ACKNOWLEDGEMENT,
        language="fr",
        subject="P",
        body="Programme",
    )
    ReplyTemplate.objects.create(
        organisation=cast.org_a, outcome=Outcome.ACKNOWLEDGEMENT, language="en", subject="A", body="Org A"
    )
    french = f.make_application(posting=cast.posting_a, language="fr")
    english = f.make_application(posting=cast.posting_a, language="en")
    dutch = f.make_application(posting=cast.posting_a, language="nl")
    client.force_login(cast.recruiter_a)

    with django_capture_on_commit_callbacks(execute=True):
        answer(client, [french, english, dutch], outcome=Outcome.ACKNOWLEDGEMENT)

    bodies = {message.to[0]: message.body for message in mail.outbox}
    # Organisation A wrote only English, the programme only French: a Dutch candidate still reads Dutch.
    assert bodies[english.email] == "Org A"
    assert bodies[french.email] == "Programme"
    assert bodies[dutch.email].startswith("Beste ")


def test_a_chosen_template_must_be_usable_by_whoever_answers(cast):
    theirs = ReplyTemplate.objects.create(
        organisation=cast.org_a, outcome=Outcome.ACKNOWLEDGEMENT, language="fr", subject="A", body="A"
    )
    application = f.make_application(posting=cast.posting_b)

    report = answers.answer_applications(
        Application.objects.filter(pk=application.pk),
        outcome=Outcome.ACKNOWLEDGEMENT,
        by=cast.recruiter_b,
        template=theirs,
    )

    assert report.skipped and not report.answered
    assert not Answer.objects.exists()


def test_usable_by_is_the_sites_the_users_organisations_and_their_programmes(cast, outsider):
    site = set(ReplyTemplate.objects.filter(organisation=None, programme=None))
    own = ReplyTemplate.objects.create(organisation=cast.org_a, outcome=Outcome.OFFERED, language="fr")
    programme = ReplyTemplate.objects.create(programme=cast.programme, outcome=Outcome.OFFERED, language="fr")
    other = ReplyTemplate.objects.create(programme=outsider.programme, outcome=Outcome.OFFERED, language="fr")

    assert set(ReplyTemplate.objects.usable_by(cast.recruiter_a)) == site | {own, programme}
    assert set(ReplyTemplate.objects.usable_by(cast.recruiter_b)) == site | {programme}
    assert set(ReplyTemplate.objects.usable_by(outsider.recruiter)) == site | {other}
    assert set(ReplyTemplate.objects.usable_by(cast.superuser)) == site | {own, programme, other}
    assert set(ReplyTemplate.objects.editable_by(cast.coordinator)) == {programme}
    assert set(ReplyTemplate.objects.editable_by(cast.recruiter_a)) == set()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "les modèles du site sont réservés aux super-utilisateurs"),
        ({"organisation": "org_a"}, "Sélectionnez un choix valide"),
        ({"programme": "other_programme"}, "Sélectionnez un choix valide"),
    ],
)
def test_a_coordinator_gives_templates_only_to_what_they_coordinate(cast, outsider, client, data, message):
    values = {"org_a": cast.org_a.pk, "other_programme": outsider.programme.pk}
    client.force_login(cast.coordinator)

    response = client.post(reverse(ADD_TEMPLATE), template_data(**{k: values[v] for k, v in data.items()}))

    assert response.status_code == 200
    assert message in unescape(response.content.decode())
    assert ReplyTemplate.objects.count() == 15


def test_only_the_owner_side_deletes_a_template(cast, client):
    site_template = ReplyTemplate.objects.get(outcome=Outcome.REJECTED, language="nl")
    programme_template = ReplyTemplate.objects.create(
        programme=cast.programme, outcome=Outcome.REJECTED, language="fr", subject="P", body="P"
    )

    def delete(template):
        url = reverse("admin:applications_replytemplate_delete", args=[template.pk])
        return client.post(url, {"post": "yes"})

    client.force_login(cast.recruiter_b)
    assert delete(programme_template).status_code == 403
    client.force_login(cast.coordinator)
    assert delete(site_template).status_code == 403
    assert delete(programme_template).status_code == 302
    assert ReplyTemplate.objects.filter(pk=site_template.pk).exists()
    assert not ReplyTemplate.objects.filter(pk=programme_template.pk).exists()
    client.force_login(cast.superuser)
    assert delete(site_template).status_code == 302
    assert not ReplyTemplate.objects.filter(pk=site_template.pk).exists()


def test_a_recruiter_cannot_add_templates(cast, client):
    client.force_login(cast.recruiter_a)

    response = client.post(reverse(ADD_TEMPLATE), template_data(organisation=cast.org_a.pk))

    assert response.status_code == 403
    assert ReplyTemplate.objects.count() == 15


# Placeholders: the documented names only ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        "{first_name.foo}",
        "{first_name.__class__}",
        "{posting[0]}",
        "{reference!r}",
        "{last_name:>900}",
        "{0}",
        "{}",
    ],
)
def test_a_template_reaching_past_a_placeholder_is_refused_naming_it(cast, client, token):
    template = ReplyTemplate.objects.get(outcome=Outcome.OFFERED, language="fr")
    client.force_login(cast.superuser)

    response = client.post(
        change_url(template), template_data(outcome=Outcome.OFFERED, body=f"Bonjour {token}")
    )

    assert response.status_code == 200
    assert f"Repère inconnu : {token}" in unescape(response.content.decode())
    template.refresh_from_db()
    assert token not in template.body


def test_an_unclosed_brace_is_refused_and_doubled_braces_write_one(cast, client):
    template = ReplyTemplate.objects.get(outcome=Outcome.OFFERED, language="fr")
    client.force_login(cast.superuser)

    response = client.post(
        change_url(template), template_data(outcome=Outcome.OFFERED, body="Bonjour {first_name")
    )
    assert "Accolade mal fermée" in response.content.decode()

    client.post(change_url(template), template_data(outcome=Outcome.OFFERED, body="{{ {first_name} }}"))
    template.refresh_from_db()
    assert template.render(dict.fromkeys(ReplyTemplate.PLACEHOLDERS, "Aurélie")) == (
        "Candidature Aurélie",
        "{ Aurélie }",
    )


def test_a_template_stored_before_the_check_is_skipped_not_interpreted(
    cast, client, django_capture_on_commit_callbacks
):
    ReplyTemplate.objects.filter(outcome=Outcome.ACKNOWLEDGEMENT).update(body="{first_name.__class__}")
    application = f.make_application(posting=cast.posting_a, language="fr")
    client.force_login(cast.recruiter_a)

    with django_capture_on_commit_callbacks(execute=True):
        response = answer(client, [application], outcome=Outcome.ACKNOWLEDGEMENT)

    assert "Repère inconnu : {first_name.__class__}" in response.content.decode()
    assert not mail.outbox
    assert not Answer.objects.exists()


def test_an_smtp_failure_while_answering_keeps_the_answer_and_the_email_is_retried(
    cast, client, monkeypatch, django_capture_on_commit_callbacks
):
    first = f.make_application(posting=cast.posting_a, first_name="Aurélie")
    second = f.make_application(posting=cast.posting_a, first_name="Grace")
    client.force_login(cast.recruiter_a)

    def refuse(self, messages):
        raise smtplib.SMTPException("451 4.3.0 Mail server temporarily unavailable")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = answer(client, [first, second], outcome=Outcome.REJECTED)

    assert "2 réponses envoyées" in response.content.decode()
    assert mail.outbox == []
    pending = OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.ANSWER)
    assert sorted(pending.values_list("to", flat=True)) == sorted([[first.email], [second.email]])
    for email in pending:
        assert (email.status, email.attempts) == (OutgoingEmail.Status.PENDING, 1)
        assert "SMTPException" in email.last_error
    for application in (first, second):
        application.refresh_from_db()
        assert application.status == Application.Status.REJECTED
        assert Answer.objects.filter(application=application).count() == 1

    monkeypatch.undo()
    pending.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    call_command("send_pending_emails")

    assert sorted(message.to[0] for message in mail.outbox) == sorted([first.email, second.email])
    assert {message.body for message in mail.outbox} == set(Answer.objects.values_list("body", flat=True))
    assert set(pending.values_list("status", "attempts")) == {(OutgoingEmail.Status.SENT, 2)}
