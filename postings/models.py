"""Programmes, sessions and phases, postings and their parts (places, languages, requirements, pay lines,
organisations in their roles), each with the QuerySet that carries its rules.

Longer than ~400 lines on purpose: a posting is one document with many small parts, and keeping the parts
beside the posting keeps the one open/closed rule and the one access rule in one file. Split candidates if it
grows: the posting's parts into `postings/parts.py`.
"""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from organisations.models import Organisation, reach_of
from postings.languages import language_name
from postings.text import fold


def _nobody(user) -> bool:
    return not user.is_authenticated or not user.is_active


# Where a posting without a deadline sorts and compares: after every real deadline (Posting.closes_at).
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)


def posting_time_zone() -> ZoneInfo:
    """The time zone a posting's dates are stated in. Every posting so far is in France or Belgium, which share
    one civil time, so it is the site's; a posting abroad would need its own field."""
    return ZoneInfo(settings.TIME_ZONE)


def end_of_day(day: date) -> datetime:
    """The last instant of `day` in the postings' time zone: a deadline stated as a date closes then."""
    return datetime.combine(day, time.max, tzinfo=posting_time_zone())


class ProgrammeQuerySet(models.QuerySet):
    def coordinated_by(self, user) -> "ProgrammeQuerySet":
        """Programmes whose sessions the user may create and edit."""
        if _nobody(user):
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(operator_id__in=reach_of(user)[1])

    def visible_to(self, user) -> "ProgrammeQuerySet":
        """Programmes a coordinator's organisation operates, plus those of the postings in the user's reach."""
        if _nobody(user):
            return self.none()
        if user.is_superuser:
            return self
        coordinated_ids = reach_of(user)[1]
        return self.filter(
            Q(operator_id__in=coordinated_ids)
            | Q(pk__in=Posting.objects.visible_to(user).values("session__programme_id"))
        )


class Programme(models.Model):
    """An exchange programme run by an operator organisation (e.g. the E&P exchange programme)."""

    name = models.CharField(_("nom"), max_length=200)
    short_name = models.CharField(_("sigle"), max_length=60, blank=True)
    slug = models.SlugField(_("identifiant d'URL"), max_length=80, unique=True)
    operator = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("opérateur")
    )
    description = models.TextField(_("présentation"), blank=True)
    website = models.URLField(_("site web"), blank=True)
    is_demo = models.BooleanField(_("démonstration"), default=False)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return self.short_name or self.name


class SessionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "SessionQuerySet":
        """Every session of the programmes in reach: a partner organisation working in a programme may place
        postings in any of its sessions (sessions are public); the postings themselves stay scoped."""
        if _nobody(user):
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(programme__in=Programme.objects.visible_to(user).values("pk"))


