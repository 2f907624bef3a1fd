"""The back-office for applications: the list with its duplicate flag and reach filters, the read-only change
page with history and notes, and the actions (move in the pipeline, answer candidates, erase on request,
export). Its forms (`admin_forms`), the reply page (`admin_reply`) and the exports (`admin_exports`) are
modules of their own.

Longer than ~400 lines because the application screen and its actions are one piece of work for recruiters.
"""

from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.db import models
from django.db.models import Case, Exists, OuterRef, Subquery, Value, When
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, linebreaks
from django.utils.safestring import mark_safe
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from applications import answers, pipeline, retention
from applications.admin_changelist import FastRowsChangeList, PlannedOncePaginator
from applications.admin_exports import ExportMixin, export_csv, export_csv_rfc4180, export_xlsx
from applications.admin_filters import KeptHtml, PostingListFilter, SessionListFilter, StatusListFilter
from applications.admin_forms import (
    ActionForm,
    AnswerForm,
    ApplicationAdminForm,
    EraseForm,
    ReplyTemplateAdminForm,
)
from applications.admin_reply import ReplyMixin
from applications.models import (
    Application,
    RecruiterNote,
    ReplyTemplate,
    describe_languages,
    reach_cache_key,
)
from config.admin import permissions_key
from organisations.admin_reach import InReachAdmin
from organisations.models import Organisation, reach_of
from postings.languages import language_name
from postings.models import Posting, PostingOrganisation, Programme

Status = Application.Status


def download_url(application: Application, which: str) -> str:
    return reverse("applications:download", kwargs={"uuid": application.uuid, "document": which})


