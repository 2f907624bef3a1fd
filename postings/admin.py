"""The back-office for programmes, sessions and postings: forms with the posting's parts as inlines, reach
filters, and the posting actions (publish, close, archive, reopen, duplicate) with their intermediate pages.

Longer than ~400 lines because the posting's admin form, its inlines and its actions are one screen; the
shared reach plumbing lives in organisations/admin_reach.py.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from organisations.admin_reach import InReachAdmin, ReachListFilter
from organisations.models import Organisation
from postings import transitions
from postings.admin_forms import (
    DuplicateForm,
    OwnPhaseFormSet,
    PostingAdminForm,
    ReopenForm,
    usable_sessions,
)
from postings.admin_pages import PostingPagesMixin
from postings.models import (
    TRANSLATED_POSTING_FIELDS,
    TRANSLATION_LANGUAGES,
    PayComponent,
    Phase,
    Posting,
    PostingLanguage,
    PostingLocation,
    PostingOrganisation,
    PostingRequirement,
    Programme,
    PublicationChange,
    Session,
    Theme,
)


class SessionReachListFilter(ReachListFilter):
    select_related = ("programme",)  # Session.__str__ names the programme


class PostingReachListFilter(ReachListFilter):
    only = ("pk", "title")  # Posting.__str__; not its ~30 long texts for each posting in reach


# Themes, programmes, sessions ---------------------------------------------------------------------------


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Programme)
class ProgrammeAdmin(InReachAdmin):
    list_display = ["name", "short_name", "operator"]
    search_fields = ["name", "short_name"]
    autocomplete_fields = ["operator"]
    prepopulated_fields = {"slug": ["name"]}


class SessionPhaseInline(admin.TabularInline):
    model = Phase
    fk_name = "session"
    exclude = ["posting"]
    extra = 0


@admin.register(Session)
class SessionAdmin(InReachAdmin):
    list_display = ["name", "programme", "starts_on", "ends_on"]
    list_filter = [("programme", ReachListFilter)]
    search_fields = ["name", "programme__name", "programme__short_name"]
    list_select_related = ["programme"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SessionPhaseInline]

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        return Programme.objects.coordinated_by(request.user).filter(pk=obj.programme_id).exists()

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == "posting" and request.GET.get("field_name") == "session":
            # The posting form's session box: the same choices as its validation (usable_sessions).
            queryset = queryset.filter(pk__in=usable_sessions(request.user).values("pk"))
        return queryset, may_have_duplicates

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "programme":
            kwargs["queryset"] = Programme.objects.coordinated_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# Postings ---------------------------------------------------------------------------------------------


class PostingOrganisationFormSet(BaseInlineFormSet):
    """A posting must stay in its author's reach: a recruiter keeps one of their organisations on it."""

    user = None  # set per request by PostingOrganisationInline.get_formset

    def clean(self):
        super().clean()
        user = self.user
        if user is None or user.is_superuser or any(self.errors):
            return
        kept = {
            form.cleaned_data["organisation"].pk
            for form in self.forms
            if form.cleaned_data.get("organisation") and not form.cleaned_data.get("DELETE")
        }
        if Organisation.objects.editable_by(user).filter(pk__in=kept).exists():
            return
        session = self.instance.session
        if session and Programme.objects.coordinated_by(user).filter(pk=session.programme_id).exists():
            return
        raise ValidationError(
            _(
                "Ajoutez l'une de vos organisations dans un rôle (accueil, employeur…) : sans elle, l'offre "
                "sortirait de votre espace et vous ne pourriez plus la modifier."
            ),
            code="out_of_reach",
        )


class PostingOrganisationInline(admin.TabularInline):
    model = PostingOrganisation
    formset = PostingOrganisationFormSet
    extra = 1
    essential = True  # shown among the essentials, right after the first fieldset (see change_form.html)
    verbose_name_plural = _("organisations et leur rôle")
    # No "order" column: partners are listed in the order they were added, which is what people expect.
    fields = ["organisation", "role", "description"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}

    def get_formset(self, request, obj=None, **kwargs):
        # The organisation choices depend on the posting: remember it for formfield_for_foreignkey.
        request._posting_in_form = obj
        formset = super().get_formset(request, obj, **kwargs)
        formset.user = request.user
        return formset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organisation":
            attachable = Organisation.objects.attachable_by(request.user)
            posting = getattr(request, "_posting_in_form", None)
            if posting is not None and not request.user.is_superuser:
                attachable = Organisation.objects.filter(
                    Q(pk__in=attachable.values("pk"))
                    | Q(pk__in=posting.organisation_roles.values("organisation_id"))
                )
            kwargs["queryset"] = attachable
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PostingLocationInline(admin.TabularInline):
    model = PostingLocation
    extra = 1
    essential = True
    verbose_name_plural = _("lieux de la mission")
    fields = ["country", "city", "region", "address"]


class PostingLanguageInline(admin.TabularInline):
    model = PostingLanguage
    extra = 0
    classes = ["collapse"]
    verbose_name_plural = _("langues demandées")


