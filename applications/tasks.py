"""Background work of the apply flow, run by `manage.py db_worker` (django-tasks-db)."""

import logging

from django.db import transaction
from django.tasks import task
from django_tasks_db.backend import DatabaseBackend

from applications import emails
from applications.models import Application, OutgoingEmail

logger = logging.getLogger(__name__)

NEW_APPLICATION_KINDS = (OutgoingEmail.Kind.RECEIPT, OutgoingEmail.Kind.NOTIFICATION)


@task
def send_application_emails(application_id: int) -> list[str]:
    """Write a new application's receipt and recruiters' notification to the outbox, then send them.

    They are built here rather than in the request that took the application, which renders no email and
    reads nothing for them (the posting's places and inboxes, the language names). Run again (a worker that stopped after
    writing them), the task finds them in the outbox and sends only what is still pending. A failure to
    build them fails the task, kept with its traceback among the task results (admin, worker log); a
    failure to send leaves the email pending in the outbox, retried (`send_outgoing_email`).
    """
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("posting")
            .filter(pk=application_id)
            .first()
        )
        if application is None:  # erased before the worker came to it
            return []
        outgoing = list(application.emails.filter(kind__in=NEW_APPLICATION_KINDS))
        if not outgoing:
            outgoing = OutgoingEmail.objects.bulk_create(emails.new_application_emails(application))
    return [_send(email) for email in outgoing if email.status == OutgoingEmail.Status.PENDING]


def queue_application_emails(application: Application) -> None:
    """Queue `send_application_emails` from inside the transaction that stores the application.

    With the database queue (production), the task's row is written in that transaction: committed with
    the application or rolled back with it, so no application goes without its emails and no email is
    sent for an application that was not stored. A queue outside the database (the tests' immediate
    backend) is given the task once the transaction has committed.
    """
    if isinstance(send_application_emails.get_backend(), DatabaseBackend):
        send_application_emails.enqueue(application.pk)
    else:
        application_id = application.pk
        transaction.on_commit(lambda: send_application_emails.enqueue(application_id))


@task
def send_outgoing_email(email_id: int) -> str:
    """Send one outbox email; after a failure, enqueue the next attempt at its backoff time.

    Backends that cannot defer a task (the immediate backend of the tests) leave the retry to
    `manage.py send_pending_emails`, which picks up every due pending email.
    """
    email = OutgoingEmail.objects.filter(pk=email_id).first()
    if email is None or email.status != OutgoingEmail.Status.PENDING:
        return "gone"
    return _send(email)


def _send(email: OutgoingEmail) -> str:
    if emails.deliver(email):
        return "sent"
    email.refresh_from_db()
    if email.status == OutgoingEmail.Status.PENDING:
        enqueue_email(email, run_after=email.next_attempt_at)
    return email.status


def enqueue_email(email: OutgoingEmail, *, run_after=None) -> None:
    """Queue the sending of one email. Never raises: an email not queued stays pending for the command."""
    try:
        if run_after is not None:
            if not send_outgoing_email.get_backend().supports_defer:
                return
            send_outgoing_email.using(run_after=run_after).enqueue(email.pk)
        else:
            send_outgoing_email.enqueue(email.pk)
    except Exception:  # noqa: BLE001 - the outbox row is the source of truth.
        logger.exception("Could not queue email %s; send_pending_emails will retry it", email.pk)
