import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, OutgoingEmail
from applications.tasks import send_application_emails, send_outgoing_email
from tests import factories as f
from tests.applications.conftest import form_data, run_queued_tasks

pytestmark = pytest.mark.django_db


def apply(client, posting, django_capture_on_commit_callbacks, **overrides):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("applications:apply", kwargs={"slug": posting.slug}), form_data(posting, **overrides)
        )
    assert response.status_code == 302, response.content
    return Application.objects.get(email_normalised=(overrides.get("email") or "camille.martin@example.org"))


@pytest.fixture
def smtp_down(monkeypatch):
    """The mail server refuses every message until the test calls `smtp_down.undo()`."""

    def refuse(self, messages):
        raise smtplib.SMTPException("451 4.3.0 Mail server temporarily unavailable")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    return monkeypatch


def test_the_candidate_gets_a_receipt_with_the_reference_and_the_private_link(
    client, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://passerelle.example.org"
    posting = f.published_posting(title="Observatoire des droits")

    application = apply(client, posting, django_capture_on_commit_callbacks)

    receipt = next(message for message in mail.outbox if message.to == ["camille.martin@example.org"])
    assert application.reference in receipt.subject
    assert application.reference in receipt.body
    assert f"https://passerelle.example.org/candidature/{application.uuid}/" in receipt.body
    assert "Observatoire des droits" in receipt.body
    assert OutgoingEmail.objects.get(kind="receipt").status == OutgoingEmail.Status.SENT


def test_the_recruiters_get_the_answers_and_a_back_office_link_but_no_cv(
    client, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://passerelle.example.org"
    posting = f.published_posting(
        theme_label="Droits des étrangers", country="BE", contact_email="info@echanges.example.org"
    )

    application = apply(
        client, posting, django_capture_on_commit_callbacks, heard_from="Le blog des volontaires"
    )

    notice = next(message for message in mail.outbox if message.to == ["info@echanges.example.org"])
    assert notice.subject == "Candidature – Droits des étrangers – Belgique – Camille Martin"
    assert notice.attachments == []
    assert notice.reply_to == ["camille.martin@example.org"]
    admin_url = reverse("admin:applications_application_change", args=[application.pk])
    assert f"https://passerelle.example.org{admin_url}" in notice.body
    for answer in (
        "Camille",
        "Martin",
        "camille.martin@example.org",
        "Lyon",
        "France",
        "Le blog des volontaires",
    ):
        assert answer in notice.body
    assert "Bon niveau (B2)" in notice.body
    assert "lettre.docx" in notice.body


def test_without_a_contact_email_the_organisations_are_notified(
    client, immediate_tasks, django_capture_on_commit_callbacks
):
    host = f.make_organisation(email="accueil@example.org")
    sending = f.make_organisation(email="envoi@example.org")
    posting = f.published_posting(contact_email="", organisations={"host": host, "sending": sending})

    apply(client, posting, django_capture_on_commit_callbacks)

    notice = OutgoingEmail.objects.get(kind="notification")
    assert notice.to == ["accueil@example.org", "envoi@example.org"]
    assert notice.status == OutgoingEmail.Status.SENT


def test_an_smtp_failure_keeps_the_application_and_the_email_is_retried_later(
    client, settings, immediate_tasks, smtp_down, django_capture_on_commit_callbacks
):
    posting = f.published_posting()

    application = apply(client, posting, django_capture_on_commit_callbacks)

    assert Application.objects.filter(pk=application.pk).exists()
    assert mail.outbox == []
    for email in OutgoingEmail.objects.all():
        assert email.status == OutgoingEmail.Status.PENDING
        assert email.attempts == 1
        assert "SMTPException" in email.last_error
        assert email.next_attempt_at > timezone.now()

    # Before the backoff has passed, the command leaves them alone.
    call_command("send_pending_emails")
    assert mail.outbox == []

    smtp_down.undo()
    OutgoingEmail.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    call_command("send_pending_emails")

    assert len(mail.outbox) == 2
    assert set(OutgoingEmail.objects.values_list("status", "attempts")) == {(OutgoingEmail.Status.SENT, 2)}


def test_a_failed_send_re_enqueues_itself_at_the_backoff_time(settings, smtp_down):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    email = OutgoingEmail.objects.create(kind="receipt", to=["a@example.org"], subject="s", body="b")

    assert send_outgoing_email.call(email.pk) == OutgoingEmail.Status.PENDING

    email.refresh_from_db()
    queued = send_outgoing_email.get_backend().results
    assert len(queued) == 1
    assert queued[0].args == [email.pk]
    assert queued[0].task.run_after == email.next_attempt_at
    assert email.next_attempt_at - timezone.now() > timedelta(seconds=50)


def test_an_email_gives_up_after_the_last_attempt(smtp_down):
    email = OutgoingEmail.objects.create(
        kind="receipt", to=["a@example.org"], subject="s", body="b", attempts=OutgoingEmail.MAX_ATTEMPTS - 1
    )

    call_command("send_pending_emails")

    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.FAILED
    assert email.attempts == OutgoingEmail.MAX_ATTEMPTS


def test_an_email_being_sent_is_not_sent_twice():
    email = OutgoingEmail.objects.create(kind="receipt", to=["a@example.org"], subject="s", body="b")
    assert email.claim()

    call_command("send_pending_emails")

    assert mail.outbox == []


def test_the_task_does_nothing_for_an_email_already_sent():
    email = OutgoingEmail.objects.create(
        kind="receipt", to=["a@example.org"], subject="s", body="b", status=OutgoingEmail.Status.SENT
    )

    assert send_outgoing_email.call(email.pk) == "gone"
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_the_database_queue_holds_the_emails_until_the_worker_sends_them(client):
    from django_tasks_db.models import DBTaskResult

    posting = f.published_posting()

    response = client.post(reverse("applications:apply", kwargs={"slug": posting.slug}), form_data(posting))

    assert response.status_code == 302
    assert DBTaskResult.objects.count() == 1
    assert mail.outbox == []

    call_command("db_worker", "--batch", "--no-startup-delay")

    assert len(mail.outbox) == 2
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {OutgoingEmail.Status.SENT}


def test_the_receipt_is_rendered_in_the_candidates_language(
    client, immediate_tasks, django_capture_on_commit_callbacks
):
    from django.utils import translation

    posting = f.published_posting()
    with translation.override("en"):
        url = reverse("applications:apply", kwargs={"slug": posting.slug})

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, form_data(posting))

    application = Application.objects.get()
    receipt = OutgoingEmail.objects.get(kind="receipt")
    assert application.language == "en"
    assert receipt.language == "en"
    assert f"/en/candidature/{application.uuid}/" in receipt.body
    assert OutgoingEmail.objects.get(kind="notification").language == "fr"


# A new application's emails, built by the worker -------------------------------------------------------


def post_application(client, posting):
    response = client.post(reverse("applications:apply", kwargs={"slug": posting.slug}), form_data(posting))
    assert response.status_code == 302
    return Application.objects.get()


def test_the_worker_run_twice_sends_a_new_applications_emails_once(client):
    application = post_application(client, f.published_posting())

    assert send_application_emails.call(application.pk) == ["sent", "sent"]
    assert send_application_emails.call(application.pk) == []

    assert len(mail.outbox) == 2
    assert OutgoingEmail.objects.filter(application=application).count() == 2


def test_an_application_erased_before_the_worker_came_sends_nothing(client):
    from applications.retention import erase_application

    application = post_application(client, f.published_posting())
    erase_application(application)

    run_queued_tasks()

    assert mail.outbox == []
    assert not OutgoingEmail.objects.exists()


def test_emails_the_worker_could_not_build_stay_visible_as_a_failed_task(client, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    application = post_application(client, f.published_posting())

    def broken(application):
        raise RuntimeError("a template error")

    monkeypatch.setattr("applications.emails.recruiter_notification", broken)
    run_queued_tasks()

    task = DBTaskResult.objects.get(task_path="applications.tasks.send_application_emails")
    assert task.status == "FAILED"
    assert task.args_kwargs["args"] == [application.pk]
    assert "a template error" in task.traceback
    assert not OutgoingEmail.objects.exists()  # nothing half-written: the task can be run again
    assert Application.objects.filter(pk=application.pk).exists()


def test_when_the_worker_cannot_reach_the_mail_server_each_email_is_queued_again_at_its_backoff(
    client, smtp_down
):
    from django_tasks_db.models import DBTaskResult

    post_application(client, f.published_posting())

    run_queued_tasks()

    assert mail.outbox == []
    retries = DBTaskResult.objects.filter(task_path="applications.tasks.send_outgoing_email", status="READY")
    pending = OutgoingEmail.objects.pending()
    assert sorted(task.args_kwargs["args"] for task in retries) == sorted([email.pk] for email in pending)
    assert {task.run_after for task in retries} == set(pending.values_list("next_attempt_at", flat=True))
    assert pending.count() == 2