class PostingRequirementInline(admin.TabularInline):
    model = PostingRequirement
    extra = 0
    classes = ["collapse"]


class PayComponentInline(admin.TabularInline):
    model = PayComponent
    extra = 0
    classes = ["collapse"]
    verbose_name_plural = _("rémunération : le détail ligne par ligne")


class OwnPhaseInline(admin.TabularInline):
    model = Phase
    formset = OwnPhaseFormSet
    fk_name = "posting"
    exclude = ["session"]
    extra = 0
    classes = ["collapse"]
    verbose_name_plural = _("calendrier propre à l'offre (sinon celui de la session)")


class PublicationChangeInline(admin.TabularInline):
    """The posting's publication history, read-only: rows are written by postings.transitions.move only."""

    model = PublicationChange
    extra = 0
    classes = ["collapse"]
    fields = ["changed_at", "transition_label", "from_status", "to_status", "deadline", "changed_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return obj is not None

    @admin.display(description=_("action"))
    def transition_label(self, obj):
        transition = transitions.BY_NAME.get(obj.transition)
        return transition.label if transition else obj.transition


class SchemeListFilter(admin.ChoicesFieldListFilter):
    """The scheme's filter under its plain name (the model field's "statut" read like the publication state)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("dispositif / statut")


@admin.register(Posting)
class PostingAdmin(PostingPagesMixin, InReachAdmin):
    form = PostingAdminForm
    change_form_template = "admin/postings/posting/change_form.html"
    list_display = ["title", "status", "kind", "session", "deadline", "organisations", "site_link"]
    list_filter = [
        "status",
        "kind",
        ("scheme", SchemeListFilter),
        ("session", SessionReachListFilter),
        ("organisation_roles__organisation", ReachListFilter),
    ]
    search_fields = ["title", "slug", "theme_label", "organisation_roles__organisation__name"]
    date_hierarchy = "deadline"
    list_select_related = ["session__programme"]
    autocomplete_fields = ["session"]
    filter_horizontal = ["themes"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["publication_state", "published_at", "site_link", "created_on", "updated_on"]
    inlines = [
        PostingOrganisationInline,
        PostingLocationInline,
        PostingLanguageInline,
        PostingRequirementInline,
        PayComponentInline,
        OwnPhaseInline,
        PublicationChangeInline,
    ]
    actions = ["publish", "close", "archive", "reopen", "duplicate"]
    # The essentials a small association always fills come first, open; the organisations and places (inlines)
    # are shown right after the first fieldset by the change_form template. Everything else is collapsed.
    fieldsets = [
        (None, {"fields": ["title", "kind", "scheme", "pay_kind", "session"]}),
        (
            _("Dates"),
            {"fields": ["starts_on", "starts_asap", "duration_months", "deadline", "deadline_is_date_only"]},
        ),
        (_("Pour les candidats"), {"fields": ["summary", "how_to_apply", "contact_email"]}),
        (
            _("Description détaillée"),
            {
                "classes": ["collapse"],
                "fields": [
                    "theme_label",
                    "themes",
                    "context",
                    "missions",
                    "profile",
                    "assets",
                    "offer",
                    "programme_text",
                ],
            },
        ),
        (
            _("Éligibilité"),
            {
                "classes": ["collapse"],
                "fields": ["scheme_details", "min_age", "max_age", "max_age_with_disability", "eligibility"],
            },
        ),
        (
            _("Rémunération : montant et précisions"),
            {
                "classes": ["collapse"],
                "fields": [
                    "monthly_pay",
                    "monthly_pay_is_total",
                    "pay_is_approximate",
                    "pay_currency",
                    "pay_is_net",
                    "pay_scale",
                    "pay_details",
                ],
            },
        ),
        (
            _("Temps de travail, dates et contact : précisions"),
            {
                "classes": ["collapse"],
                "fields": [
                    "working_time",
                    "duration_text",
                    "start_text",
                    "deadline_text",
                    "selection_ends_on",
                    "contact_email_other",
                    "contact_phone",
                ],
            },
        ),
        (
            _("Traductions"),
            {
                "classes": ["collapse"],
                "description": _(
                    "Versions anglaise et néerlandaise du contenu. Un champ laissé vide est affiché en français "
                    "sur les pages en anglais ou en néerlandais, avec un avertissement."
                ),
                "fields": [
                    f"{name}_{language}"
                    for name in TRANSLATED_POSTING_FIELDS
                    for language in TRANSLATION_LANGUAGES
                ],
            },
        ),
        (
            _("Adresse de la page et publication"),
            {
                "classes": ["collapse"],
                "fields": [
                    "slug",
                    "is_demo",
                    "publication_state",
                    "published_at",
                    "site_link",
                    "created_on",
                    "updated_on",
                ],
            },
        ),
    ]

    class Media:
        css = {"all": ["admin_passerelle/postings.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("organisation_roles__organisation")

    # Django's French titles read "Ajout de offre", "Modification de offre": say it as a person would.
    def add_view(self, request, form_url="", extra_context=None):
        return super().add_view(request, form_url, {"title": _("Nouvelle offre"), **(extra_context or {})})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {"title": _("Modifier l'offre"), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        first_name, first = fieldsets[0]
        return [(first_name, {**first, "fields": [*first["fields"], "loaded_version"]}), *fieldsets[1:]]

    def get_form(self, request, obj=None, **kwargs):
        # The session choices depend on the posting (its current session stays choosable).
        request._posting_in_form = obj
        return super().get_form(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "session":
            posting = getattr(request, "_posting_in_form", None)
            kwargs["queryset"] = usable_sessions(request.user, current=posting.session if posting else None)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            obj.version = form.cleaned_data["loaded_version"] + 1
        super().save_model(request, obj, form, change)

    def view_on_site(self, obj):
        # A draft or an archive has no public page: the change page offers its preview instead.
        return obj.get_absolute_url() if obj.is_public() else None

    # Columns and read-only fields ---------------------------------------------------------------------

    @admin.display(description=_("organisations"))
    def organisations(self, obj):
        return ", ".join(str(link.organisation) for link in obj.organisation_roles.all())

    @admin.display(description=_("sur le site"))
    def site_link(self, obj):
        if not obj.pk:
            return "–"
        if obj.is_public():
            return format_html(
                '<a href="{}" target="_blank" rel="noopener">{}</a>',
                obj.get_absolute_url(),
                _("Voir sur le site"),
            )
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:postings_posting_preview", args=[obj.pk]), _("Aperçu")
        )

    @admin.display(description=_("état de publication"))
    def publication_state(self, obj):
        return obj.get_status_display() if obj.pk else Posting.Status.DRAFT.label

    @admin.display(description=_("créée le"))
    def created_on(self, obj):
        return obj.created_at

    @admin.display(description=_("modifiée le"))
    def updated_on(self, obj):
        return obj.updated_at

    # List actions: each goes through postings.transitions.move, like the buttons of a posting's page ----

    def _move_selected(self, request, queryset, name: str, **arguments) -> int:
        count = 0
        for posting in queryset:
            try:
                transitions.move(posting, name, by=request.user, **arguments)
            except transitions.InvalidMove as refused:
                self.message_user(request, refused.message, messages.ERROR)
            else:
                self.log_change(request, posting, [{"changed": {"fields": ["status"]}}])
                count += 1
        return count

    def _report(self, request, message: str, count: int) -> None:
        if count:
            self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Publier les offres sélectionnées"), permissions=["change"])
    def publish(self, request, queryset):
        count = self._move_selected(request, queryset, "publish")
        self._report(
            request, ngettext("%(count)s offre publiée.", "%(count)s offres publiées.", count), count
        )

    @admin.action(description=_("Clôturer les offres sélectionnées"), permissions=["change"])
    def close(self, request, queryset):
        count = self._move_selected(request, queryset, "close")
        self._report(
            request, ngettext("%(count)s offre clôturée.", "%(count)s offres clôturées.", count), count
        )

    @admin.action(description=_("Archiver les offres sélectionnées"), permissions=["change"])
    def archive(self, request, queryset):
        count = self._move_selected(request, queryset, "archive")
        self._report(
            request, ngettext("%(count)s offre archivée.", "%(count)s offres archivées.", count), count
        )

    @admin.action(description=_("Rouvrir avec une nouvelle date limite"), permissions=["change"])
    def reopen(self, request, queryset):
        form = ReopenForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            count = self._move_selected(request, queryset, "reopen", deadline=form.cleaned_data["deadline"])
            self._report(
                request, ngettext("%(count)s offre rouverte.", "%(count)s offres rouvertes.", count), count
            )
            return None
        if form.is_bound:
            self.message_user(
                request, _("La date limite n'a pas été acceptée : voyez le formulaire."), messages.ERROR
            )
        return self.action_form_page(
            request,
            queryset,
            form=form,
            template="admin/postings/posting/reopen.html",
            title=_("Rouvrir des offres"),
            action="reopen",
        )

    @admin.action(description=_("Dupliquer pour une autre session"), permissions=["add"])
    def duplicate(self, request, queryset):
        form = DuplicateForm(request.POST if "apply" in request.POST else None, user=request.user)
        if form.is_valid():
            session = form.cleaned_data["session"]
            copies = []
            with transaction.atomic():
                for posting in queryset:
                    copy = posting.duplicate(session=session)
                    self.log_addition(request, copy, [{"added": {}}])
                    copies.append(copy)
            links = format_html_join(
                ", ",
                '<a href="{}">{}</a>',
                ((reverse("admin:postings_posting_change", args=[c.pk]), c.title) for c in copies),
            )
            self.message_user(
                request,
                format_html(
                    "{} {}",
                    ngettext(
                        "Brouillon créé pour %(session)s :",
                        "Brouillons créés pour %(session)s :",
                        len(copies),
                    )
                    % {"session": session},
                    links,
                ),
                messages.SUCCESS,
            )
            return None
        return self.action_form_page(
            request,
            queryset,
            form=form,
            template="admin/postings/posting/duplicate.html",
            title=_("Dupliquer des offres pour une autre session"),
            action="duplicate",
        )