class Session(models.Model):
    """A cohort of a programme ('Session 24'): volunteers leave together and follow the same phases."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="sessions")
    name = models.CharField(_("nom"), max_length=120)
    slug = models.SlugField(_("identifiant d'URL"), max_length=80, unique=True)
    starts_on = models.DateField(_("début"), null=True, blank=True)
    ends_on = models.DateField(_("fin"), null=True, blank=True)
    min_volunteers = models.PositiveSmallIntegerField(_("volontaires au minimum"), null=True, blank=True)
    max_volunteers = models.PositiveSmallIntegerField(_("volontaires au maximum"), null=True, blank=True)
    description = models.TextField(_("présentation"), blank=True)
    is_demo = models.BooleanField(_("démonstration"), default=False)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="session_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(min_volunteers__isnull=True)
                | Q(max_volunteers__isnull=True)
                | Q(max_volunteers__gte=models.F("min_volunteers")),
                name="session_cohort_min_le_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} – {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("postings:session", kwargs={"slug": self.slug})


class Phase(models.Model):
    """A dated step of a session (collective preparation, field, capitalisation).

    Belongs to a session, or to one posting when that posting has its own calendar (the 2017 call):
    exactly one of the two is set. `Posting.phases_for_display()` picks the posting's own phases first.
    """

    class Kind(models.TextChoices):
        PREPARATION = "preparation", _("Préparation collective au départ")
        FIELD = "field", _("Terrain")
        MIDTERM = "midterm", _("Regroupement à mi-parcours")
        CAPITALISATION = "capitalisation", _("Capitalisation collective au retour")
        OTHER = "other", _("Autre")

    class Precision(models.TextChoices):
        DAY = "day", _("au jour près")
        MONTH = "month", _("au mois près")

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, null=True, blank=True, related_name="phases"
    )
    posting = models.ForeignKey(
        "postings.Posting", on_delete=models.CASCADE, null=True, blank=True, related_name="own_phases"
    )
    kind = models.CharField(_("étape"), max_length=20, choices=Kind)
    label = models.CharField(_("intitulé"), max_length=200, blank=True)
    starts_on = models.DateField(_("début"))
    ends_on = models.DateField(_("fin"))
    date_precision = models.CharField(_("précision"), max_length=10, choices=Precision, default=Precision.DAY)
    place = models.CharField(_("lieu"), max_length=120, blank=True)
    notes = models.TextField(_("remarques"), blank=True)

    class Meta:
        ordering = ["starts_on", "pk"]
        verbose_name = _("étape")
        verbose_name_plural = _("étapes")
        constraints = [
            models.CheckConstraint(
                condition=(Q(session__isnull=False) & Q(posting__isnull=True))
                | (Q(session__isnull=True) & Q(posting__isnull=False)),
                name="phase_belongs_to_session_or_posting",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="phase_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.label or self.get_kind_display()

    @property
    def title(self) -> str:
        return self.label or self.get_kind_display()


class Theme(models.Model):
    name = models.CharField(_("nom"), max_length=120, unique=True)
    name_en = models.CharField(_("nom en anglais"), max_length=120, blank=True)
    name_nl = models.CharField(_("nom en néerlandais"), max_length=120, blank=True)
    slug = models.SlugField(_("identifiant d'URL"), max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("thématique")
        verbose_name_plural = _("thématiques")

    def __str__(self) -> str:
        return self.localized_name

    @property
    def localized_name(self) -> str:
        """The name in the active language, the French one when it has no translation there."""
        language = (translation.get_language() or SOURCE_LANGUAGE).split("-")[0]
        if language in TRANSLATION_LANGUAGES:
            return getattr(self, f"name_{language}") or self.name
        return self.name


class PostingQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PostingQuerySet":
        """The one access rule for postings in the back-office (applications reuse it).

        Superusers reach everything; a recruiter reaches the postings where one of their organisations has
        a role; a coordinator also reaches every posting of the programmes their organisation operates,
        whatever the session. Anyone else reaches nothing.
        """
        if _nobody(user):
            return self.none()
        if user.is_superuser:
            return self
        organisation_ids, coordinated_ids = reach_of(user)
        # Two plain IN subqueries rather than joins under an OR: the planner hashes each small set once
        # (bench/NOTES.md).
        with_a_role = PostingOrganisation.objects.filter(organisation_id__in=organisation_ids).values(
            "posting_id"
        )
        coordinated_sessions = Session.objects.filter(programme__operator_id__in=coordinated_ids).values("pk")
        return self.filter(Q(pk__in=with_a_role) | Q(session_id__in=coordinated_sessions))

    def published(self) -> "PostingQuerySet":
        """Visible to the public: published, closed by hand, or past their deadline. Never drafts or archives."""
        return self.filter(status__in=Posting.PUBLIC_STATUSES)

    def open_for_applications(self, now=None) -> "PostingQuerySet":
        now = now or timezone.now()
        return self.filter(status=Posting.Status.PUBLISHED, closes_at__gt=now)

    def closing_within(self, days: int, now=None) -> "PostingQuerySet":
        now = now or timezone.now()
        return self.open_for_applications(now).filter(closes_at__lte=now + timedelta(days=days))

    def search(self, query: str) -> "PostingQuerySet":
        """Keyword search, accent- and case-insensitive. Full-text (French) on PostgreSQL, words on SQLite.

        Ranking is applied by `postings.search.rank` in the listing; this method only filters.
        """
        from postings.search import filter_postings

        return filter_postings(self, query)


# Posting content that recruiters may write in English and Dutch beside the French original. Each field below
# has `<name>_en` and `<name>_nl` siblings on Posting; an empty one falls back to the French text.
TRANSLATED_POSTING_FIELDS = (
    "title",
    "theme_label",
    "summary",
    "eligibility",
    "context",
    "missions",
    "profile",
    "assets",
    "offer",
    "how_to_apply",
)
TRANSLATION_LANGUAGES = ("en", "nl")
SOURCE_LANGUAGE = "fr"


class LocalizedText(str):
    """A posting's text in one language, with that language (`lang`) for the page's `lang` attribute."""

    lang: str

    def __new__(cls, value: str, lang: str):
        text = super().__new__(cls, value)
        text.lang = lang
        return text

    @property
    def is_fallback(self) -> bool:
        return self.lang != (translation.get_language() or SOURCE_LANGUAGE).split("-")[0] and bool(self)


class LocalizedPosting:
    """`posting.localized_content.title` in templates: the field in the active language, else in French."""

    def __init__(self, posting: "Posting"):
        self._posting = posting

    def __getattr__(self, name: str) -> LocalizedText:
        if name not in TRANSLATED_POSTING_FIELDS:
            raise AttributeError(name)
        return self._posting.localized(name)


class Posting(models.Model):
    class Kind(models.TextChoices):
        VOLUNTEER = "volunteer", _("Mission de volontariat")
        INTERNSHIP = "internship", _("Stage")
        JOB = "job", _("Emploi")

    class Scheme(models.TextChoices):
        SERVICE_CIVIQUE = "service_civique", _("Service Civique")
        ERASMUS_TRAINEE = "erasmus_trainee", _("Erasmus+ – stagiaire de la formation professionnelle")
        INTERNSHIP_AGREEMENT = "internship_agreement", _("Stage sous convention")
        FIXED_TERM = "fixed_term", _("Contrat à durée déterminée (CDD)")
        PERMANENT = "permanent", _("Contrat à durée indéterminée (CDI)")
        VOLUNTEERING = "volunteering", _("Bénévolat")
        OTHER = "other", _("Autre")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("Publiée")
        CLOSED = "closed", _("Clôturée")
        ARCHIVED = "archived", _("Archivée")

    # The statuses with a public page (a closed posting keeps its page): `published()`, `is_public()`, preview.
    PUBLIC_STATUSES = (Status.PUBLISHED, Status.CLOSED)

    class PayKind(models.TextChoices):
        STIPEND = "stipend", _("Indemnité")
        GRATIFICATION = "gratification", _("Gratification de stage")
        SALARY = "salary", _("Salaire")
        NONE = "none", _("Non rémunéré")

    class WorkingTime(models.TextChoices):
        FULL_TIME = "full_time", _("Temps plein")
        PART_TIME = "part_time", _("Temps partiel")
        UNSPECIFIED = "", _("Non précisé")

    # Identity
    title = models.CharField(_("intitulé"), max_length=255)
    slug = models.SlugField(_("identifiant d'URL"), max_length=120, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind)
    theme_label = models.CharField(
        _("thématique affichée"),
        max_length=200,
        blank=True,
        help_text=_("Ex. « Droits des étrangers – villes accueillantes »."),
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="postings", verbose_name=_("thématiques"))
    session = models.ForeignKey(
        Session,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="postings",
        verbose_name=_("session"),
    )
    summary = models.TextField(_("résumé"), blank=True)

    # Status and eligibility
    scheme = models.CharField(_("statut"), max_length=30, choices=Scheme)
    scheme_details = models.TextField(_("précisions sur le statut"), blank=True)
    min_age = models.PositiveSmallIntegerField(_("âge minimum"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("âge maximum"), null=True, blank=True)
    max_age_with_disability = models.PositiveSmallIntegerField(
        _("âge maximum (situation de handicap)"), null=True, blank=True
    )
    eligibility = models.TextField(_("conditions d'éligibilité"), blank=True)

    # Content
    context = models.TextField(_("contexte"), blank=True)
    missions = models.TextField(_("missions et responsabilités"), blank=True)
    profile = models.TextField(_("profil recherché"), blank=True)
    assets = models.TextField(_("atouts"), blank=True)
    offer = models.TextField(_("ce que nous proposons"), blank=True)

    # Pay
    pay_kind = models.CharField(
        _("type de rémunération"), max_length=20, choices=PayKind, default=PayKind.STIPEND
    )
    monthly_pay = models.DecimalField(
        _("montant mensuel"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Montant régulier par mois, quand l'offre en donne un."),
    )
    monthly_pay_is_total = models.BooleanField(
        _("montant calculé"),
        default=False,
        help_text=_(
            "Cochée : le montant mensuel est la somme des éléments de rémunération, que l'offre ne donne pas "
            "elle-même ; il est affiché « soit … au total »."
        ),
    )
    pay_is_approximate = models.BooleanField(_("montant approximatif"), default=False)
    pay_currency = models.CharField(_("devise"), max_length=3, default="EUR")
    pay_is_net = models.BooleanField(_("montant net"), default=False)
    pay_scale = models.CharField(_("grille ou barème"), max_length=120, blank=True)
    pay_details = models.TextField(_("détails de la rémunération"), blank=True)

    # Time
    working_time = models.CharField(
        _("temps de travail"), max_length=20, choices=WorkingTime, default=WorkingTime.UNSPECIFIED, blank=True
    )
    duration_months = models.PositiveSmallIntegerField(_("durée (mois)"), null=True, blank=True)
    duration_text = models.CharField(_("durée (précisions)"), max_length=200, blank=True)
    starts_on = models.DateField(_("date de début"), null=True, blank=True)
    starts_asap = models.BooleanField(_("début au plus vite"), default=False)
    start_text = models.CharField(_("début (précisions)"), max_length=200, blank=True)
    deadline = models.DateTimeField(_("date limite de candidature"), null=True, blank=True)
    deadline_is_date_only = models.BooleanField(
        _("date limite sans heure"),
        default=False,
        help_text=_(
            "Cochée : l'offre donne un jour sans heure. Aucune heure n'est affichée et les candidatures ferment "
            "à la fin de ce jour."
        ),
    )
    deadline_text = models.CharField(
        _("date limite telle qu'indiquée"),
        max_length=120,
        blank=True,
        help_text=_("Les mots de l'offre, quand elle ne donne pas de date complète (ex. « 22 janvier »)."),
    )
    # The deadline, with "no deadline" as the far future. Open postings are then one range of the
    # (status, closes_at) index, read in the listing's order; `deadline IS NULL OR deadline > now` was no range,
    # so page 1 of a large listing read every past posting first (bench/NOTES.md).
    closes_at = models.GeneratedField(
        expression=Coalesce("deadline", Value(NO_DEADLINE, output_field=models.DateTimeField())),
        output_field=models.DateTimeField(),
        db_persist=True,
    )
    # The retention clock of candidates' data starts here (see applications/retention.py); when empty, the
    # deadline's date stands in for it.
    selection_ends_on = models.DateField(
        _("fin de la sélection"),
        null=True,
        blank=True,
        help_text=_(
            "Date de fin de la sélection. Le délai de conservation des candidatures non retenues "
            "(3 mois par défaut) court à partir de cette date, ou à défaut de la date limite de candidature."
        ),
    )

    # Applying
    how_to_apply = models.TextField(_("comment candidater"), blank=True)
    contact_email = models.EmailField(
        _("e-mail de réception des candidatures"),
        blank=True,
        help_text=_("Reçoit une notification à chaque candidature."),
    )
    contact_email_other = models.EmailField(
        _("autre e-mail de contact"),
        blank=True,
        help_text=_("Une seconde adresse donnée par l'offre ; affichée, sans notification."),
    )
    contact_phone = models.CharField(_("téléphone de contact"), max_length=40, blank=True)
    programme_text = models.TextField(
        _("le programme, selon l'offre"),
        blank=True,
        help_text=_(
            "Ce que l'offre dit du programme (méthode, étapes, liens), pour une offre rattachée à aucune session."
        ),
    )

    # Translations (see TRANSLATED_POSTING_FIELDS): empty means "shown in French".
    title_en = models.CharField(_("intitulé en anglais"), max_length=255, blank=True)
    title_nl = models.CharField(_("intitulé en néerlandais"), max_length=255, blank=True)
    theme_label_en = models.CharField(_("thématique affichée en anglais"), max_length=200, blank=True)
    theme_label_nl = models.CharField(_("thématique affichée en néerlandais"), max_length=200, blank=True)
    summary_en = models.TextField(_("résumé en anglais"), blank=True)
    summary_nl = models.TextField(_("résumé en néerlandais"), blank=True)
    eligibility_en = models.TextField(_("conditions d'éligibilité en anglais"), blank=True)
    eligibility_nl = models.TextField(_("conditions d'éligibilité en néerlandais"), blank=True)
    context_en = models.TextField(_("contexte en anglais"), blank=True)
    context_nl = models.TextField(_("contexte en néerlandais"), blank=True)
    missions_en = models.TextField(_("missions et responsabilités en anglais"), blank=True)
    missions_nl = models.TextField(_("missions et responsabilités en néerlandais"), blank=True)
    profile_en = models.TextField(_("profil recherché en anglais"), blank=True)
    profile_nl = models.TextField(_("profil recherché en néerlandais"), blank=True)
    assets_en = models.TextField(_("atouts en anglais"), blank=True)
    assets_nl = models.TextField(_("atouts en néerlandais"), blank=True)
    offer_en = models.TextField(_("ce que nous proposons en anglais"), blank=True)
    offer_nl = models.TextField(_("ce que nous proposons en néerlandais"), blank=True)
    how_to_apply_en = models.TextField(_("comment candidater en anglais"), blank=True)
    how_to_apply_nl = models.TextField(_("comment candidater en néerlandais"), blank=True)

    # Publication
    status = models.CharField(_("publication"), max_length=20, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    is_demo = models.BooleanField(
        _("démonstration"),
        default=False,
        help_text=_("Offre de démonstration, affichée comme telle partout."),
    )
    # Folded (lower case, no accents) copy of the searchable text, kept by save(); see postings/search.py.
    search_text = models.TextField(editable=False, blank=True)
    # Incremented on every save from the admin and on every change of publication state
    # (postings.transitions.move): the admin's change form refuses to save over a newer version.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PostingQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "-published_at"]
        verbose_name = _("offre")
        verbose_name_plural = _("offres")
        indexes = [
            # The listing's order (closing date first), open postings or all public ones ("include closed").
            # `status`, `kind` and `id` ride along so that the total of a filtered listing (by kind, by place
            # through the locations' index) is counted from this index alone, not from the wide posting rows.
            # (An index on `kind` alone, four values, only led the planner to read a quarter of the table;
            # the figures are in bench/NOTES.md.)
            models.Index(fields=["closes_at", "status", "kind", "id"], name="posting_listing_idx"),
            models.Index(fields=["status", "-published_at"], name="posting_status_published_idx"),
            models.Index(fields=["scheme"], name="posting_scheme_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~(Q(starts_on__isnull=False) & Q(starts_asap=True)),
                name="posting_start_date_or_asap",
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(max_age__gte=models.F("min_age")),
                name="posting_age_bounds_ordered",
            ),
            models.CheckConstraint(
                condition=Q(monthly_pay__isnull=True) | Q(monthly_pay__gte=Decimal("0")),
                name="posting_pay_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if self.deadline_is_date_only and self.deadline is not None:
            # A deadline stated as a day closes at the end of that day, whatever time was typed.
            self.deadline = end_of_day(self.deadline.astimezone(posting_time_zone()).date())
        self.search_text = self.build_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_text", "updated_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("postings:detail", kwargs={"slug": self.slug})

    def build_search_text(self) -> str:
        parts = [
            self.title,
            self.theme_label,
            self.summary,
            self.context,
            self.missions,
            self.profile,
            self.assets,
            *(
                getattr(self, f"{name}_{language}")
                for name in ("title", "summary")
                for language in TRANSLATION_LANGUAGES
            ),
        ]
        return fold("\n".join(p for p in parts if p))

    # Content in the visitor's language ----------------------------------------------------------------

    def localized(self, name: str, language: str | None = None) -> LocalizedText:
        """The field `name` in `language` (default: the active one), or the French text when it has no
        translation there. The result knows which language it is in (`.lang`)."""
        if name not in TRANSLATED_POSTING_FIELDS:
            raise ValueError(f"{name} is not a translated posting field")
        language = (language or translation.get_language() or SOURCE_LANGUAGE).split("-")[0]
        if language in TRANSLATION_LANGUAGES:
            text = getattr(self, f"{name}_{language}")
            if text.strip():
                return LocalizedText(text, language)
        return LocalizedText(getattr(self, name), SOURCE_LANGUAGE)

    @property
    def localized_content(self) -> LocalizedPosting:
        return LocalizedPosting(self)

    def is_available_in(self, language: str) -> bool:
        """Written in that language: French always, another language when its title is translated."""
        language = language.split("-")[0]
        if language not in TRANSLATION_LANGUAGES:
            return language == SOURCE_LANGUAGE
        return bool(getattr(self, f"title_{language}").strip())

    def untranslated_fields(self, language: str) -> list[str]:
        """The fields with French text and no translation in `language`: shown in French on its pages."""
        language = language.split("-")[0]
        if language not in TRANSLATION_LANGUAGES:
            return []
        return [
            name
            for name in TRANSLATED_POSTING_FIELDS
            if getattr(self, name).strip() and not getattr(self, f"{name}_{language}").strip()
        ]

    # Rules about one posting -------------------------------------------------------------------------

    def is_open(self, now=None) -> bool:
        """Takes applications: published and not past its deadline. The same rule as the QuerySet."""
        now = now or timezone.now()
        return self.status == self.Status.PUBLISHED and (self.deadline is None or self.deadline > now)

    def is_public(self) -> bool:
        """Has a public page (published or closed): the same statuses as `PostingQuerySet.published()`."""
        return self.status in self.PUBLIC_STATUSES

    def days_left(self, now=None) -> int | None:
        if self.deadline is None or not self.is_open(now):
            return None
        now = now or timezone.now()
        return (timezone.localtime(self.deadline).date() - timezone.localtime(now).date()).days

    def deadline_day(self) -> date | None:
        """The deadline's day in the postings' time zone (what a date-only deadline shows)."""
        if self.deadline is None:
            return None
        return self.deadline.astimezone(posting_time_zone()).date()

    def duration_text_states_months(self) -> bool:
        """The duration's words already give the number of months ("7 mois : formation…"): say it once."""
        return bool(self.duration_months) and self.duration_text.startswith(f"{self.duration_months} mois")

    def public_contact_emails(self) -> list[str]:
        return [email for email in (self.contact_email, self.contact_email_other) if email]

    def phases_for_display(self) -> list[Phase]:
        """The posting's own calendar when it has one, otherwise its session's. Uses prefetched rows."""
        own = list(self.own_phases.all())
        if own or self.session_id is None:
            return own
        return list(self.session.phases.all())

    def organisations_in_role(self, role: str) -> list["PostingOrganisation"]:
        return [link for link in self.organisation_roles.all() if link.role == role]

    # Publication states: every move goes through postings.transitions.move (table, version, log) -------

    def publish(self, *, by=None) -> "PublicationChange":
        from postings.transitions import move

        return move(self, "publish", by=by)

    def close(self, *, by=None) -> "PublicationChange":
        from postings.transitions import move

        return move(self, "close", by=by)

    def archive(self, *, by=None) -> "PublicationChange":
        from postings.transitions import move

        return move(self, "archive", by=by)

    def reopen(self, *, deadline, by=None) -> "PublicationChange":
        from postings.transitions import move

        return move(self, "reopen", by=by, deadline=deadline)

    @transaction.atomic
    def duplicate(self, *, session: "Session | None") -> "Posting":
        """A draft copy for another session with every part (organisations, places, languages,
        requirements, pay, own phases, themes), a new unique slug and no deadline yet."""
        copy = Posting.objects.get(pk=self.pk)
        copy.pk = copy.id = None
        copy._state.adding = True
        copy.session = session
        copy.slug = self._free_slug(f"{self.slug}-{session.slug}" if session else f"{self.slug}-copie")
        copy.status = self.Status.DRAFT
        copy.published_at = None
        copy.deadline = None  # the old session's deadline means nothing for the new one
        copy.version = 1
        copy.save()
        copy.themes.set(self.themes.all())
        for related in (
            "organisation_roles",
            "locations",
            "languages",
            "requirements",
            "pay_components",
            "own_phases",
        ):
            # Read the parts afresh: a prefetched cache on self must not be rewritten to point at the copy.
            for part in getattr(self, related).model.objects.filter(posting=self):
                part.pk = part.id = None
                part._state.adding = True
                part.posting = copy
                part.save()
        return copy

    @classmethod
    def _free_slug(cls, base: str) -> str:
        max_length = cls._meta.get_field("slug").max_length
        base = base[: max_length - 4]
        slug, n = base, 2
        while cls.objects.filter(slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        return slug


class PublicationChange(models.Model):
    """One move of a posting's publication state (see postings/transitions.py): who, when, from, to."""

    posting = models.ForeignKey(Posting, on_delete=models.CASCADE, related_name="publication_changes")
    transition = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("avant"), max_length=20, choices=Posting.Status)
    to_status = models.CharField(_("après"), max_length=20, choices=Posting.Status)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    changed_at = models.DateTimeField(_("le"), default=timezone.now)
    # The new deadline a reopening set (empty for the other moves).
    deadline = models.DateTimeField(_("nouvelle date limite"), null=True, blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = _("changement de publication")
        verbose_name_plural = _("historique de publication")

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class PostingOrganisation(models.Model):
    """An organisation in a role on a posting (sending, host, employer, co-organiser, local partner)."""

    class Role(models.TextChoices):
        SENDING = "sending", _("Organisation d'envoi")
        HOST = "host", _("Organisation d'accueil")
        EMPLOYER = "employer", _("Employeur")
        CO_ORGANISER = "co_organiser", _("Co-organisateur")
        LOCAL_PARTNER = "local_partner", _("Partenaire local")
        COORDINATOR = "coordinator", _("Coordination du programme")

    posting = models.ForeignKey(Posting, on_delete=models.CASCADE, related_name="organisation_roles")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="posting_roles")
    role = models.CharField(_("rôle"), max_length=20, choices=Role)
    description = models.TextField(
        _("rôle dans la mission"), blank=True, help_text=_("Ce que l'organisation fait dans cette mission.")
    )
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("organisation partenaire")
        verbose_name_plural = _("organisations partenaires")
        constraints = [
            models.UniqueConstraint(
                fields=["posting", "organisation", "role"], name="posting_org_role_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.get_role_display()}"


class PostingLocation(models.Model):
    posting = models.ForeignKey(Posting, on_delete=models.CASCADE, related_name="locations")
    country = CountryField(_("pays"))
    city = models.CharField(_("ville"), max_length=100, blank=True)
    city_en = models.CharField(
        _("ville en anglais"),
        max_length=100,
        blank=True,
        help_text=_("Seulement si elle a un nom anglais (Brussels)."),
    )
    city_nl = models.CharField(
        _("ville en néerlandais"),
        max_length=100,
        blank=True,
        help_text=_("Seulement si elle a un nom néerlandais (Brussel, Luik)."),
    )
    region = models.CharField(_("région"), max_length=100, blank=True)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("lieu")
        verbose_name_plural = _("lieux")
        # With the posting: a filter by country or city finds its postings in the index alone.
        indexes = [models.Index(fields=["country", "city", "posting"], name="location_country_city_idx")]

    def __str__(self) -> str:
        """Reads as a place name: "Calais, France", "Littoral Nord (Nord-Pas-de-Calais), France"."""
        place = self.localized_city
        if place and self.region:
            place = f"{place} ({self.region})"
        return ", ".join(p for p in [place or self.region, str(self.country.name)] if p)

    @property
    def localized_city(self) -> str:
        language = (translation.get_language() or SOURCE_LANGUAGE).split("-")[0]
        if language in TRANSLATION_LANGUAGES:
            return getattr(self, f"city_{language}") or self.city
        return self.city


class PostingLanguage(models.Model):
    class Level(models.TextChoices):
        # CEFR levels, only when the posting states one: the posting's own words go in `level_text`.
        A1 = "A1", "A1"
        A2 = "A2", "A2"
        B1 = "B1", "B1"
        B2 = "B2", "B2"
        C1 = "C1", "C1"
        C2 = "C2", "C2"

    posting = models.ForeignKey(Posting, on_delete=models.CASCADE, related_name="languages")
    language = models.CharField(_("langue"), max_length=8, help_text=_("Code ISO 639-1, ex. fr, en, nl, ar."))
    level = models.CharField(
        _("niveau CECRL"),
        max_length=2,
        choices=Level,
        blank=True,
        help_text=_("Seulement si l'offre indique un niveau du CECRL (A1 à C2)."),
    )
    level_text = models.CharField(
        _("niveau tel qu'indiqué"),
        max_length=120,
        blank=True,
        help_text=_("Les mots de l'offre : « bon niveau », « courant », « bilingue »…"),
    )
    is_required = models.BooleanField(_("exigée"), default=True, help_text=_("Décochée : un plus."))
    notes = models.CharField(_("précisions"), max_length=200, blank=True)

    class Meta:
        ordering = ["-is_required", "pk"]
        verbose_name = _("langue")
        verbose_name_plural = _("langues")
        constraints = [
            models.UniqueConstraint(fields=["posting", "language"], name="posting_language_unique")
        ]

    def __str__(self) -> str:
        return self.language_name

    @property
    def language_name(self) -> str:
        return language_name(self.language)

    @property
    def level_as_stated(self) -> str:
        """The level in the posting's words, with the CEFR level only when the posting states one."""
        return " – ".join(part for part in (self.level_text, self.level) if part)


class PostingRequirement(models.Model):
    """A practical requirement: driving licence, own vehicle, internship agreement..."""

    class Kind(models.TextChoices):
        DRIVING_LICENCE = "driving_licence", _("Permis de conduire (B)")
        OWN_VEHICLE = "own_vehicle", _("Véhicule personnel")
        INTERNSHIP_AGREEMENT = "internship_agreement", _("Convention de stage")
        DEGREE = "degree", _("Diplôme")
        OTHER = "other", _("Autre")

    posting = models.ForeignKey(Posting, on_delete=models.CASCADE, related_name="requirements")
    kind = models.CharField(_("exigence"), max_length=30, choices=Kind)
    is_mandatory = models.BooleanField(_("indispensable"), default=True, help_text=_("Décochée : souhaitée."))
    notes = models.CharField(_("précisions"), max_length=255, blank=True)

    class Meta:
        ordering = ["-is_mandatory", "pk"]
        verbose_name = _("exigence pratique")
        verbose_name_plural = _("exigences pratiques")
        constraints = [models.UniqueConstraint(fields=["posting", "kind"], name="posting_requirement_unique")]

    def __str__(self) -> str:
        return self.get_kind_display()

    # Kinds whose French name is feminine: "convention de stage : souhaitée".
    FEMININE_KINDS = frozenset({Kind.INTERNSHIP_AGREEMENT})

    @property
    def necessity_label(self) -> str:
        if self.is_mandatory:
            return translation.gettext("indispensable")
        if self.kind in self.FEMININE_KINDS:
            return translation.pgettext("exigence au féminin", "souhaitée")
        return translation.pgettext("exigence au masculin", "souhaité")


class PayComponent(models.Model):
    """One line of the pay breakdown: State share, co-funding, travel lump sum, start payment, top-up."""

    class Period(models.TextChoices):
        MONTHLY = "month", _("par mois")
        ONCE = "once", _("une fois")

    posting = models.ForeignKey(Posting, on_delete=models.CASCADE, related_name="pay_components")
    label = models.CharField(_("libellé"), max_length=200)
    amount = models.DecimalField(_("montant"), max_digits=8, decimal_places=2)
    period = models.CharField(_("périodicité"), max_length=10, choices=Period, default=Period.MONTHLY)
    is_conditional = models.BooleanField(
        _("sous conditions"), default=False, help_text=_("Ex. majoration sur critères sociaux.")
    )
    notes = models.CharField(_("précisions"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("élément de rémunération")
        verbose_name_plural = _("éléments de rémunération")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=Decimal("0")), name="pay_component_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.amount}"
