"""The emails of the apply flow, written to the outbox (`OutgoingEmail`) and sent from there by a task: a new
application's receipt and notification are built by the worker (`tasks.send_application_emails`), a notice
of a repeated application in the request that refused it. Templates live in `templates/emails/`
(`*_subject.txt` + body)."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_countries import countries

from applications.models import Application, OutgoingEmail

logger = logging.getLogger(__name__)


def _render(template: str, context: dict) -> tuple[str, str]:
    subject = render_to_string(f"emails/{template}_subject.txt", context)
    body = render_to_string(f"emails/{template}.txt", context)
    return " ".join(subject.split()), body


def _to_candidate(application: Application, *, template: str, kind: str) -> OutgoingEmail:
    """An e-mail to the candidate about their application, with its private link, in their language."""
    with translation.override(application.language):
        context = {
            "application": application,
            "posting": application.posting,
            "private_url": settings.SITE_URL + application.get_private_url(),
        }
        subject, body = _render(template, context)
    return OutgoingEmail(
        application=application,
        kind=kind,
        to=[application.email],
        subject=subject,
        body=body,
        language=application.language,
    )


def candidate_receipt(application: Application) -> OutgoingEmail:
    """The acknowledgement with the reference and the private link, in the language the candidate used."""
    return _to_candidate(application, template="application_received", kind=OutgoingEmail.Kind.RECEIPT)


def duplicate_notice(application: Application) -> OutgoingEmail:
    """To the owner of an address that applied again to the same posting: the second attempt was not taken,
    the first application stands, and how to change it. The apply page says nothing of this (it answers as
    for any application), so only the owner of the address learns that it had applied."""
    return _to_candidate(
        application, template="application_duplicate", kind=OutgoingEmail.Kind.DUPLICATE_NOTICE
    )


def notification_recipients(posting) -> list[str]:
    """The posting's application inbox, or else the emails of its organisations."""
    if posting.contact_email:
        return [posting.contact_email]
    emails = []
    for link in posting.organisation_roles.select_related("organisation"):
        email = link.organisation.email
        if email and email not in emails:
            emails.append(email)
    return emails


def recruiter_notification(application: Application) -> OutgoingEmail | None:
    """The new-application notice to the posting's recruiters: the answers and a back-office link, no CV.

    The subject follows the convention the postings asked of candidates: theme and country first.
    """
    posting = application.posting
    recipients = notification_recipients(posting)
    if not recipients:
        logger.warning("Posting %s has no email to notify of application %s", posting.pk, application.pk)
        return None
    with translation.override(settings.LANGUAGE_CODE):
        location = posting.locations.first()
        language_names = {link.language: link.language_name for link in posting.languages.all()}
        context = {
            "application": application,
            "posting": posting,
            "theme": posting.theme_label or posting.title,
            "country": location.country.name if location else "",
            "residence_country": countries.name(application.country) or application.country,
            "languages": [
                (language_names.get(code, code), level_label(level))
                for code, level in application.languages.items()
            ],
            "admin_url": settings.SITE_URL
            + reverse("admin:applications_application_change", args=[application.pk]),
        }
        subject, body = _render("application_notification", context)
    return OutgoingEmail(
        application=application,
        kind=OutgoingEmail.Kind.NOTIFICATION,
        to=recipients,
        reply_to=[application.email],
        subject=subject,
        body=body,
        language=settings.LANGUAGE_CODE,
    )


def new_application_emails(application: Application) -> list[OutgoingEmail]:
    """What a new application sends: the candidate's receipt, and the recruiters' notification when the
    posting has somewhere to send it."""
    notification = recruiter_notification(application)
    return [candidate_receipt(application), *([notification] if notification is not None else [])]


def level_label(level: str) -> str:
    try:
        return str(Application.LanguageLevel(level).label)
    except ValueError:
        return level


def deliver(email: OutgoingEmail, *, now=None) -> bool:
    """Send one outbox email if it is due and nobody else is sending it. True when it left.

    A mail server failure is recorded on the row (attempts, last error, next attempt) and never raised:
    the email stays pending for the next attempt.
    """
    now = now or timezone.now()
    if not email.claim(now):
        return False
    message = EmailMessage(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=email.to,
        reply_to=email.reply_to or None,
        headers=email.headers or None,
    )
    try:
        message.send()
    except Exception as error:  # noqa: BLE001 - any transport error must leave the email pending.
        logger.warning("Sending email %s failed (attempt %s): %s", email.pk, email.attempts + 1, error)
        email.mark_attempt_failed(f"{type(error).__name__}: {error}", now=timezone.now())
        return False
    email.mark_sent(now=timezone.now())
    return True
