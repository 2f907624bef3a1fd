"""The recruitment pipeline: one table of transitions and one function that moves an application.

received → in_review → shortlisted → interview → offered → accepted, with the exits declined (by the
candidate), rejected and withdrawn. Every move is checked against the table, saved with `update_fields` and
logged as a `StatusChange` (who, when, from, to, note).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import Application, StatusChange

Status = Application.Status


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str


# The statuses still in progress: the one definition of "open" (a candidate can withdraw, a recruiter reject).
OPEN = (Status.RECEIVED, Status.IN_REVIEW, Status.SHORTLISTED, Status.INTERVIEW, Status.OFFERED)

TRANSITIONS: tuple[Transition, ...] = (
    Transition("review", _("Mettre en examen"), (Status.RECEIVED,), Status.IN_REVIEW),
    Transition("shortlist", _("Présélectionner"), (Status.RECEIVED, Status.IN_REVIEW), Status.SHORTLISTED),
    Transition(
        "invite",
        _("Inviter à un entretien"),
        (Status.IN_REVIEW, Status.SHORTLISTED),
        Status.INTERVIEW,
    ),
    Transition("offer", _("Faire une proposition"), (Status.SHORTLISTED, Status.INTERVIEW), Status.OFFERED),
    Transition("accept", _("Proposition acceptée"), (Status.OFFERED,), Status.ACCEPTED),
    Transition(
        "decline",
        _("Déclinée par la personne"),
        (Status.SHORTLISTED, Status.INTERVIEW, Status.OFFERED),
        Status.DECLINED,
    ),
    Transition("reject", _("Ne pas retenir"), OPEN, Status.REJECTED),
    Transition("withdraw", _("Retirée par la personne"), OPEN, Status.WITHDRAWN),
    # A refusal sent by mistake can be taken back before anything else happens.
    Transition("reconsider", _("Réexaminer"), (Status.REJECTED,), Status.IN_REVIEW),
)


class InvalidMove(ValidationError):
    pass


def transition_to(target: str, *, source: str) -> Transition | None:
    for transition in TRANSITIONS:
        if transition.target == target and source in transition.sources:
            return transition
    return None


def allowed_targets(source: str) -> list[str]:
    return [t.target for t in TRANSITIONS if source in t.sources]


@transaction.atomic
def move(application: Application, *, to: str, by, note: str = "") -> StatusChange:
    """Move `application` to status `to`, or raise `InvalidMove` with a message for the recruiter."""
    # Lock the row: two recruiters moving the same application one after the other see each other's move.
    current = Application.objects.select_for_update().values_list("status", flat=True).get(pk=application.pk)
    if to not in Status.values:
        raise InvalidMove(_("Statut inconnu : %(to)s.") % {"to": to}, code="unknown_status")
    if transition_to(to, source=current) is None:
        raise InvalidMove(
            _("La candidature %(reference)s ne peut pas passer de « %(source)s » à « %(target)s ».")
            % {
                "reference": application.reference,
                "source": Status(current).label,
                "target": Status(to).label,
            },
            code="invalid_move",
        )
    now = timezone.now()
    application.status = to
    application.status_changed_at = now
    application.save(update_fields=["status", "status_changed_at"])
    return StatusChange.objects.create(
        application=application,
        changed_by=by if by is not None and by.is_authenticated else None,
        changed_at=now,
        from_status=current,
        to_status=to,
        note=note,
    )
