"""Applications and what hangs off them: status history, recruiters' notes, the outbox of emails, download
logs, answers to candidates and export jobs.

Longer than ~400 lines because these models share the application's lifetime (erasure deletes them together,
retention reads them together); each class is short.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from organisations.models import Organisation, reach_of
from postings import cache as postings_cache
from postings.languages import language_name
from postings.models import Posting, Programme


def private_upload_to(instance, filename: str) -> str:
    """Random name under a dated folder; the original name is kept only as display text."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"applications/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{suffix[:5]}"


def describe_languages(declared, *, locale: str | None = None, levels: dict[str, str] | None = None) -> str:
    """'Anglais : Bon niveau (B2) ; Français : Très bon niveau (C1)': each declared language by name (CLDR),
    with the level the candidate stated, sorted by name. The one wording for the admin page and the exports;
    `locale` fixes the language of the names (a streamed export outlives its request's language)."""
    if not isinstance(declared, dict):
        return ""
    if levels is None:
        levels = {value: str(label) for value, label in Application.LanguageLevel.choices}
    named = sorted(
        (capfirst(language_name(str(code), locale)), levels.get(level, str(level)))
        for code, level in declared.items()
    )
    return " ; ".join(f"{name} : {level}" for name, level in named)


# An error kept for staff (a failed email, a failed export) is cut to this many characters: enough for the
# exception and its message, never a whole traceback or a server's full answer.
STORED_ERROR_MAX_LENGTH = 2000

# Postings in reach that `ApplicationQuerySet.visible_to_listed` names by id (bench/NOTES.md, "Admin list").
LISTED_REACH_LIMIT = 10_000
# How long the postings in reach stay cached (`postings_in_reach`) when nothing bumps the postings' version.
REACH_CACHE_SECONDS = 600


class InList(models.Func):
    """`column IN (values)`, for a long list of integers: one typed array parameter on PostgreSQL.

    Django's `__in` prepares and compiles each value of the list on its own, milliseconds for a few thousand
    ids every time the query is compiled.
    """

    conditional = True
    output_field = models.BooleanField()

    def __init__(self, column: str, values: list[int]):
        super().__init__(models.F(column))
        self.values = [int(value) for value in values]
        self.array_text = "{" + ",".join(map(str, self.values)) + "}"

    def as_sql(self, compiler, connection, **extra_context):
        if not self.values:
            raise EmptyResultSet
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            # Typed like the column: PostgreSQL hashes the list only when both sides have the same type.
            db_type = self.source_expressions[0].output_field.db_type(connection)
            # The array as one text ("{1,2,3}"): psycopg2 adapts a Python list element by element.
            return f"{column} = ANY(%s::{db_type}[])", (*params, self.array_text)
        return f"{column} IN ({', '.join(['%s'] * len(self.values))})", (*params, *self.values)


def postings_in_reach(user, limit: int) -> list[int]:
    """The ids of `Posting.objects.visible_to(user)`, at most `limit + 1` of them.

    For a user loaded with their memberships (`config.auth`), kept in the cache under the postings' version
    and the user's organisations, like the session filter's choices: reading them was a third of the list
    page's database time at 100k postings (bench/NOTES.md, "Session 6"). Everything the rule reads
    (postings, their organisations' roles, sessions, programmes and their operators) bumps that version when
    saved or deleted (`postings.signals`), and the memberships are part of the key, so a change of reach shows
    on the next request. Other users (a user object built by hand) read the rule each time.
    """

    def read() -> list[int]:
        return list(Posting.objects.visible_to(user).order_by().values_list("pk", flat=True)[: limit + 1])

    if getattr(user, "membership_list", None) is None:
        return read()
    return cache.get_or_set(reach_cache_key("reach", user, limit), read, timeout=REACH_CACHE_SECONDS)


