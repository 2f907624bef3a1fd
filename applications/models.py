import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from postings.models import Posting


def private_upload_to(instance, filename: str) -> str:
    """Random name under a dated folder; the original name is kept only as display text."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"applications/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{suffix[:5]}"


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ApplicationQuerySet":
        """The one access rule for applications: the back-office, downloads and exports all use it.

        Superusers see everything; a coordinator sees the applications to every posting of the programmes
        their organisation operates and to postings where their organisation has a role; a recruiter sees
        the applications to postings where their organisation has a role. Anyone else sees nothing.
        """
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        from organisations.models import Membership

        memberships = Membership.objects.filter(user=user)
        organisation_ids = memberships.values("organisation_id")
        coordinated_ids = memberships.filter(role=Membership.Role.COORDINATOR).values("organisation_id")
        reachable_postings = Posting.objects.filter(
            Q(organisation_roles__organisation_id__in=organisation_ids)
            | Q(session__programme__operator_id__in=coordinated_ids)
        ).values("pk")
        return self.filter(posting_id__in=reachable_postings)

    def active(self) -> "ApplicationQuerySet":
        return self.exclude(status__in=Application.FINAL_STATUSES)

    def unanswered(self) -> "ApplicationQuerySet":
        return self.filter(answered_at__isnull=True)


class Application(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("Reçue")
        IN_REVIEW = "in_review", _("En cours d'examen")
        SHORTLISTED = "shortlisted", _("Présélectionnée")
        INTERVIEW = "interview", _("Entretien")
        OFFERED = "offered", _("Proposition faite")
        ACCEPTED = "accepted", _("Acceptée")
        DECLINED = "declined", _("Déclinée par la personne")
        REJECTED = "rejected", _("Non retenue")
        WITHDRAWN = "withdrawn", _("Retirée")

    FINAL_STATUSES = (Status.ACCEPTED, Status.DECLINED, Status.REJECTED, Status.WITHDRAWN)

    # Public identifiers: the candidate's private link uses `uuid`; people quote `reference`.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("référence"), max_length=20, unique=True, editable=False)
    # One-time token carried by the form: a replayed POST finds the application it already created.
    submission_token = models.UUIDField(unique=True, editable=False)
    posting = models.ForeignKey(
        Posting, on_delete=models.PROTECT, related_name="applications", verbose_name=_("offre")
    )

    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    email = models.EmailField(_("e-mail"))
    # Lower-cased, trimmed email: the unique key against duplicates on a posting.
    email_normalised = models.CharField(max_length=254, editable=False)
    phone = models.CharField(_("téléphone"), max_length=40, blank=True)
    phone_normalised = models.CharField(max_length=40, blank=True, editable=False)
    city = models.CharField(_("ville de résidence"), max_length=100)
    country = models.CharField(_("pays de résidence"), max_length=2)

    cv = models.FileField(_("CV"), upload_to=private_upload_to, max_length=200)
    cv_name = models.CharField(_("nom du fichier CV"), max_length=150, blank=True)
    letter_file = models.FileField(
        _("lettre de motivation (fichier)"), upload_to=private_upload_to, max_length=200, blank=True
    )
    letter_name = models.CharField(_("nom du fichier lettre"), max_length=150, blank=True)
    letter_text = models.TextField(_("lettre de motivation"), blank=True)

    languages = models.JSONField(
        _("langues"), default=dict, blank=True, help_text=_("Code de langue -> niveau déclaré.")
    )
    eligibility_confirmed = models.BooleanField(_("éligibilité confirmée"), default=False)
    heard_from = models.CharField(_("comment nous avez-vous connus ?"), max_length=200, blank=True)
    consented_at = models.DateTimeField(_("consentement le"))
    keep_for_future = models.BooleanField(_("conserver pour de futures offres"), default=False)
    language = models.CharField(_("langue de la candidature"), max_length=8, default="fr")

    status = models.CharField(_("statut"), max_length=20, choices=Status, default=Status.RECEIVED)
    submitted_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    status_changed_at = models.DateTimeField(_("statut modifié le"), default=timezone.now)
    answered_at = models.DateTimeField(_("réponse envoyée le"), null=True, blank=True)
    last_candidate_action_at = models.DateTimeField(default=timezone.now)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("candidature")
        verbose_name_plural = _("candidatures")
        constraints = [
            models.UniqueConstraint(
                fields=["posting", "email_normalised"], name="application_one_per_email_per_posting"
            ),
            models.CheckConstraint(
                condition=~Q(letter_file="") | ~Q(letter_text=""), name="application_has_cover_letter"
            ),
        ]
        indexes = [
            models.Index(fields=["posting", "status"], name="application_posting_status_idx"),
            models.Index(fields=["submitted_at"], name="application_submitted_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} – {self.full_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_private_url(self) -> str:
        return reverse("applications:status", kwargs={"uuid": self.uuid})


class StatusChange(models.Model):
    """One move in the pipeline: who, when, from, to, why. The application's history."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="status_changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=20, choices=Application.Status, blank=True)
    to_status = models.CharField(max_length=20, choices=Application.Status)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = _("changement de statut")
        verbose_name_plural = _("changements de statut")

    def __str__(self) -> str:
        return f"{self.from_status or '–'} → {self.to_status}"


