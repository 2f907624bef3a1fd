"""Answer every candidate: one email each in their language, recorded, the reason only when shared."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from applications.models import Answer, Application, Outcome, OutgoingEmail, RefusalReason, ReplyTemplate
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


def test_coordinators_edit_reply_templates_and_recruiters_only_read_them(cast, client):
    template = ReplyTemplate.objects.get(outcome=Outcome.OFFERED, language="fr")
    url = reverse("admin:applications_replytemplate_change", args=[template.pk])
    data = {
        "outcome": Outcome.OFFERED,
        "language": "fr",
        "subject": "Bonne nouvelle, {first_name}",
        "body": "Texte",
    }

    client.force_login(cast.recruiter_a)
    client.post(url, data)
    template.refresh_from_db()
    assert template.subject != "Bonne nouvelle, {first_name}"

    client.force_login(cast.coordinator)
    assert client.post(url, data).status_code == 302
    template.refresh_from_db()
    assert template.subject == "Bonne nouvelle, {first_name}"


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
