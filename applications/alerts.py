"""E-mail alerts for new postings: subscribe (double opt-in), confirm, change, unsubscribe, the digests and
the retention of alerts. The digests go through the outbox (`OutgoingEmail`) and the `django.tasks` worker
like every other e-mail; `AlertDigest` records each (alert, period) so that none is sent twice.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation

from applications.alert_models import Alert, AlertDigest, SignInLink, normalise_email
from applications.models import OutgoingEmail
from postings.filters import PostingFilter
from postings.models import Posting

logger = logging.getLogger("passerelle.alerts")

# A digest lists at most this many postings, then links to the listing for the rest.
DIGEST_MAX_POSTINGS = 20


def listing_url(alert: Alert) -> str:
    """The listing with the alert's filters, absolute, in the alert's language."""
    with translation.override(alert.language):
        path = reverse("postings:list")
    return settings.SITE_URL + path + (f"?{alert.query}" if alert.query else "")


def absolute(path: str) -> str:
    return settings.SITE_URL + path


# Subscription ------------------------------------------------------------------------------------------


def _alert_email(alert: Alert, *, kind: str, template: str, context: dict) -> OutgoingEmail:
    """An outbox e-mail about `alert`, in its language, with the one-click unsubscribe headers (RFC 8058)."""
    from applications.emails import _render

    with translation.override(alert.language):
        unsubscribe_url = absolute(alert.get_unsubscribe_url())
        context = {
            "alert": alert,
            "manage_url": absolute(alert.get_manage_url()),
            "unsubscribe_url": unsubscribe_url,
            "listing_url": listing_url(alert),
            **context,
        }
        subject, body = _render(template, context)
    return OutgoingEmail(
        kind=kind,
        to=[alert.email],
        subject=subject,
        body=body,
        language=alert.language,
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def _send_after_commit(email: OutgoingEmail) -> None:
    from applications.tasks import enqueue_email

    transaction.on_commit(lambda: enqueue_email(email))


def subscribe(*, email: str, frequency: str, language: str, query: str, now: datetime | None = None) -> Alert:
    """Record an unconfirmed alert and send its confirmation e-mail. Nothing else is sent until it is confirmed.

    Asking again for the same search while the first request is unconfirmed sends the link again for the same
    alert instead of piling up pending ones.
    """
    now = now or timezone.now()
    with transaction.atomic():
        alert = (
            Alert.objects.unconfirmed()
            .of_address(email)
            .filter(query=query, created_at__gte=now - timedelta(days=Alert.CONFIRMATION_DAYS))
            .first()
        )
        if alert is None:
            alert = Alert(email=email.strip(), query=query, created_at=now, last_used_at=now)
        alert.frequency = frequency
        alert.language = language
        alert.save()
        message = _alert_email(
            alert,
            kind=OutgoingEmail.Kind.ALERT_CONFIRMATION,
            template="alert_confirmation",
            context={"confirm_url": absolute(alert.get_confirm_url()), "days": Alert.CONFIRMATION_DAYS},
        )
        message.save()
        if alert.confirmation_email_id:
            OutgoingEmail.objects.filter(pk=alert.confirmation_email_id).delete()
        alert.confirmation_email = message
        alert.save(update_fields=["confirmation_email"])
        _send_after_commit(message)
    return alert


def confirm(alert: Alert, *, now: datetime | None = None) -> Alert:
    """Confirm the alert. The same search already confirmed for this address takes the new frequency instead
    of a second alert: the address then gets one digest, not two."""
    now = now or timezone.now()
    with transaction.atomic():
        twin = (
            Alert.objects.confirmed()
            .of_address(alert.email)
            .filter(query=alert.query)
            .exclude(pk=alert.pk)
            .first()
        )
        if twin is None:
            alert.confirm(now=now)
            return alert
        twin.frequency = alert.frequency
        twin.language = alert.language
        twin.last_used_at = now
        twin.save(update_fields=["frequency", "language", "last_used_at"])
        delete_alerts([alert])
        return twin


def update(alert: Alert, *, frequency: str, now: datetime | None = None) -> None:
    alert.frequency = frequency
    alert.last_used_at = now or timezone.now()
    alert.save(update_fields=["frequency", "last_used_at"])


def alerts_of_owner(alert: Alert):
    """What a link of `alert` gives access to: that alert, and the confirmed alerts of its address (once the
    address is confirmed, its links prove who holds the mailbox)."""
    if not alert.is_confirmed:
        return Alert.objects.filter(pk=alert.pk)
    return Alert.objects.of_address(alert.email).confirmed()


def delete_alerts(alerts) -> int:
    """Delete alerts, their digests and the outbox rows that carry their address."""
    alerts = list(alerts)
    ids = [alert.pk for alert in alerts]
    email_ids = [alert.confirmation_email_id for alert in alerts if alert.confirmation_email_id]
    email_ids += AlertDigest.objects.filter(alert_id__in=ids, email__isnull=False).values_list(
        "email_id", flat=True
    )
    Alert.objects.filter(pk__in=ids).delete()
    OutgoingEmail.objects.filter(pk__in=email_ids).delete()
    return len(ids)


def unsubscribe(alert: Alert) -> None:
    with transaction.atomic():
        delete_alerts([alert])


def erase_address(email: str) -> int:
    """Right to erasure: every alert and sign-in link of the address, and the e-mails sent about them."""
    with transaction.atomic():
        count = delete_alerts(Alert.objects.of_address(email))
        SignInLink.objects.filter(email_normalised=normalise_email(email)).delete()
    logger.info("Alerts erased on request: %d alert(s).", count)
    return count


def export_data(alerts) -> list[dict]:
    """What Passerelle holds about the person for their alerts, ready for `json.dumps` (no link secrets)."""
    return [
        {
            "email": alert.email,
            "frequency": alert.frequency,
            "language": alert.language,
            "search": alert.query,
            "listing_url": listing_url(alert),
            "created_at": timezone.localtime(alert.created_at).isoformat(),
            "confirmed_at": timezone.localtime(alert.confirmed_at).isoformat()
            if alert.confirmed_at
            else None,
            "last_used_at": timezone.localtime(alert.last_used_at).isoformat(),
            "digests": [
                {
                    "period": digest.period,
                    "sent_at": timezone.localtime(digest.created_at).isoformat(),
                    "postings": digest.posting_count,
                }
                for digest in alert.digests.all()
            ],
        }
        for alert in alerts
    ]


# Digests -----------------------------------------------------------------------------------------------


def period_of(frequency: str, now: datetime) -> str:
    """The period a digest sent at `now` belongs to: the local day, or the ISO week."""
    day = timezone.localdate(now)
    if frequency == Alert.Frequency.DAILY:
        return day.isoformat()
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def matching_postings(alert: Alert, *, since: datetime, until: datetime) -> list[Posting]:
    """Open postings published in (since, until] that the listing would show for the alert's search.

    A saved filter value the listing no longer offers (its last posting was archived) matches nothing rather
    than being dropped: dropping it would send every new posting.
    """
    with translation.override(alert.language):
        filterset = PostingFilter(QueryDict(alert.query), queryset=Posting.objects.published())
        if not filterset.is_valid():
            logger.warning("Alert %s: saved search %r is no longer valid.", alert.pk, alert.query)
            return []
        postings = (
            filterset.qs.filter(published_at__gt=since, published_at__lte=until)
            .order_by("-published_at", "-pk")
            .prefetch_related("locations")
        )
        return list(postings[: DIGEST_MAX_POSTINGS + 1])


def send_digest(alert: Alert, *, now: datetime | None = None) -> AlertDigest | None:
    """Write this period's digest of `alert` to the outbox, or nothing when there is no new posting or the
    period has its digest already. Safe to run from two workers at once: the alert row is locked and the
    (alert, period) record is unique."""
    now = now or timezone.now()
    period = period_of(alert.frequency, now)
    try:
        with transaction.atomic():
            locked = Alert.objects.confirmed().select_for_update().filter(pk=alert.pk).first()
            if locked is None or AlertDigest.objects.filter(alert=locked, period=period).exists():
                return None
            postings = matching_postings(locked, since=locked.digest_cursor or locked.confirmed_at, until=now)
            if not postings:
                return None
            digest = AlertDigest.objects.create(
                alert=locked,
                period=period,
                created_at=now,
                posting_count=min(len(postings), DIGEST_MAX_POSTINGS),
            )
            with translation.override(locked.language):
                items = [
                    {
                        "title": posting.localized("title"),
                        "url": absolute(posting.get_absolute_url()),
                        "posting": posting,
                    }
                    for posting in postings[:DIGEST_MAX_POSTINGS]
                ]
            message = _alert_email(
                locked,
                kind=OutgoingEmail.Kind.ALERT_DIGEST,
                template="alert_digest",
                context={
                    "items": items,
                    "more": len(postings) > DIGEST_MAX_POSTINGS,
                    "ends_on": timezone.localdate(locked.last_used_at + timedelta(days=Alert.UNUSED_DAYS)),
                },
            )
            message.save()
            digest.email = message
            digest.save(update_fields=["email"])
            locked.digest_cursor = now
            locked.save(update_fields=["digest_cursor"])
            _send_after_commit(message)
            return digest
    except IntegrityError:
        # Another sender recorded this period's digest first.
        return None


@dataclass
class DigestRun:
    sent: list[AlertDigest] = field(default_factory=list)
    checked: int = 0


def send_digests(*, now: datetime | None = None, frequency: str | None = None) -> DigestRun:
    """One run of `manage.py send_alerts`: every confirmed alert gets this period's digest if it has news."""
    now = now or timezone.now()
    run = DigestRun()
    alerts = Alert.objects.confirmed().order_by("pk")
    if frequency:
        alerts = alerts.filter(frequency=frequency)
    for alert in alerts.iterator(chunk_size=500):
        run.checked += 1
        digest = send_digest(alert, now=now)
        if digest is not None:
            run.sent.append(digest)
    return run


# Retention ---------------------------------------------------------------------------------------------


def due_for_deletion(now: datetime | None = None):
    """Alerts never confirmed within their confirmation period, and alerts unused for a year."""
    from django.db.models import Q

    now = now or timezone.now()
    return Alert.objects.filter(
        Q(confirmed_at__isnull=True, created_at__lt=now - timedelta(days=Alert.CONFIRMATION_DAYS))
        | Q(confirmed_at__isnull=False, last_used_at__lt=now - timedelta(days=Alert.UNUSED_DAYS))
    )


def purge(now: datetime | None = None) -> int:
    now = now or timezone.now()
    with transaction.atomic():
        count = delete_alerts(due_for_deletion(now).select_for_update())
        SignInLink.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    return count