class RecruiterNote(models.Model):
    """A private note on an application, visible only to people who can see the application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    body = models.TextField(_("note"))

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("note interne")
        verbose_name_plural = _("notes internes")

    def __str__(self) -> str:
        return self.body[:60]


def export_upload_to(instance: "ExportJob", filename: str) -> str:
    return f"exports/{timezone.now():%Y/%m}/{instance.uuid.hex}.{instance.format}"


class ExportJobQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ExportJobQuerySet":
        """An export holds candidates' personal data: only the person who asked for it (or a superuser)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        if not user.is_staff:
            return self.none()
        return self.filter(requested_by=user)


class ExportJob(models.Model):
    """An applicant export prepared in the background (a large XLSX) and downloaded once it is ready."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        RUNNING = "running", _("En cours")
        DONE = "done", _("Prêt")
        FAILED = "failed", _("Échec")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="export_jobs",
        verbose_name=_("demandé par"),
    )
    created_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    status = models.CharField(_("état"), max_length=10, choices=Status, default=Status.PENDING)
    format = models.CharField(_("format"), max_length=5, choices=Format)
    # {"ids": [...], "querystring": "..."}: the exact selection at request time, re-scoped when the file is built.
    filters = models.JSONField(_("filtres"), default=dict, blank=True)
    file = models.FileField(_("fichier"), upload_to=export_upload_to, max_length=200, blank=True)
    row_count = models.PositiveIntegerField(_("nombre de lignes"), null=True, blank=True)
    error = models.TextField(_("erreur"), blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("export de candidatures")
        verbose_name_plural = _("exports de candidatures")

    def __str__(self) -> str:
        return f"{self.get_format_display()} – {self.created_at:%Y-%m-%d %H:%M} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("applications:export-job", kwargs={"uuid": self.uuid})

    def get_download_url(self) -> str:
        return reverse("applications:export-download", kwargs={"uuid": self.uuid})

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    # Transitions (the export task calls these) -------------------------------------------------------

    def mark_running(self) -> None:
        self.status = self.Status.RUNNING
        self.started_at = timezone.now()
        self.save(update_fields=["status", "started_at"])

    def mark_done(self, *, row_count: int) -> None:
        """Called once `file` holds the saved export."""
        self.status = self.Status.DONE
        self.row_count = row_count
        self.finished_at = timezone.now()
        self.save(update_fields=["status", "row_count", "file", "finished_at"])

    def mark_failed(self, *, error: str) -> None:
        self.status = self.Status.FAILED
        self.error = error
        self.finished_at = timezone.now()
        self.save(update_fields=["status", "error", "finished_at"])
