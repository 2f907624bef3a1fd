"""The apply workflow: one function that writes, atomically, and has the worker notify after commit."""

import logging
import uuid
from collections.abc import Mapping
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from applications import emails, pipeline, tasks
from applications.files import checked
from applications.models import Application, OutgoingEmail, StatusChange
from applications.storage import STORAGE_ERRORS
from postings.models import Posting

logger = logging.getLogger(__name__)

#: The shortest time between two notices of a repeated application sent to the same address.
DUPLICATE_NOTICE_INTERVAL = timedelta(hours=24)


class ApplicationRefused(Exception):
    """The application cannot be taken; the view turns each subclass into a page that says why."""


class PostingClosed(ApplicationRefused):
    def __init__(self, posting: Posting):
        super().__init__(f"Posting {posting.pk} is not taking applications.")
        self.posting = posting


class DuplicateApplication(ApplicationRefused):
    def __init__(self, existing: Application):
        super().__init__(f"An application with this email already exists on posting {existing.posting_id}.")
        self.existing = existing


def normalise_email(email: str) -> str:
    return email.strip().lower()


def normalise_phone(phone: str) -> str:
    phone = phone.strip()
    digits = "".join(char for char in phone if char.isdigit())
    return f"+{digits}" if phone.startswith("+") else digits


def reference_for(application: Application) -> str:
    """The number people quote: the year and the primary key, so unique without any extra coordination."""
    return f"PA-{timezone.localtime(application.submitted_at):%Y}-{application.pk:06d}"


def submit_application(
    *,
    posting: Posting,
    data: Mapping,
    files: Mapping,
    language: str,
    token: uuid.UUID,
) -> Application:
    """Store one application with its files, its first history row and its emails, or nothing at all.

    - The posting row is locked and `is_open()` checked again at commit time: a form opened before the
      deadline and sent after it is refused (`PostingClosed`).
    - The same submission token sent twice (double click, back and resend) returns the application the
      first request created, without writing anything.
    - One application per email and posting (`DuplicateApplication`), enforced by a unique constraint too.
    - Files are written with random names when the row is saved; if anything fails afterwards the
      transaction rolls back and the written files are deleted: no row without files, no file without a row.
    - The task that builds and sends the receipt and the recruiters' notification is queued in the same
      transaction (`tasks.queue_application_emails`): the request renders no email.
    """
    cv = checked(files["cv"])
    letter_upload = files.get("letter_file")
    letter = checked(letter_upload) if letter_upload else None
    # The stored name takes the extension of what the file really is (a DOCX named .pdf is stored .docx).
    files["cv"].name = cv.display_name
    if letter_upload:
        letter_upload.name = letter.display_name
    now = timezone.now()
    application = Application(
        posting=posting,
        submission_token=token,
        reference=f"tmp-{uuid.uuid4().hex[:16]}",
        first_name=data["first_name"],
        last_name=data["last_name"],
        email=data["email"].strip(),
        email_normalised=normalise_email(data["email"]),
        phone=data.get("phone", ""),
        phone_normalised=normalise_phone(data.get("phone", "")),
        city=data["city"],
        country=data["country"],
        cv=files["cv"],
        cv_name=cv.display_name,
        letter_file=letter_upload or "",
        letter_name=letter.display_name if letter else "",
        letter_text=data.get("letter_text", ""),
        languages=dict(data.get("languages", {})),
        eligibility_confirmed=bool(data.get("eligibility_confirmed")),
        heard_from=data.get("heard_from", ""),
        keep_for_future=bool(data.get("keep_for_future")),
        consented_at=now,
        language=language,
        submitted_at=now,
        status_changed_at=now,
        last_candidate_action_at=now,
    )
    try:
        with transaction.atomic():
            if not _lock_if_open(posting):
                raise PostingClosed(posting)
            earlier = _earlier_applications(
                posting, token=token, email_normalised=application.email_normalised
            )
            replayed = _replayed_or_duplicate(earlier, application)
            if replayed is not None:
                return replayed
            if any(row.submission_token == token for row in earlier):
                # A token already spent on another posting (a restored form): not a replay of this one.
                application.submission_token = uuid.uuid4()
            application.pk = _next_application_id()
            if application.pk is not None:
                application.reference = reference_for(application)
                application.save(force_insert=True)
            else:
                application.save()
                application.reference = reference_for(application)
                application.save(update_fields=["reference"])
            StatusChange.objects.create(
                application=application,
                changed_at=now,
                from_status="",
                to_status=Application.Status.RECEIVED,
            )
            _queue_emails(application)
    except IntegrityError:
        _delete_written_files(application)
        # A concurrent request won the race on one of the unique constraints.
        earlier = _earlier_applications(posting, token=token, email_normalised=application.email_normalised)
        replayed = _replayed_or_duplicate(earlier, application)
        if replayed is not None:
            return replayed
        raise
    except BaseException:
        _delete_written_files(application)
        raise
    return application