def reach_cache_key(name: str, user, *parts) -> str:
    """A cache key for what a user's reach determines: the postings' version (`postings.cache.key`) with the
    user's organisations and the organisations they coordinate, from their loaded memberships."""
    member_ids, coordinated_ids = reach_of(user)
    return postings_cache.key(
        name,
        ",".join(map(str, sorted(member_ids))),
        ",".join(map(str, sorted(coordinated_ids))),
        *parts,
    )


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
        return self.filter(posting_id__in=Posting.objects.visible_to(user).values("pk"))

    def visible_to_listed(self, user, *, limit: int = LISTED_REACH_LIMIT) -> "ApplicationQuerySet":
        """The rows of `visible_to(user)`, with the postings in reach read first (one query) and named by id.

        For pages that query the reach several times (the back-office list counts, pages and flags
        duplicates): PostgreSQL hashes a list of ids once and checks each application against it, where the
        rule's subquery costs index lookups per application. Past `limit` postings (a coordinator of a large
        programme) the list would cost more than it saves: the subquery stays.
        """
        if not user.is_authenticated or not user.is_active or user.is_superuser:
            return self.visible_to(user)
        posting_ids = postings_in_reach(user, limit)
        if len(posting_ids) > limit:
            return self.visible_to(user)
        return self.filter(InList("posting_id", posting_ids))

    def unanswered(self) -> "ApplicationQuerySet":
        """Applications still waiting for an answer. One the candidate withdrew (or an offer they declined)
        needs none; an erased one no longer exists."""
        return self.filter(answered_at__isnull=True).exclude(
            status__in=[Application.Status.WITHDRAWN, Application.Status.DECLINED]
        )


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

    class LanguageLevel(models.TextChoices):
        """The level a candidate declares in each language the posting asks for (CEFR)."""

        NONE = "none", _("Je ne parle pas cette langue")
        A1 = "A1", _("Débutant (A1)")
        A2 = "A2", _("Notions (A2)")
        B1 = "B1", _("Intermédiaire (B1)")
        B2 = "B2", _("Bon niveau (B2)")
        C1 = "C1", _("Très bon niveau (C1)")
        C2 = "C2", _("Courant / bilingue (C2)")

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
            # The back-office list's order, with the posting that decides whether a row is in reach: a page's
            # ids come from this index alone (applications.admin_changelist).
            models.Index(fields=["submitted_at", "id", "posting"], name="application_list_order_idx"),
            # The back-office's duplicate flag looks candidates up by email and phone.
            models.Index(fields=["email_normalised"], name="application_email_idx"),
            models.Index(fields=["phone_normalised"], name="application_phone_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} – {self.full_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_private_url(self) -> str:
        return reverse("applications:status", kwargs={"uuid": self.uuid})

    def can_be_withdrawn(self) -> bool:
        """Whether the pipeline's table has a withdraw move from this status (applications/pipeline.py)."""
        from applications import pipeline  # the pipeline imports this module

        return pipeline.transition_to(self.Status.WITHDRAWN, source=self.status) is not None

    def stored_files(self) -> list[str]:
        """Names in storage of the files this application owns."""
        return [f.name for f in (self.cv, self.letter_file) if f and f.name]


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


class DownloadLog(models.Model):
    """One download of a candidate's document from the back-office: who, when, which file."""

    class Document(models.TextChoices):
        CV = "cv", _("CV")
        LETTER = "letter", _("Lettre de motivation")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    document = models.CharField(_("document"), max_length=10, choices=Document)
    downloaded_at = models.DateTimeField(_("téléchargé le"), default=timezone.now)

    class Meta:
        ordering = ["-downloaded_at", "-pk"]
        verbose_name = _("téléchargement")
        verbose_name_plural = _("téléchargements")

    def __str__(self) -> str:
        return f"{self.get_document_display()} – {self.downloaded_at:%Y-%m-%d %H:%M}"


class OutgoingEmailQuerySet(models.QuerySet):
    def pending(self) -> "OutgoingEmailQuerySet":
        return self.filter(status=OutgoingEmail.Status.PENDING)

    def due(self, now=None) -> "OutgoingEmailQuerySet":
        """Pending emails whose next attempt time has come."""
        return self.pending().filter(next_attempt_at__lte=now or timezone.now())


class OutgoingEmail(models.Model):
    """The outbox: every email is written here in the transaction that decides to send it.

    A worker task (`applications.tasks.send_outgoing_email`) sends it after commit; when the mail server
    fails, the row stays pending with a later `next_attempt_at` and is retried (by the task re-enqueued with
    a backoff, or by `manage.py send_pending_emails`) until it is sent or `MAX_ATTEMPTS` is reached.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        SENT = "sent", _("Envoyé")
        FAILED = "failed", _("Échec définitif")

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Accusé de réception à la personne candidate")
        NOTIFICATION = "notification", _("Notification aux recruteur·euses")
        ANSWER = "answer", _("Réponse à la personne candidate")
        DUPLICATE_NOTICE = "duplicate", _("Avis d'une nouvelle tentative de candidature")
        ALERT_CONFIRMATION = "alert_confirmation", _("Confirmation d'une alerte")
        ALERT_DIGEST = "alert_digest", _("Nouvelles offres d'une alerte")
        SIGN_IN = "sign_in", _("Lien vers « Mes candidatures »")

    MAX_ATTEMPTS = 6
    # Wait after the 1st, 2nd... failed attempt.
    BACKOFF_SECONDS = (60, 5 * 60, 30 * 60, 2 * 3600, 12 * 3600)
    # How long a sender holds an email it is sending, so that a second sender does not send it too.
    LEASE_SECONDS = 5 * 60

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, null=True, blank=True, related_name="emails"
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind)
    to = models.JSONField(_("destinataires"), default=list)
    reply_to = models.JSONField(_("répondre à"), default=list, blank=True)
    subject = models.CharField(_("objet"), max_length=255)
    body = models.TextField(_("message"))
    language = models.CharField(_("langue"), max_length=8, blank=True)
    # Extra headers, e.g. List-Unsubscribe on alert digests (RFC 8058).
    headers = models.JSONField(_("en-têtes"), default=dict, blank=True)

    status = models.CharField(_("statut"), max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    objects = OutgoingEmailQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("e-mail sortant")
        verbose_name_plural = _("e-mails sortants")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outgoing_email_due_idx")]

    def __str__(self) -> str:
        return self.subject

    def claim(self, now=None) -> bool:
        """Take the email for sending if it is still due; False if another sender has it or it is done."""
        now = now or timezone.now()
        lease_until = now + timedelta(seconds=self.LEASE_SECONDS)
        claimed = OutgoingEmail.objects.due(now).filter(pk=self.pk).update(next_attempt_at=lease_until)
        if claimed:
            self.next_attempt_at = lease_until
        return bool(claimed)

    def mark_sent(self, now=None) -> None:
        self.status = self.Status.SENT
        self.sent_at = now or timezone.now()
        self.attempts += 1
        self.last_error = ""
        self.save(update_fields=["status", "sent_at", "attempts", "last_error"])

    def mark_attempt_failed(self, error: str, now=None) -> None:
        """Count the failure; schedule the next attempt, or give up after MAX_ATTEMPTS."""
        now = now or timezone.now()
        self.attempts += 1
        self.last_error = error[:STORED_ERROR_MAX_LENGTH]
        if self.attempts >= self.MAX_ATTEMPTS:
            self.status = self.Status.FAILED
        else:
            delay = self.BACKOFF_SECONDS[min(self.attempts, len(self.BACKOFF_SECONDS)) - 1]
            self.next_attempt_at = now + timedelta(seconds=delay)
        self.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])


class Outcome(models.TextChoices):
    """What an answer tells the candidate. Each outcome but the acknowledgement moves the pipeline too."""

    ACKNOWLEDGEMENT = "acknowledgement", _("Accusé de réception")
    SHORTLISTED = "shortlisted", _("Présélection")
    INTERVIEW = "interview", _("Invitation à un entretien")
    OFFERED = "offered", _("Proposition")
    REJECTED = "rejected", _("Réponse négative")


class RefusalReason(models.TextChoices):
    """Why an application was not retained; shared with the candidate only when the recruiter says so."""

    PROFILE = "profile", _("Le profil ne correspond pas au poste")
    ELIGIBILITY = "eligibility", _("Conditions d'éligibilité non remplies")
    LANGUAGE = "language", _("Niveau de langue insuffisant")
    AVAILABILITY = "availability", _("Disponibilités incompatibles avec les dates")
    POSITION_FILLED = "position_filled", _("Poste déjà pourvu")
    OTHER_CANDIDATES = "other_candidates", _("D'autres candidatures correspondaient mieux")
    INCOMPLETE = "incomplete", _("Candidature incomplète")
    OTHER = "other", _("Autre motif")


class ReplyTemplateQuerySet(models.QuerySet):
    def usable_by(self, user) -> "ReplyTemplateQuerySet":
        """The templates a back-office user may send: the site's, their organisations' and those of the
        programmes they work in (`Programme.objects.visible_to`). Every way of answering picks among these."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        organisation_ids, _coordinated_ids = reach_of(user)
        return self.filter(
            Q(organisation__isnull=True, programme__isnull=True)
            | Q(organisation_id__in=organisation_ids)
            | Q(programme__in=Programme.objects.visible_to(user).values("pk"))
        )

    def editable_by(self, user) -> "ReplyTemplateQuerySet":
        """Templates a user may change or delete: site-wide ones are the superusers' alone; a coordinator
        edits those of their organisation and of the programmes it operates."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        coordinated_ids = reach_of(user)[1]
        return self.filter(
            Q(organisation_id__in=coordinated_ids) | Q(programme__operator_id__in=coordinated_ids)
        )


class ReplyTemplate(models.Model):
    """The text sent to candidates for one outcome in one language, owned by the site (no organisation nor
    programme), by one organisation or by one programme. Placeholders: {first_name}, {last_name}, {posting},
    {organisation}, {reference}; nothing else is ever interpreted (no attributes, indexes, formats)."""

    PLACEHOLDERS = ("first_name", "last_name", "posting", "organisation", "reference")

    outcome = models.CharField(_("issue"), max_length=20, choices=Outcome)
    language = models.CharField(_("langue"), max_length=8, choices=settings.LANGUAGES)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reply_templates",
        verbose_name=_("organisation"),
        help_text=_(
            "Vide (et sans programme) : modèle du site, modifiable par les super-utilisateurs seuls."
        ),
    )
    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reply_templates",
        verbose_name=_("programme"),
    )
    subject = models.CharField(_("objet"), max_length=200)
    body = models.TextField(
        _("message"),
        help_text=_(
            "Repères utilisables : {first_name}, {last_name}, {posting}, {organisation}, {reference}."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReplyTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["outcome", "language"]
        verbose_name = _("modèle de réponse")
        verbose_name_plural = _("modèles de réponse")
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=True) | Q(programme__isnull=True),
                name="reply_template_one_owner",
            ),
            models.UniqueConstraint(
                fields=["outcome", "language"],
                condition=Q(organisation__isnull=True, programme__isnull=True),
                name="reply_template_site_one_per_language",
            ),
            models.UniqueConstraint(
                fields=["organisation", "outcome", "language"],
                condition=Q(organisation__isnull=False),
                name="reply_template_organisation_one_per_language",
            ),
            models.UniqueConstraint(
                fields=["programme", "outcome", "language"],
                condition=Q(programme__isnull=False),
                name="reply_template_programme_one_per_language",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.language}) – {self.owner_label}"

    @property
    def is_site_wide(self) -> bool:
        return self.organisation_id is None and self.programme_id is None

    @property
    def owner_label(self) -> str:
        if self.programme_id:
            return str(self.programme)
        if self.organisation_id:
            return str(self.organisation)
        return str(_("tout le site"))

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.organisation_id and self.programme_id:
            raise ValidationError(
                _("Un modèle appartient à une organisation ou à un programme, pas aux deux.")
            )
        errors = {}
        for field in ("subject", "body"):
            try:
                parse_reply_text(getattr(self, field))
            except ReplyTextError as error:
                errors[field] = error.message
        if errors:
            raise ValidationError(errors)

    def render(self, context: dict[str, str]) -> tuple[str, str]:
        """(subject, body) with the placeholders filled. Raises ReplyTextError for a text saved before
        placeholders were checked, rather than letting Python's formatting interpret it."""
        return render_reply_text(self.subject, context), render_reply_text(self.body, context)


class ReplyTextError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def parse_reply_text(text: str) -> list[tuple[str, str | None]]:
    """[(literal text, placeholder or None)]. Only the exact documented `{name}` tokens are placeholders
    (`{{` and `}}` write a brace); `{first_name.__class__}`, `{posting[0]}`, `{reference!r}` or `{x:>9}` are
    refused, naming the offending token, so no template can reach an object's attributes."""
    from string import Formatter

    allowed = ", ".join(f"{{{name}}}" for name in ReplyTemplate.PLACEHOLDERS)
    try:
        parts = list(Formatter().parse(text))
    except ValueError as error:
        raise ReplyTextError(
            str(
                _(
                    "Accolade mal fermée : écrivez {{ et }} pour une accolade seule. Repères utilisables : %(allowed)s."
                )
            )
            % {"allowed": allowed}
        ) from error
    pieces = []
    for literal, name, format_spec, conversion in parts:
        if name is None:
            pieces.append((literal, None))
            continue
        if name not in ReplyTemplate.PLACEHOLDERS or format_spec or conversion:
            token = (
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{format_spec}" if format_spec else "")
                + "}"
            )
            raise ReplyTextError(
                str(_("Repère inconnu : %(token)s. Repères utilisables : %(allowed)s."))
                % {"token": token, "allowed": allowed}
            )
        pieces.append((literal, name))
    return pieces


def render_reply_text(text: str, context: dict[str, str]) -> str:
    return "".join(
        literal + (str(context[name]) if name is not None else "") for literal, name in parse_reply_text(text)
    )


class Answer(models.Model):
    """One answer sent to a candidate, exactly as sent."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="answers")
    template = models.ForeignKey(
        ReplyTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="answers"
    )
    outcome = models.CharField(_("issue"), max_length=20, choices=Outcome)
    language = models.CharField(_("langue"), max_length=8)
    subject = models.CharField(_("objet"), max_length=200)
    body = models.TextField(_("message"))
    refusal_reason = models.CharField(_("motif de refus"), max_length=30, choices=RefusalReason, blank=True)
    reason_shared = models.BooleanField(_("motif communiqué"), default=False)
    sent_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["sent_at", "pk"]
        verbose_name = _("réponse")
        verbose_name_plural = _("réponses")
        constraints = [
            models.CheckConstraint(
                condition=Q(reason_shared=False) | ~Q(refusal_reason=""), name="answer_shares_a_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.subject


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
        self.error = error[:STORED_ERROR_MAX_LENGTH]
        self.finished_at = timezone.now()
        self.save(update_fields=["status", "error", "finished_at"])


# Alerts and sign-in links live in their own module; importing them here registers them in this app.
from applications.alert_models import Alert, AlertDigest, SignInLink  # noqa: E402, F401
