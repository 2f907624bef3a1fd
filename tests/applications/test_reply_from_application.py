"""Answering one candidate from their application's page: a template, a personal paragraph, a preview of the
exact e-mail in the candidate's language, then the send, with a Reply-To the candidate can answer."""

import re
from html import unescape

import pytest
from django.core import mail
from django.urls import reverse

from applications.models import Answer, Application, Outcome, OutgoingEmail, ReplyTemplate
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_tasks")]

PARAGRAPH = "Nous vous proposons le mardi 15 décembre à 10 h, dans nos locaux de Lyon."


def reply_url(application) -> str:
    return reverse("admin:applications_application_reply", args=[application.pk])


def template(outcome: str, language: str) -> ReplyTemplate:
    return ReplyTemplate.objects.get(outcome=outcome, language=language)


def preview(client, application, **data):
    return client.post(reply_url(application), {"_preview": "1", **data})


def previewed_digest(response) -> str:
    return re.search(r'name="previewed" value="([0-9a-f]+)"', response.content.decode()).group(1)


def test_the_application_page_offers_to_reply(cast, client):
    application = f.make_application(posting=cast.posting_a)
    client.force_login(cast.recruiter_a)

    text = client.get(
        reverse("admin:applications_application_change", args=[application.pk])
    ).content.decode()
    assert f'href="{reply_url(application)}"' in text


def test_the_templates_offered_are_in_the_candidates_language_and_possible_from_its_status(cast, client):
    application = f.make_application(
        posting=cast.posting_a, language="en", status=Application.Status.IN_REVIEW
    )
    received = f.make_application(posting=cast.posting_a, language="nl")
    client.force_login(cast.recruiter_a)

    def offered(application):
        form = client.get(reply_url(application)).context["form"]
        return [form.templates[pk] for pk, _label in form.fields["template"].choices]

    assert {t.language for t in offered(application)} == {"en"}
    assert {t.outcome for t in offered(application)} == {
        Outcome.ACKNOWLEDGEMENT,
        Outcome.SHORTLISTED,
        Outcome.INTERVIEW,
        Outcome.REJECTED,
    }
    # A received application cannot jump to an interview or an offer.
    assert {t.outcome for t in offered(received)} == {
        Outcome.ACKNOWLEDGEMENT,
        Outcome.SHORTLISTED,
        Outcome.REJECTED,
    }
    assert {t.language for t in offered(received)} == {"nl"}


def test_the_preview_shows_the_exact_email_with_the_paragraph_before_the_sign_off(cast, client):
    cast.org_a.reply_to_email = "recrutement@org-a.example"
    cast.org_a.save()
    application = f.make_application(
        posting=cast.posting_a, language="en", first_name="Grace", status=Application.Status.IN_REVIEW
    )
    client.force_login(cast.recruiter_a)
    chosen = template(Outcome.INTERVIEW, "en")

    response = preview(client, application, template=chosen.pk, personal_paragraph=PARAGRAPH)

    assert response.status_code == 200
    text = unescape(response.content.decode())
    assert "Invitation to an interview – Mission A" in text
    body = response.context["preview"]["body"]
    assert body.startswith("Dear Grace,\n\n")
    assert f"\n\n{PARAGRAPH}\n\nKind regards,\nThe recruitment team – Organisation A" in body
    assert response.context["preview"]["reply_to"] == "recrutement@org-a.example"
    assert response.context["preview"]["language"] == "Anglais"
    assert not mail.outbox and not Answer.objects.exists()


def test_sending_the_previewed_email_sends_exactly_it_with_the_organisations_reply_to(
    cast, client, django_capture_on_commit_callbacks
):
    cast.org_a.reply_to_email = "recrutement@org-a.example"
    cast.org_a.save()
    application = f.make_application(
        posting=cast.posting_a, language="en", first_name="Grace", status=Application.Status.IN_REVIEW
    )
    client.force_login(cast.recruiter_a)
    data = {"template": template(Outcome.INTERVIEW, "en").pk, "personal_paragraph": PARAGRAPH}
    shown = preview(client, application, **data).context["preview"]

    digest = previewed_digest(preview(client, application, **data))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reply_url(application), {"_send": "1", "previewed": digest, **data})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:applications_application_change", args=[application.pk])
    [sent] = mail.outbox
    assert (sent.subject, sent.body) == (shown["subject"], shown["body"])
    assert sent.to == [application.email]
    assert sent.reply_to == ["recrutement@org-a.example"]
    application.refresh_from_db()
    assert application.status == Application.Status.INTERVIEW
    assert application.answered_at is not None
    assert Answer.objects.get(application=application).body == shown["body"]
    assert OutgoingEmail.objects.get(kind=OutgoingEmail.Kind.ANSWER).reply_to == ["recrutement@org-a.example"]


