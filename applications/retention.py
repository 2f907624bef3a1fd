"""Retention and erasure of candidates' data, following the CNIL recruitment guide.

Two rules decide when an application that did not lead to a hire (status other than `accepted`) is deleted,
row and files:

- by default, `APPLICATION_RETENTION_DAYS` (90) days after the posting's selection ends
  (`Posting.selection_ends_on`, or the local date of the deadline when it is empty): selection ending on
  2 March, the application is kept through 30 May and deleted from 31 May. A posting with neither
  date never has its applications deleted automatically: the purge reports them so that someone sets a date;
- when the candidate agreed to be kept for future postings (`keep_for_future`), `KEEP_FOR_FUTURE_RETENTION_DAYS`
  (730) days after their last action, and never before the default term above. Consent extends the
  retention, it never shortens it.

Applications of accepted candidates are out of scope: those people join as staff or volunteers and their
file follows the organisation's personnel rules. The purge only counts them.

Deleting an application deletes its files after the transaction commits, so a rollback never removes the
files of a row that survives. A file left behind by a crash is found by `manage.py find_orphan_files`.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.utils import timezone

from applications.models import Application
from applications.storage import STORAGE_ERRORS

logger = logging.getLogger("passerelle.retention")


class Reason:
    """Why an application is due for deletion (shown by the purge, never stored)."""

    SELECTION_ENDED = "selection_ended"
    KEEP_FOR_FUTURE_EXPIRED = "keep_for_future_expired"


@dataclass(frozen=True)
class DueApplication:
    application: Application
    reason: str


@dataclass(frozen=True)
class RetentionReview:
    """What the retention rules say about every application at one instant."""

    due: list[DueApplication]
    # Not retained, not kept for the future, and the posting has no date to count from.
    undated: list[Application]
    accepted_count: int


def _days(setting_name: str) -> int:
    days = getattr(settings, setting_name)
    if not isinstance(days, int) or days < 1:
        raise ImproperlyConfigured(
            f"{setting_name} must be a whole number of days, at least 1 (got {days!r})."
        )
    return days


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _selection_term_passed(now: datetime) -> Q:
    """The posting's selection (or, failing that, its deadline) ended at least the retention period ago.

    A posting's selection end is a date; its deadline is a moment whose local date counts. Both compare
    with the last day whose term has passed, so the filter needs no database date function.
    """
    last_day = timezone.localdate(now) - timedelta(days=_days("APPLICATION_RETENTION_DAYS"))
    return Q(posting__selection_ends_on__lte=last_day) | Q(
        posting__selection_ends_on__isnull=True,
        posting__deadline__lt=_start_of_day(last_day + timedelta(days=1)),
    )


_UNDATED = Q(posting__selection_ends_on__isnull=True, posting__deadline__isnull=True)


def due_for_deletion(now: datetime | None = None):
    """The applications the rules delete at `now` (a QuerySet, so a deletion can re-check one row under lock)."""
    now = now or timezone.now()
    keep_cutoff = now - timedelta(days=_days("KEEP_FOR_FUTURE_RETENTION_DAYS"))
    default_rule = Q(keep_for_future=False) & _selection_term_passed(now)
    keep_rule = Q(keep_for_future=True, last_candidate_action_at__lte=keep_cutoff) & (
        _selection_term_passed(now) | _UNDATED
    )
    return Application.objects.exclude(status=Application.Status.ACCEPTED).filter(default_rule | keep_rule)


def review(now: datetime | None = None) -> RetentionReview:
    now = now or timezone.now()
    due = [
        DueApplication(
            application=application,
            reason=Reason.KEEP_FOR_FUTURE_EXPIRED if application.keep_for_future else Reason.SELECTION_ENDED,
        )
        for application in due_for_deletion(now).select_related("posting").order_by("posting_id", "reference")
    ]
    undated = list(
        Application.objects.exclude(status=Application.Status.ACCEPTED)
        .filter(_UNDATED, keep_for_future=False)
        .select_related("posting")
        .order_by("posting_id", "reference")
    )
    accepted_count = Application.objects.filter(status=Application.Status.ACCEPTED).count()
    return RetentionReview(due=due, undated=undated, accepted_count=accepted_count)


@dataclass(frozen=True)
class Erasure:
    reference: str
    files: int
    rows: dict[str, int]


def _file_names(application: Application) -> list[str]:
    return [f.name for f in (application.cv, application.letter_file) if f and f.name]


def _delete(application: Application, *, cause: str, by=None) -> Erasure:
    """Delete one application, its history, notes, outbox emails and admin log entries, then its files once
    the transaction commits.

    The audit line, also written after commit, names the application by its reference only: no name, email
    or file name.
    """
    reference = application.reference
    names = _file_names(application)
    # The admin log names the application (its __str__ has the candidate's name) and quotes added notes.
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Application), object_id=str(application.pk)
    ).delete()
    _, rows = application.delete()
    erasure = Erasure(reference=reference, files=len(names), rows={k: v for k, v in rows.items() if v})
    actor = f", by user #{by.pk}" if by is not None else ""

    def after_commit() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except STORAGE_ERRORS:
                # The row is gone already; the file shows up in `find_orphan_files`, which deletes it.
                logger.exception("Application %s: a file could not be deleted.", reference)
        logger.info(
            "Application %s deleted (%s%s): %d file(s), rows %s.",
            reference,
            cause,
            actor,
            erasure.files,
            ", ".join(f"{label}={count}" for label, count in sorted(erasure.rows.items())),
        )

    transaction.on_commit(after_commit)
    return erasure


def erase_application(application: Application, *, by=None) -> Erasure:
    """Erase one application at the candidate's request, received by any channel (right to erasure).

    Deletes the row, its status history and recruiter notes, then its files after commit. `by` is the staff
    member who carried out the request, recorded by id in the audit line.
    """
    with transaction.atomic():
        return _delete(application, cause="erasure request", by=by)


@dataclass(frozen=True)
class PurgeResult:
    deleted: list[Erasure]
    # Applications that changed between the review and their deletion (e.g. accepted meanwhile) and were kept.
    skipped: list[str]
    # Applications another table protects from deletion (reference -> why); kept, for someone to look at.
    blocked: dict[str, str]


def purge(now: datetime | None = None) -> PurgeResult:
    """Delete every application due at `now`, each in its own transaction.

    Each row is locked and checked against the rules again before it goes, so an application accepted or
    renewed by its candidate after the review survives. A row protected by a foreign key stays and is
    reported; the others still go.
    """
    now = now or timezone.now()
    deleted: list[Erasure] = []
    skipped: list[str] = []
    blocked: dict[str, str] = {}
    for item in review(now).due:
        reference = item.application.reference
        try:
            with transaction.atomic():
                application = (
                    due_for_deletion(now)
                    .select_for_update(of=("self",))
                    .filter(pk=item.application.pk)
                    .first()
                )
                if application is None:
                    skipped.append(reference)
                    continue
                deleted.append(_delete(application, cause=f"retention: {item.reason}"))
        except (ProtectedError, RestrictedError) as error:
            protecting = sorted({obj._meta.label for obj in error.protected_objects if hasattr(obj, "_meta")})
            blocked[reference] = ", ".join(protecting) or str(error)
    return PurgeResult(deleted=deleted, skipped=skipped, blocked=blocked)


def _isoformat(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def export_candidate_data(application: Application) -> dict:
    """Everything Passerelle holds about the candidate for this application, ready for `json.dumps`.

    The status history gives moves and dates without the staff who made them. Left out on purpose: the
    private-link UUID and the submission token (access secrets, not data about the person) and recruiters'
    internal notes. The files are listed by name; the caller adds their content to the download.
    """
    posting = application.posting
    files = []
    if application.cv:
        files.append({"kind": "cv", "name": application.cv_name or application.cv.name.rsplit("/", 1)[-1]})
    if application.letter_file:
        files.append(
            {
                "kind": "letter",
                "name": application.letter_name or application.letter_file.name.rsplit("/", 1)[-1],
            }
        )
    return {
        "reference": application.reference,
        "posting": {"title": posting.title, "slug": posting.slug},
        "first_name": application.first_name,
        "last_name": application.last_name,
        "email": application.email,
        "phone": application.phone,
        "city": application.city,
        "country": application.country,
        "languages": application.languages,
        "eligibility_confirmed": application.eligibility_confirmed,
        "heard_from": application.heard_from,
        "letter_text": application.letter_text,
        "files": files,
        "language": application.language,
        "consented_at": _isoformat(application.consented_at),
        "keep_for_future": application.keep_for_future,
        "status": application.status,
        "status_label": str(application.get_status_display()),
        "submitted_at": _isoformat(application.submitted_at),
        "status_changed_at": _isoformat(application.status_changed_at),
        "answered_at": _isoformat(application.answered_at),
        "last_candidate_action_at": _isoformat(application.last_candidate_action_at),
        "status_history": [
            {"at": _isoformat(change.changed_at), "from": change.from_status, "to": change.to_status}
            for change in application.status_changes.all()
        ],
    }
