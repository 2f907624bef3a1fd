"""A posting's publication states: one table of moves and one function that makes them.

    draft ──publish──▶ published ──close──▶ closed
                           ▲                  │
                           └────reopen────────┘   (reopen also from "published past its deadline")
    draft, published, closed ──archive──▶ archived (final: an archived posting is never published again)

`move()` is the only writer of `Posting.status` after creation. It locks the row, checks the table, saves
only the fields the move changes, bumps `Posting.version` (so a change form opened before the move refuses
to save over it) and records a `PublicationChange` (who, when, from, to). The admin's list actions and the
buttons on a posting's page both call it; the model's `publish()`, `close()`, `archive()`, `reopen()` are
shortcuts to it.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from postings.models import Posting, PublicationChange

Status = Posting.Status


@dataclass(frozen=True)
class Transition:
    name: str
    label: str  # the button and the list action
    verb: str  # in "impossible de <verb> une offre « Brouillon »"
    sources: tuple[str, ...]
    target: str
    needs_deadline: bool = False


TRANSITIONS: tuple[Transition, ...] = (
    Transition("publish", _("Publier"), _("publier"), (Status.DRAFT,), Status.PUBLISHED),
    Transition("close", _("Clôturer"), _("clôturer"), (Status.PUBLISHED,), Status.CLOSED),
    # From "published" too: a posting past its deadline is still published, and closed for everyone.
    Transition(
        "reopen",
        _("Rouvrir avec une nouvelle date"),
        _("rouvrir"),
        (Status.PUBLISHED, Status.CLOSED),
        Status.PUBLISHED,
        needs_deadline=True,
    ),
    Transition(
        "archive",
        _("Archiver"),
        _("archiver"),
        (Status.DRAFT, Status.PUBLISHED, Status.CLOSED),
        Status.ARCHIVED,
    ),
)
BY_NAME = {transition.name: transition for transition in TRANSITIONS}


class InvalidMove(ValidationError):
    pass


def allowed(posting: Posting) -> list[Transition]:
    """The moves the table allows from the posting's current state, in the table's order."""
    return [transition for transition in TRANSITIONS if posting.status in transition.sources]


def _when(value: datetime) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


@transaction.atomic
def move(
    posting: Posting, name: str, *, by=None, deadline: datetime | None = None, now: datetime | None = None
) -> PublicationChange:
    """Apply the transition `name` to `posting`, or raise `InvalidMove` with a message for the recruiter.

    `deadline` is the new deadline of a reopening (required there, in the future). `posting` is updated in
    place with the saved state.
    """
    transition = BY_NAME[name]
    now = now or timezone.now()
    # The row as it is now, locked until commit: two people moving the same posting are serialised, and
    # the check below reads the state the other one left.
    current = Posting.objects.select_for_update().get(pk=posting.pk)
    if current.status not in transition.sources:
        raise InvalidMove(
            _("« %(title)s » : impossible de %(verb)s une offre « %(status)s ».")
            % {"title": current.title, "verb": transition.verb, "status": current.get_status_display()},
            code="invalid_move",
        )
    fields = ["status", "version"]
    if transition.needs_deadline:
        if deadline is None or deadline <= now:
            raise InvalidMove(
                _("« %(title)s » : la nouvelle date limite doit être dans le futur.")
                % {"title": current.title},
                code="past_deadline",
            )
        current.deadline = deadline
        fields.append("deadline")
    if name == "publish":
        if current.deadline is not None and current.deadline <= now:
            raise InvalidMove(
                _(
                    "« %(title)s » : la date limite de candidature (%(deadline)s) est passée. Changez-la dans "
                    "le formulaire avant de publier."
                )
                % {"title": current.title, "deadline": _when(current.deadline)},
                code="past_deadline",
            )
        if current.published_at is None:
            current.published_at = now
            fields.append("published_at")
    from_status = current.status
    current.status = transition.target
    current.version = F("version") + 1
    current.save(update_fields=fields)
    current.refresh_from_db(fields=["version", "updated_at", "closes_at"])
    for field in ("status", "version", "deadline", "closes_at", "published_at", "updated_at"):
        setattr(posting, field, getattr(current, field))
    return PublicationChange.objects.create(
        posting=current,
        transition=name,
        from_status=from_status,
        to_status=transition.target,
        changed_by=by if by is not None and by.is_authenticated else None,
        changed_at=now,
        deadline=deadline if transition.needs_deadline else None,
    )