class AnsweredFilter(KeptHtml, admin.SimpleListFilter):
    title = _("réponse envoyée")
    parameter_name = "answered"

    def lookups(self, request, model_admin):
        return [("yes", _("Oui")), ("no", _("Pas encore"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(answered_at__isnull=False)
        if self.value() == "no":
            return queryset.unanswered()
        return queryset


class DuplicateFilter(KeptHtml, admin.SimpleListFilter):
    title = _("doublon possible")
    parameter_name = "duplicate"

    def lookups(self, request, model_admin):
        return [("yes", _("Oui"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(is_possible_duplicate=True)
        return queryset


class RecruiterNoteInline(admin.TabularInline):
    """Notes are added, never rewritten: earlier ones are shown read-only with their author."""

    model = RecruiterNote
    extra = 1
    fields = ["body", "written_by", "written_at"]
    readonly_fields = ["written_by", "written_at"]

    @admin.display(description=_("auteur·rice"))
    def written_by(self, obj):
        return obj.author or "–"

    @admin.display(description=_("écrite le"))
    def written_at(self, obj):
        return obj.created_at if obj.pk else "–"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _move_action(target: str):
    def action(modeladmin, request, queryset):
        modeladmin.move_selected(request, queryset, target)

    action.__name__ = f"move_to_{target}"
    return admin.action(
        description=format_lazy(_("Passer en « {} »"), Status(target).label), permissions=["change"]
    )(action)


def days_ago(moment) -> str:
    """'aujourd'hui', 'hier', 'il y a 3 jours': calendar days in local time."""
    days = (timezone.localdate() - timezone.localdate(moment)).days
    if days <= 0:
        return gettext("aujourd'hui")
    if days == 1:
        return gettext("hier")
    return ngettext("il y a %(days)s jour", "il y a %(days)s jours", days) % {"days": days}


MOVE_ACTIONS = [_move_action(target) for target in dict.fromkeys(t.target for t in pipeline.TRANSITIONS)]


POSTING_TEXT_COLUMNS = [
    f"posting__{field.name}" for field in Posting._meta.concrete_fields if isinstance(field, models.TextField)
]


class BuiltList:
    """ApplicationAdmin.get_queryset's queryset for one reach, and what the list keeps beside it for that
    reach (`kept`: the page rows' query, compiled once; applications/admin_changelist.py)."""

    def __init__(self, queryset: models.QuerySet):
        self.queryset = queryset
        self.kept: dict = {}


# Per reach (see ApplicationAdmin.built_list).
_built_querysets: dict[tuple, BuiltList] = {}
MAX_BUILT_QUERYSETS = 64
# Per set of permissions and place (see ApplicationAdmin.get_actions).
_kept_actions: dict[tuple, dict] = {}
MAX_KEPT_ACTIONS = 64


@admin.register(Application)
class ApplicationAdmin(ReplyMixin, ExportMixin, InReachAdmin):
    form = ApplicationAdminForm
    list_display = [
        "reference",
        "full_name",
        "status",
        "posting",
        "session",
        "organisation",
        "submitted_at",
        "last_answer",
        "possible_duplicate",
    ]
    list_display_links = ["reference", "full_name"]
    list_filter = [
        ("status", StatusListFilter),
        AnsweredFilter,
        DuplicateFilter,
        ("posting", PostingListFilter),
        ("posting__session", SessionListFilter),
    ]
    search_fields = ["reference", "first_name", "last_name", "email"]
    list_select_related = ["posting__session__programme"]
    # What the columns, Application.__str__ and Session.__str__ read (admin_changelist.FastRowsChangeList):
    # a page's rows leave the rest of each application and its posting in the database.
    list_only = [
        "reference",
        "first_name",
        "last_name",
        "status",
        "submitted_at",
        "answered_at",
        "posting__title",
        "posting__session__name",
        "posting__session__programme__name",
        "posting__session__programme__short_name",
    ]
    # Counting every row once more for "(N total)" is a query per page for little use.
    show_full_result_count = False
    # What a recruiter reads before refining a filter or turning the page (Django's default is 100): each
    # row costs rendering, and the page's query stops earlier in the submission-date index.
    list_per_page = 50
    paginator = PlannedOncePaginator
    inlines = [RecruiterNoteInline]
    action_form = ActionForm
    actions = [
        "answer_candidates",
        *MOVE_ACTIONS,
        export_xlsx,
        export_csv,
        export_csv_rfc4180,
        "erase_on_request",
    ]
    readonly_fields = [
        "reference",
        "full_name",
        "email",
        "phone",
        "city",
        "country_name",
        "posting_link",
        "status",
        "submitted_at",
        "answered_at",
        "application_language",
        "languages_declared",
        "eligibility_confirmed",
        "heard_from",
        "letter",
        "documents",
        "keep_for_future",
        "consented_at",
        "history",
    ]
    fieldsets = [
        (
            _("Personne"),
            {
                "fields": [
                    "reference",
                    "full_name",
                    "email",
                    "phone",
                    "city",
                    "country_name",
                    "application_language",
                ]
            },
        ),
        (_("Offre et statut"), {"fields": ["posting_link", "status", "submitted_at", "answered_at"]}),
        (_("Changer le statut"), {"fields": ["move_to", "move_note"]}),
        (
            _("Réponses de la personne"),
            {
                "fields": [
                    "languages_declared",
                    "eligibility_confirmed",
                    "heard_from",
                    "letter",
                    "documents",
                    "keep_for_future",
                    "consented_at",
                ]
            },
        ),
        (_("Historique"), {"fields": ["history"]}),
    ]

    def get_queryset(self, request):
        """The rows in reach with the duplicate flag and the host organisation, built once per reach in this
        process and cloned for each request, as a class-based view clones its `queryset`: building its
        annotations cost ~3 ms of every page (bench/NOTES.md, "Session 8")."""
        built = self.built_list(request)
        return self.build_queryset(request) if built is None else built.queryset.all()

    def built_list(self, request) -> BuiltList | None:
        """What is kept for the request's reach; None for a user not loaded by the login backend (who builds
        everything on each request). The key holds everything the queryset depends on: the user and their
        flags, their organisations and the postings' version (`reach_cache_key`), so that a change of reach
        shows on the next request."""
        user = request.user
        if getattr(user, "membership_list", None) is None:
            return None
        lists_reach = getattr(request, "lists_reach", False)
        in_request = request.__dict__.setdefault("_application_lists", {})
        if (built := in_request.get(lists_reach)) is not None:
            return built
        key = (lists_reach, user.pk, user.is_active, user.is_superuser, reach_cache_key("admin-rows", user))
        if (built := _built_querysets.get(key)) is None:
            if len(_built_querysets) >= MAX_BUILT_QUERYSETS:
                _built_querysets.clear()
            built = _built_querysets[key] = BuiltList(self.build_queryset(request))
        in_request[lists_reach] = built
        return built

    def build_queryset(self, request):
        if getattr(request, "lists_reach", False):
            # The list page counts and pages the applications in reach: with the postings in reach named by
            # id, PostgreSQL checks each application against a hashed list (bench/NOTES.md, "Admin list").
            visible = self.model._default_manager.visible_to_listed(request.user)
        else:
            visible = super().get_queryset(request)  # InReachAdmin: Application.objects.visible_to(user)
        # The same person (email or phone) on another posting of the same session. Only applications the
        # viewer can see count, so the flag never reveals an application to another organisation.
        # Two EXISTS rather than one with "email OR phone": each is then an index lookup (bench/NOTES.md).
        # The row's session is read through its posting in the subquery, so that counting and paging the
        # list need no join with the postings.
        row_session = Posting.objects.filter(pk=OuterRef(OuterRef("posting_id"))).values("session_id")[:1]
        others_in_session = (
            Application.objects.visible_to(request.user)
            .filter(posting__session_id=Subquery(row_session))
            .exclude(pk=OuterRef("pk"))
        )
        same_email = others_in_session.filter(email_normalised=OuterRef("email_normalised"))
        same_phone = others_in_session.filter(phone_normalised=OuterRef("phone_normalised"))
        host = PostingOrganisation.objects.filter(
            posting_id=OuterRef("posting_id"),
            role__in=[PostingOrganisation.Role.HOST, PostingOrganisation.Role.EMPLOYER],
        ).order_by("order", "pk")
        return (
            visible.annotate(
                # CASE: the phone lookup runs only for an application that has a phone (an empty one would
                # match every application without a phone).
                is_possible_duplicate=Exists(same_email)
                | Case(When(phone_normalised="", then=Value(False)), default=Exists(same_phone)),
                organisation_name=Subquery(host.values("organisation__name")[:1]),
            )
            # The list and the form show a posting by its title: its long texts (~30 columns in three
            # languages) stay in the database instead of travelling with each of 100 rows.
            .defer(*POSTING_TEXT_COLUMNS)
        )

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        """Django's, kept per set of permissions (`permissions_key`) and place, as every action's `permissions`
        are checked against the user's alone: the list asks for its actions three times a page, ~0.35 ms of
        permission checks and descriptions. The dict is shared: Django reads it, never changes it."""
        permissions = permissions_key(request.user)
        if permissions is None or IS_POPUP_VAR in request.GET:
            return super().get_actions(request, action_location=action_location)
        if (actions := _kept_actions.get((permissions, action_location))) is None:
            if len(_kept_actions) >= MAX_KEPT_ACTIONS:
                _kept_actions.clear()
            actions = super().get_actions(request, action_location=action_location)
            _kept_actions[permissions, action_location] = actions
        return actions

    def changelist_view(self, request, extra_context=None):
        request.lists_reach = True  # see get_queryset; exports keep the rule's subquery
        return super().changelist_view(request, extra_context)

    def get_changelist(self, request, **kwargs):
        return FastRowsChangeList

    def lookup_allowed(self, lookup, value, request):
        # The posting filter's title search; it narrows rows that `get_queryset` already limits to the reach.
        if lookup == PostingListFilter.title_lookup("posting"):
            return True
        return super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request):
        return False  # applications come from candidates only

    def has_delete_permission(self, request, obj=None):
        # Django's delete page and "delete selected" would skip the erasure path (files, audit line, admin
        # log): an application goes only through the "Effacer (demande RGPD)" action.
        return False

    def has_erase_permission(self, request) -> bool:
        """Erasure requests: whoever holds the delete permission on applications (superusers, coordinators;
        a recruiter only when a superuser grants it to them). Rows stay limited to `visible_to`."""
        return request.user.has_perm("applications.delete_application")

    # Columns ------------------------------------------------------------------------------------------

    @admin.display(description=_("nom"), ordering="last_name")
    def full_name(self, obj):
        return obj.full_name

    @admin.display(description=_("session"), ordering="posting__session__name")
    def session(self, obj):
        return obj.posting.session or "–"

    @admin.display(description=_("organisation"), ordering="organisation_name")
    def organisation(self, obj):
        return obj.organisation_name or "–"

    @admin.display(description=_("dernière réponse"), ordering="answered_at")
    def last_answer(self, obj):
        if obj.answered_at is None:
            return _("jamais répondu")
        return days_ago(obj.answered_at)

    @admin.display(description=_("doublon ?"), boolean=True, ordering="is_possible_duplicate")
    def possible_duplicate(self, obj):
        return obj.is_possible_duplicate

    # Read-only answers ---------------------------------------------------------------------------------

    @admin.display(description=_("pays de résidence"))
    def country_name(self, obj):
        return countries.name(obj.country) or obj.country or "–"

    @admin.display(description=_("langue de la candidature"))
    def application_language(self, obj):
        return capfirst(language_name(obj.language)) if obj.language else "–"

    @admin.display(description=_("offre"))
    def posting_link(self, obj):
        url = reverse("admin:postings_posting_change", args=[obj.posting_id])
        return format_html('<a href="{}">{}</a>', url, obj.posting.title)

    @admin.display(description=_("langues déclarées"))
    def languages_declared(self, obj):
        return describe_languages(obj.languages) or "–"

    @admin.display(description=_("lettre de motivation"))
    def letter(self, obj):
        if obj.letter_text:
            return mark_safe(linebreaks(obj.letter_text, autoescape=True))  # escaped by linebreaks
        return obj.letter_name or _("(fichier joint)")

    @admin.display(description=_("documents"))
    def documents(self, obj):
        links = []
        for which, label, present in (
            ("cv", _("Télécharger le CV"), obj.cv),
            ("letter", _("Télécharger la lettre"), obj.letter_file),
        ):
            if present:
                links.append(format_html('<a href="{}">{}</a>', download_url(obj, which), label))
        return format_html(" · ".join(["{}"] * len(links)), *links) if links else "–"

    @admin.display(description=_("historique"))
    def history(self, obj):
        return render_to_string(
            "admin/applications/application/_history.html",
            {
                "moves": obj.status_changes.select_related("changed_by"),
                "answers": [
                    (answer, capfirst(language_name(answer.language)))
                    for answer in obj.answers.select_related("sent_by")
                ],
            },
        )

    # Saving: nothing but the pipeline move ----------------------------------------------------------

    def save_model(self, request, obj, form, change):
        target = form.cleaned_data.get("move_to")
        if not target:
            return
        try:
            pipeline.move(obj, to=target, by=request.user, note=form.cleaned_data.get("move_note", ""))
        except pipeline.InvalidMove as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)

    def save_formset(self, request, form, formset, change):
        for note in formset.save(commit=False):
            note.author = request.user
            note.save()

    # Actions ----------------------------------------------------------------------------------------

    def move_selected(self, request, queryset, target: str) -> None:
        moved, refused = 0, []
        for application in queryset:
            try:
                pipeline.move(application, to=target, by=request.user)
            except pipeline.InvalidMove as error:
                refused.append(" ".join(error.messages))
            else:
                moved += 1
        if moved:
            self.message_user(
                request,
                ngettext("%(count)s candidature déplacée.", "%(count)s candidatures déplacées.", moved)
                % {"count": moved},
                messages.SUCCESS,
            )
        for message in refused:
            self.message_user(request, message, messages.WARNING)

    @admin.action(description=_("Répondre aux candidat·es sélectionné·es"), permissions=["change"])
    def answer_candidates(self, request, queryset):
        form = AnswerForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            report = answers.answer_applications(
                queryset,
                outcome=form.cleaned_data["outcome"],
                by=request.user,
                refusal_reason=form.cleaned_data["refusal_reason"],
                reason_shared=form.cleaned_data["share_reason"],
            )
            if report.answered:
                count = len(report.answered)
                self.message_user(
                    request,
                    ngettext("%(count)s réponse envoyée.", "%(count)s réponses envoyées.", count)
                    % {"count": count},
                    messages.SUCCESS,
                )
            for application, reason in report.skipped:
                self.message_user(
                    request,
                    _("Pas de réponse à %(reference)s : %(reason)s")
                    % {"reference": application.reference, "reason": reason},
                    messages.WARNING,
                )
            return None
        return self.action_form_page(
            request,
            queryset,
            form=form,
            template="admin/applications/application/answer.html",
            title=_("Répondre aux candidat·es"),
            action="answer_candidates",
        )

    @admin.action(description=_("Effacer (demande RGPD)"), permissions=["erase"])
    def erase_on_request(self, request, queryset):
        """Erase the selected applications at their candidates' request, after a confirmation page."""
        form = EraseForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            erased = []
            for application in queryset:
                erased.append(retention.erase_application(application, by=request.user).reference)
            self.message_user(
                request,
                ngettext(
                    "%(count)s candidature effacée avec ses documents : %(references)s.",
                    "%(count)s candidatures effacées avec leurs documents : %(references)s.",
                    len(erased),
                )
                % {"count": len(erased), "references": ", ".join(erased)},
                messages.SUCCESS,
            )
            return None
        return self.action_form_page(
            request,
            queryset,
            form=form,
            template="admin/applications/application/erase.html",
            title=_("Effacer des candidatures (demande RGPD)"),
            action="erase_on_request",
        )


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    """Each template has an owner. Everyone sees the templates they may send (`usable_by`); the site's are
    changed by superusers only, an organisation's or a programme's by its coordinators (`editable_by`), so
    nobody can change the text another organisation's recruiters send."""

    form = ReplyTemplateAdminForm
    list_display = ["outcome", "language", "owner", "subject", "updated_at"]
    list_filter = ["outcome", "language"]
    search_fields = ["subject", "body"]

    @admin.display(description=_("propriétaire"))
    def owner(self, obj):
        return obj.owner_label

    def get_queryset(self, request):
        return (
            super().get_queryset(request).usable_by(request.user).select_related("organisation", "programme")
        )

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def _may_edit(self, request, obj) -> bool:
        return obj is None or ReplyTemplate.objects.editable_by(request.user).filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_edit(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.may_edit_site_templates = request.user.is_superuser
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """Owners offered are those whose templates the user may edit: a coordinator's organisations and
        the programmes they operate."""
        if not request.user.is_superuser:
            coordinated_ids = reach_of(request.user)[1]
            if db_field.name == "organisation":
                kwargs["queryset"] = Organisation.objects.filter(pk__in=coordinated_ids)
            elif db_field.name == "programme":
                kwargs["queryset"] = Programme.objects.filter(operator_id__in=coordinated_ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# Alerts have their own admin module (issue #17); importing it registers it.
from applications import alert_admin  # noqa: E402, F401
