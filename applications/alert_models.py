"""Candidates' personal data outside an application: e-mail alerts for new postings and sign-in links to
"Mes candidatures". Both are reached through secrets sent by e-mail, never through an account.

Imported by `applications.models` so that Django registers the models in the `applications` app.
"""

import hashlib
import secrets
import uuid
from datetime import timedelta

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def normalise_email(email: str) -> str:
    """The key alerts and applications of one person share: trimmed and lower-cased."""
    return email.strip().lower()


class AlertQuerySet(models.QuerySet):
    def confirmed(self) -> "AlertQuerySet":
        return self.filter(confirmed_at__isnull=False)

    def unconfirmed(self) -> "AlertQuerySet":
        return self.filter(confirmed_at__isnull=True)

    def of_address(self, email: str) -> "AlertQuerySet":
        return self.filter(email_normalised=normalise_email(email))


class Alert(models.Model):
    """A saved search sent as a digest of new postings, daily or weekly, to an address that confirmed it."""

    class Frequency(models.TextChoices):
        DAILY = "daily", _("Chaque jour")
        WEEKLY = "weekly", _("Chaque semaine")

    # How long a confirmation link stays valid; an alert still unconfirmed after that is deleted.
    CONFIRMATION_DAYS = 7
    # An alert nobody confirmed, managed or changed for this long is deleted (retention).
    UNUSED_DAYS = 365

    # The secret of every link about this alert (confirm, manage, unsubscribe): 122 random bits.
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("e-mail"))
    email_normalised = models.CharField(max_length=254, editable=False)
    frequency = models.CharField(_("fréquence"), max_length=10, choices=Frequency, default=Frequency.WEEKLY)
    language = models.CharField(_("langue"), max_length=8, default="fr")
    # The listing's query string (filters and keywords) the alert was made from, without paging or order.
    query = models.CharField(_("recherche"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmée le"), null=True, blank=True)
    # The last time the person acted on the alert through one of its links (confirmation, change, visit).
    last_used_at = models.DateTimeField(_("dernière utilisation"), default=timezone.now)
    # Postings published after this moment go into the next digest (confirmation, then each digest).
    digest_cursor = models.DateTimeField(null=True, blank=True, editable=False)
    # The outbox row of the confirmation e-mail: erased with the alert (it holds the address).
    confirmation_email = models.OneToOneField(
        "applications.OutgoingEmail", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("alerte e-mail")
        verbose_name_plural = _("alertes e-mail")
        indexes = [models.Index(fields=["email_normalised"], name="alert_email_idx")]

    def __str__(self) -> str:
        return f"{self.get_frequency_display()} – {self.query or '*'}"

    def save(self, *args, **kwargs):
        self.email_normalised = normalise_email(self.email)
        super().save(*args, **kwargs)

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    def confirmation_expired(self, now=None) -> bool:
        now = now or timezone.now()
        return not self.is_confirmed and self.created_at < now - timedelta(days=self.CONFIRMATION_DAYS)

    def confirm(self, *, now=None) -> None:
        now = now or timezone.now()
        self.confirmed_at = self.confirmed_at or now
        self.last_used_at = now
        self.digest_cursor = self.digest_cursor or now
        self.save(update_fields=["confirmed_at", "last_used_at", "digest_cursor"])

    def mark_used(self, *, now=None) -> None:
        self.last_used_at = now or timezone.now()
        self.save(update_fields=["last_used_at"])

    def get_confirm_url(self) -> str:
        return reverse("applications:alert-confirm", kwargs={"token": self.token})

    def get_manage_url(self) -> str:
        return reverse("applications:alert-manage", kwargs={"token": self.token})

    def get_unsubscribe_url(self) -> str:
        return reverse("applications:alert-unsubscribe", kwargs={"token": self.token})


class AlertDigest(models.Model):
    """One digest of one alert for one period (a day, or an ISO week): the record that stops a second one.

    Written in the transaction that writes the e-mail to the outbox; the unique constraint makes a second
    sender (a second cron run, two workers racing) fail instead of sending the same digest twice.
    """

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="digests")
    period = models.CharField(_("période"), max_length=12)
    created_at = models.DateTimeField(_("envoyé le"), default=timezone.now)
    posting_count = models.PositiveIntegerField(_("nombre d'offres"), default=0)
    email = models.OneToOneField(
        "applications.OutgoingEmail", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("envoi d'alerte")
        verbose_name_plural = _("envois d'alerte")
        constraints = [
            models.UniqueConstraint(fields=["alert", "period"], name="alert_digest_one_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} – {self.period}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class SignInLinkQuerySet(models.QuerySet):
    def usable(self, now=None) -> "SignInLinkQuerySet":
        return self.filter(used_at__isnull=True, expires_at__gt=now or timezone.now())


class SignInLink(models.Model):
    """A single-use, short-lived link to "Mes candidatures" for one address. Only the secret's hash is kept."""

    LIFETIME = timedelta(minutes=30)

    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    email_normalised = models.CharField(max_length=254, editable=False)
    language = models.CharField(max_length=8, default="fr")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    objects = SignInLinkQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("lien de connexion")
        verbose_name_plural = _("liens de connexion")
        indexes = [models.Index(fields=["email_normalised"], name="sign_in_link_email_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M}"

    @classmethod
    def issue(cls, email: str, *, language: str, now=None) -> tuple["SignInLink", str]:
        """A new link for `email`, and its secret (only ever in the e-mail)."""
        now = now or timezone.now()
        secret = secrets.token_urlsafe(32)
        link = cls.objects.create(
            secret_hash=hash_secret(secret),
            email_normalised=normalise_email(email),
            language=language,
            created_at=now,
            expires_at=now + cls.LIFETIME,
        )
        return link, secret

    def use(self, *, now=None) -> bool:
        """Spend the link; False when it was spent or expired meanwhile (a second tab, a replay)."""
        now = now or timezone.now()
        spent = SignInLink.objects.usable(now).filter(pk=self.pk).update(used_at=now)
        return bool(spent)