def test_without_an_organisation_address_the_reply_goes_to_the_recruiter(
    cast, client, django_capture_on_commit_callbacks
):
    application = f.make_application(posting=cast.posting_a)
    cast.recruiter_a.email = "camille@org-a.example"
    cast.recruiter_a.save()
    client.force_login(cast.recruiter_a)
    data = {"template": template(Outcome.ACKNOWLEDGEMENT, "fr").pk}
    digest = previewed_digest(preview(client, application, **data))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reply_url(application), {"_send": "1", "previewed": digest, **data})

    [sent] = mail.outbox
    assert sent.reply_to == ["camille@org-a.example"]


def test_a_send_after_the_text_changed_shows_the_new_preview_instead(cast, client):
    application = f.make_application(posting=cast.posting_a)
    client.force_login(cast.recruiter_a)
    data = {"template": template(Outcome.ACKNOWLEDGEMENT, "fr").pk, "personal_paragraph": "Premier jet."}
    digest = previewed_digest(preview(client, application, **data))

    response = client.post(
        reply_url(application),
        {**data, "personal_paragraph": "Autre texte.", "_send": "1", "previewed": digest},
    )

    assert response.status_code == 200
    assert "Le message a changé depuis l'aperçu" in unescape(response.content.decode())
    assert "Autre texte." in response.context["preview"]["body"]
    assert not mail.outbox


def test_a_refusal_reason_only_goes_with_a_negative_answer(cast, client):
    application = f.make_application(posting=cast.posting_a)
    client.force_login(cast.recruiter_a)

    response = preview(
        client, application, template=template(Outcome.SHORTLISTED, "fr").pk, refusal_reason="profile"
    )

    assert response.context["form"].errors["refusal_reason"] == [
        "Un motif de refus ne va qu'avec une réponse négative."
    ]


def test_another_organisations_recruiter_cannot_reach_the_reply_page(cast, client):
    application = f.make_application(posting=cast.posting_a)
    client.force_login(cast.recruiter_b)

    assert client.get(reply_url(application)).status_code == 404
    assert preview(client, application, template=template(Outcome.REJECTED, "fr").pk).status_code == 404
    assert not mail.outbox


def test_answers_sent_from_the_list_carry_the_reply_to_as_well(
    cast, client, django_capture_on_commit_callbacks
):
    cast.org_a.reply_to_email = "recrutement@org-a.example"
    cast.org_a.save()
    applications = [f.make_application(posting=cast.posting_a) for _ in range(2)]
    client.force_login(cast.recruiter_a)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:applications_application_changelist"),
            {
                "action": "answer_candidates",
                "_selected_action": [a.pk for a in applications],
                "apply": "1",
                "outcome": Outcome.ACKNOWLEDGEMENT,
            },
        )

    assert len(mail.outbox) == 2
    assert all(sent.reply_to == ["recrutement@org-a.example"] for sent in mail.outbox)


def test_a_coordinator_answers_with_the_address_of_the_programme_operator(
    cast, client, django_capture_on_commit_callbacks
):
    cast.operator.reply_to_email = "selection@ep.example"
    cast.operator.save()
    application = f.make_application(posting=cast.posting_b)
    client.force_login(cast.coordinator)
    data = {"template": template(Outcome.ACKNOWLEDGEMENT, "fr").pk}
    digest = previewed_digest(preview(client, application, **data))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reply_url(application), {"_send": "1", "previewed": digest, **data})

    [sent] = mail.outbox
    assert sent.reply_to == ["selection@ep.example"]
