from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class Organisation(models.Model):
    class Kind(models.TextChoices):
        ASSOCIATION = "association", _("Association")
        NGO = "ngo", _("ONG")
        NETWORK = "network", _("Réseau / plate-forme")
        FEDERATION = "federation", _("Fédération")
        PUBLIC_BODY = "public_body", _("Organisme public")
        OTHER = "other", _("Autre")

    name = models.CharField(_("nom"), max_length=200)
    short_name = models.CharField(_("sigle"), max_length=60, blank=True)
    slug = models.SlugField(_("identifiant d'URL"), max_length=80, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind, default=Kind.ASSOCIATION)
    description = models.TextField(_("présentation"), blank=True)
    website = models.URLField(_("site web"), blank=True)
    email = models.EmailField(_("e-mail de contact"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=40, blank=True)
    country = CountryField(_("pays"), blank=True)
    city = models.CharField(_("ville"), max_length=100, blank=True)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    is_demo = models.BooleanField(
        _("démonstration"),
        default=False,
        help_text=_("Donnée de démonstration, jamais une vraie organisation."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("organisations:detail", kwargs={"slug": self.slug})

    @property
    def display_name(self) -> str:
        if self.short_name and self.short_name != self.name:
            return f"{self.name} ({self.short_name})"
        return self.name


class MembershipQuerySet(models.QuerySet):
    def for_user(self, user) -> "MembershipQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class Membership(models.Model):
    """Links a staff user to an organisation. Every access rule of the back-office starts here.

    A recruiter reaches the postings where their organisation has a role. A coordinator also reaches every
    posting of the programmes their organisation operates (all sessions).
    """

    class Role(models.TextChoices):
        RECRUITER = "recruiter", _("Recruteur·euse")
        COORDINATOR = "coordinator", _("Coordinateur·rice de programme")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rôle"), max_length=20, choices=Role, default=Role.RECRUITER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("appartenance")
        verbose_name_plural = _("appartenances")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="membership_unique_user_organisation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"
