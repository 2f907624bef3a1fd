"""Background work of the apply flow, run by `manage.py db_worker` (django-tasks-db)."""

import logging

from django.tasks import task

from applications import emails
from applications.models import OutgoingEmail

logger = logging.getLogger(__name__)


@task
def send_outgoing_email(email_id: int) -> str:
    """Send one outbox email; after a failure, enqueue the next attempt at its backoff time.

    Backends that cannot defer a task (the immediate backend of the tests) leave the retry to
    `manage.py send_pending_emails`, which picks up every due pending email.
    """
    email = OutgoingEmail.objects.filter(pk=email_id).first()
    if email is None or email.status != OutgoingEmail.Status.PENDING:
        return "gone"
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
