from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from organisations.admin_reach import InReachAdmin, ReachListFilter
from organisations.models import Membership, Organisation
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
    Session,
    Theme,
)

STALE_MESSAGE = _(
    "Cette offre a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte. Vos changements n'ont "
    "pas été enregistrés : rechargez la page pour voir la version actuelle, puis refaites vos modifications."
)


def _is_coordinator(user) -> bool:
    return Membership.objects.filter(user=user, role=Membership.Role.COORDINATOR).exists()


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

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "programme":
            kwargs["queryset"] = Programme.objects.coordinated_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# Postings ---------------------------------------------------------------------------------------------


class PostingAdminForm(forms.ModelForm):
    # The version the form was opened at: saving on top of someone else's save is refused (see clean()).
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Posting
        fields: list[str] = []  # the admin passes the fields of its fieldsets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version
        else:
            del self.fields["loaded_version"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            # The admin validates and saves in one transaction: this row lock holds until the save, so two
            # recruiters saving at once are serialised and the second one sees the first one's version.
            current = (
                Posting.objects.select_for_update()
                .filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )
            if cleaned.get("loaded_version") != current:
                raise ValidationError(STALE_MESSAGE, code="stale")
        return cleaned


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
    fields = ["organisation", "role", "description", "order"]

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
    extra = 0


class PostingLanguageInline(admin.TabularInline):
    model = PostingLanguage
    extra = 0


class PostingRequirementInline(admin.TabularInline):
    model = PostingRequirement
    extra = 0


class PayComponentInline(admin.TabularInline):
    model = PayComponent
    extra = 0


class OwnPhaseInline(admin.TabularInline):
    model = Phase
    fk_name = "posting"
    exclude = ["session"]
    extra = 0
    verbose_name_plural = _("calendrier propre à l'offre (sinon celui de la session)")


class ReopenForm(forms.Form):
    deadline = forms.DateTimeField(
        label=_("Nouvelle date limite de candidature"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
    )

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline <= timezone.now():
            raise ValidationError(_("La nouvelle date limite doit être dans le futur."), code="past")
        return deadline


class DuplicateForm(forms.Form):
    session = forms.ModelChoiceField(label=_("Session de la copie"), queryset=Session.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = Session.objects.visible_to(user).select_related("programme")


@admin.register(Posting)
class PostingAdmin(InReachAdmin):
    form = PostingAdminForm
    list_display = ["title", "status", "kind", "session", "deadline", "organisations", "site_link"]
    list_filter = [
        "status",
        "kind",
        "scheme",
        ("session", SessionReachListFilter),
        ("organisation_roles__organisation", ReachListFilter),
    ]
    search_fields = ["title", "slug", "theme_label", "organisation_roles__organisation__name"]
    date_hierarchy = "deadline"
    list_select_related = ["session__programme"]
    autocomplete_fields = ["session"]
    filter_horizontal = ["themes"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["status", "published_at", "version", "site_link", "created_at", "updated_at"]
    inlines = [
        PostingOrganisationInline,
        PostingLocationInline,
        PostingLanguageInline,
        PostingRequirementInline,
        PayComponentInline,
        OwnPhaseInline,
    ]
    actions = ["publish", "close", "archive", "reopen", "duplicate"]
    fieldsets = [
        (
            None,
            {"fields": ["title", "slug", "kind", "session", "theme_label", "themes", "summary", "is_demo"]},
        ),
        (
            _("Statut et éligibilité"),
            {
                "fields": [
                    "scheme",
                    "scheme_details",
                    "min_age",
                    "max_age",
                    "max_age_with_disability",
                    "eligibility",
                ]
            },
        ),
        (_("Contenu"), {"fields": ["context", "missions", "profile", "assets", "offer", "programme_text"]}),
        (
            _("Rémunération"),
            {
                "fields": [
                    "pay_kind",
                    "monthly_pay",
                    "monthly_pay_is_total",
                    "pay_is_approximate",
                    "pay_currency",
                    "pay_is_net",
                    "pay_scale",
                    "pay_details",
                ]
            },
        ),
        (
            _("Calendrier"),
            {
                "fields": [
                    "working_time",
                    "duration_months",
                    "duration_text",
                    "starts_on",
                    "starts_asap",
                    "start_text",
                    "deadline",
                    "deadline_is_date_only",
                    "deadline_text",
                    "selection_ends_on",
                ]
            },
        ),
        (
            _("Candidater"),
            {
                "fields": [
                    "how_to_apply",
                    "contact_email",
                    "contact_email_other",
                    "contact_phone",
                ]
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
            _("Publication"),
            {"fields": ["status", "published_at", "site_link", "version", "created_at", "updated_at"]},
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("organisation_roles__organisation")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        first_name, first = fieldsets[0]
        return [(first_name, {**first, "fields": [*first["fields"], "loaded_version"]}), *fieldsets[1:]]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "session":
            kwargs["queryset"] = Session.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            obj.version = form.cleaned_data["loaded_version"] + 1
        super().save_model(request, obj, form, change)

    def view_on_site(self, obj):
        return obj.get_absolute_url()

    # Columns ------------------------------------------------------------------------------------------

    @admin.display(description=_("organisations"))
    def organisations(self, obj):
        return ", ".join(str(link.organisation) for link in obj.organisation_roles.all())

    @admin.display(description=_("sur le site"))
    def site_link(self, obj):
        if not obj.pk:
            return "–"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            obj.get_absolute_url(),
            _("Voir sur le site"),
        )

    # Actions: each calls the posting's own transition --------------------------------------------------

    def _transition(self, request, queryset, method: str) -> int:
        count = 0
        for posting in queryset:
            getattr(posting, method)()
            self.log_change(request, posting, [{"changed": {"fields": ["status"]}}])
            count += 1
        return count

    def _report(self, request, message: str, count: int) -> None:
        self.message_user(request, message % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Publier les offres sélectionnées"), permissions=["change"])
    def publish(self, request, queryset):
        count = self._transition(request, queryset, "publish")
        self._report(
            request, ngettext("%(count)s offre publiée.", "%(count)s offres publiées.", count), count
        )

    @admin.action(description=_("Clôturer les offres sélectionnées"), permissions=["change"])
    def close(self, request, queryset):
        count = self._transition(request, queryset, "close")
        self._report(
            request, ngettext("%(count)s offre clôturée.", "%(count)s offres clôturées.", count), count
        )

    @admin.action(description=_("Archiver les offres sélectionnées"), permissions=["change"])
    def archive(self, request, queryset):
        count = self._transition(request, queryset, "archive")
        self._report(
            request, ngettext("%(count)s offre archivée.", "%(count)s offres archivées.", count), count
        )

    def _intermediate_page(self, request, queryset, *, form, template, title, action):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "queryset": queryset,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, template, context)

    @admin.action(description=_("Rouvrir avec une nouvelle date limite"), permissions=["change"])
    def reopen(self, request, queryset):
        form = ReopenForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            postings = list(queryset)
            for posting in postings:
                posting.reopen(deadline=form.cleaned_data["deadline"])
                self.log_change(request, posting, [{"changed": {"fields": ["status", "deadline"]}}])
            self.message_user(
                request,
                ngettext("%(count)s offre rouverte.", "%(count)s offres rouvertes.", len(postings))
                % {"count": len(postings)},
                messages.SUCCESS,
            )
            return None
        if form.is_bound:
            self.message_user(
                request, _("La date limite n'a pas été acceptée : voyez le formulaire."), messages.ERROR
            )
        return self._intermediate_page(
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
        return self._intermediate_page(
            request,
            queryset,
            form=form,
            template="admin/postings/posting/duplicate.html",
            title=_("Dupliquer des offres pour une autre session"),
            action="duplicate",
        )