def _lock_if_open(posting: Posting) -> bool:
    """Lock the posting's row until commit and check that it still takes applications. Only the fields of
    `is_open()` are read again: the rest of the row is the one the view read."""
    locked = Posting.objects.select_for_update().only("status", "deadline").filter(pk=posting.pk).first()
    return locked is not None and locked.is_open()


def _next_application_id() -> int | None:
    """The primary key the application will get, drawn from its sequence so that the row is inserted with
    its reference. None on SQLite, which has no sequence to draw from: the reference is then written right
    after the insert."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s))",
            [Application._meta.db_table, Application._meta.pk.column],
        )
        return cursor.fetchone()[0]


def _replayed_or_duplicate(earlier: list[Application], application: Application) -> Application | None:
    """The application this submission token already created on the posting (returned: a replay writes
    nothing), else the one its address already sent there (raised as `DuplicateApplication`)."""
    for row in earlier:
        if row.submission_token == application.submission_token and row.posting_id == application.posting_id:
            return row
    for row in earlier:
        if row.posting_id == application.posting_id and row.email_normalised == application.email_normalised:
            raise DuplicateApplication(row)
    return None


def _earlier_applications(posting: Posting, *, token: uuid.UUID, email_normalised: str) -> list[Application]:
    """In one query, what a new application must be checked against: the one this submission token created
    (a replay), and the one this address already sent to this posting (a duplicate)."""
    return list(
        Application.objects.filter(
            Q(submission_token=token) | Q(posting_id=posting.pk, email_normalised=email_normalised)
        )
    )


def _queue_emails(application: Application) -> None:
    """The last step of the submitting transaction: the worker builds and sends the receipt and the
    recruiters' notification once the application is committed."""
    tasks.queue_application_emails(application)


def _enqueue(outgoing: list[OutgoingEmail]) -> None:
    """Queue the sending of outbox emails after commit, in one transaction. An email not queued stays
    pending in the outbox for `send_pending_emails` (`enqueue_email` never raises)."""
    with transaction.atomic():
        for email in outgoing:
            tasks.enqueue_email(email)


def notify_duplicate_attempt(existing: Application) -> None:
    """Tell the owner of the address that a second application to the same posting was not taken.

    At most one notice per application per `DUPLICATE_NOTICE_INTERVAL`: someone sending the form again and
    again with another person's address cannot flood their mailbox (the rate limit counts the attempts too).
    """
    since = timezone.now() - DUPLICATE_NOTICE_INTERVAL
    with transaction.atomic():
        Application.objects.select_for_update().filter(pk=existing.pk).first()
        if OutgoingEmail.objects.filter(
            application=existing, kind=OutgoingEmail.Kind.DUPLICATE_NOTICE, created_at__gte=since
        ).exists():
            return
        notice = emails.duplicate_notice(existing)
        notice.save()
        transaction.on_commit(lambda: _enqueue([notice]))


def _delete_written_files(application: Application) -> None:
    """Remove the files this attempt wrote to storage (saving the row writes them; a rollback does not)."""
    for field_file in (application.cv, application.letter_file):
        if field_file and getattr(field_file, "_committed", False) and field_file.name:
            try:
                field_file.storage.delete(field_file.name)
            except STORAGE_ERRORS:
                logger.exception("Could not delete %s after a failed application", field_file.name)


def withdraw_application(application: Application) -> None:
    """The candidate withdraws from their private link."""
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.can_be_withdrawn():  # A second click, or a decision taken meanwhile: nothing to do.
            change = pipeline.move(locked, to=Application.Status.WITHDRAWN, by=None)
            locked.last_candidate_action_at = change.changed_at
            locked.save(update_fields=["last_candidate_action_at"])
    application.refresh_from_db()
