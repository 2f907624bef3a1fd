from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


def reach_of(user) -> tuple:
    """(ids of the user's organisations, ids of the organisations they coordinate a programme for).

    Lists when the user was loaded with their memberships (`membership_list`, set by `config.auth`'s backend
    for the logged-in user), subqueries otherwise. With literal ids PostgreSQL plans the access rules well: at
    100k postings, two membership subqueries under an OR made it scan every posting in each query of an admin
    page.
    """
    known = getattr(user, "membership_list", None)
    if known is not None:
        return (
            [organisation_id for organisation_id, _role in known],
            [organisation_id for organisation_id, role in known if role == Membership.Role.COORDINATOR],
        )
    memberships = Membership.objects.filter(user=user)
    return (
        memberships.values("organisation_id"),
        memberships.filter(role=Membership.Role.COORDINATOR).values("organisation_id"),
    )


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, user) -> "OrganisationQuerySet":
        """Organisations a back-office user may see: their own, plus every organisation on a posting in reach.

        Which postings are in reach is the postings' one rule, `Posting.objects.visible_to`: reached through the
        reverse relation `posting_roles` (defined by the postings app), because `organisations` does not import
        `postings`.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        member_ids, _coordinated_ids = reach_of(user)
        roles = self.model._meta.get_field("posting_roles").related_model
        postings_in_reach = roles._meta.get_field("posting").related_model.objects.visible_to(user)
        on_postings_in_reach = roles.objects.filter(posting__in=postings_in_reach.values("pk")).values(
            "organisation_id"
        )
        return self.filter(Q(pk__in=member_ids) | Q(pk__in=on_postings_in_reach))

    def editable_by(self, user) -> "OrganisationQuerySet":
        """Organisations whose own record the user may edit: only those they belong to."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(memberships__user=user)

    def attachable_by(self, user) -> "OrganisationQuerySet":
        """Organisations the user may newly put in a role on a posting.

        A recruiter attaches only their own organisations (the partners already on a posting stay, but a
        recruiter of A cannot pick organisation B, nor B's partners, from another posting). A coordinator
        attaches any organisation in their reach; a superuser any organisation.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        if Membership.objects.filter(user=user, role=Membership.Role.COORDINATOR).exists():
            return self.visible_to(user)
        return self.editable_by(user)


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
    website_other = models.URLField(
        _("autre site web"), blank=True, help_text=_("Ex. le site dans l'autre langue (néerlandais).")
    )
    email = models.EmailField(_("e-mail de contact"), blank=True)
    phone = models.CharField(_("téléphone"), max_length=40, blank=True)
    fax = models.CharField(_("fax"), max_length=40, blank=True)
    country = CountryField(_("pays"), blank=True)
    city = models.CharField(_("ville"), max_length=100, blank=True)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    reply_to_email = models.EmailField(
        _("adresse de réponse des candidat·es"),
        blank=True,
        help_text=_(
            "Les réponses envoyées aux candidat·es depuis Passerelle portent cette adresse : une personne qui "
            "répond à l'e-mail vous écrit ici. Vide : l'adresse de la personne qui envoie la réponse."
        ),
    )
    address_other = models.CharField(
        _("adresse dans l'autre langue"),
        max_length=255,
        blank=True,
        help_text=_("Ex. « Kiekenmarkt 30, 1000 Brussel » à côté de l'adresse en français."),
    )
    is_demo = models.BooleanField(
        _("démonstration"),
        default=False,
        help_text=_("Donnée de démonstration, jamais une vraie organisation."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationQuerySet.as_manager()

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
