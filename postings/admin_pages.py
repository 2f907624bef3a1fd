"""The pages and buttons of one posting in the back-office: preview, publish / close / archive, reopen with a
new deadline, "create a posting from this one". Every state change is a POST through
postings.transitions.move, the same function as the list actions; everything is within the user's reach
(the admin's queryset) or a 404."""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from postings import transitions
from postings.admin_forms import ReopenForm
from postings.models import Posting
from postings.prefetch import with_json_rows
from postings.views import DETAIL_JSON_ROWS, PostingDetailView, with_organisation_roles


class PostingPreviewView(PostingDetailView):
    """The public page of a posting in any state, as a candidate will see it, under a banner that says
    whether it is published. Reached only through the admin (staff, in reach)."""

    template_name = "admin/postings/posting/preview.html"
    pk_url_kwarg = "object_id"
    slug_url_kwarg = None
    reachable = None  # set per request (as_view): the admin's queryset, so out of reach is a 404

    def get(self, request, *args, **kwargs):
        return self.render_uncached()  # always as it is now, whatever the public page's cached pieces

    def get_queryset(self):
        return with_json_rows(with_organisation_roles(self.reachable), *DETAIL_JSON_ROWS)

    def get_object(self, queryset=None):
        posting = super().get_object(queryset)
        self.real_status = posting.status
        if posting.status == Posting.Status.DRAFT:
            # Shown as it will be once published (open until its deadline). In memory only, never saved.
            posting.status = Posting.Status.PUBLISHED
        return posting

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            preview_is_public=self.real_status in Posting.PUBLIC_STATUSES,
            preview_state=Posting.Status(self.real_status).label,
            change_url=reverse("admin:postings_posting_change", args=[self.object.pk]),
        )
        return context


class PostingPagesMixin:
    """For PostingAdmin: the extra URLs of a posting's change page and the buttons' context."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/apercu/", wrap(self.preview_view), name="postings_posting_preview"),
            path(
                "<path:object_id>/etat/<slug:transition>/",
                wrap(self.move_view),
                name="postings_posting_move",
            ),
            path("<path:object_id>/rouvrir/", wrap(self.reopen_view), name="postings_posting_reopen"),
            path("<path:object_id>/copier/", wrap(self.copy_view), name="postings_posting_copy"),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.has_change_permission(request, obj):
            context["posting_moves"] = transitions.allowed(obj)
            context["can_copy"] = self.has_add_permission(request)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _posting(self, request, object_id) -> Posting:
        posting = self.get_object(request, unquote(object_id))  # a 404 when out of reach
        if not self.has_change_permission(request, posting):
            raise PermissionDenied
        return posting

    def _back_to(self, posting) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:postings_posting_change", args=[posting.pk]))

    def preview_view(self, request, object_id):
        posting = self.get_object(request, unquote(object_id))
        if not self.has_view_permission(request, posting):
            raise PermissionDenied
        view = PostingPreviewView.as_view(reachable=Posting.objects.visible_to(request.user))
        return view(request, object_id=posting.pk)

    def move_view(self, request, object_id, transition):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        posting = self._posting(request, object_id)
        if transition not in transitions.BY_NAME or transitions.BY_NAME[transition].needs_deadline:
            raise Http404
        try:
            transitions.move(posting, transition, by=request.user)
        except transitions.InvalidMove as refused:
            self.message_user(request, refused.message, messages.ERROR)
        else:
            self.log_change(request, posting, [{"changed": {"fields": ["status"]}}])
            self.message_user(
                request,
                _("« %(title)s » : %(state)s.")
                % {"title": posting.title, "state": posting.get_status_display()},
                messages.SUCCESS,
            )
        return self._back_to(posting)

    def reopen_view(self, request, object_id):
        posting = self._posting(request, object_id)
        form = ReopenForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                transitions.move(posting, "reopen", by=request.user, deadline=form.cleaned_data["deadline"])
            except transitions.InvalidMove as refused:
                self.message_user(request, refused.message, messages.ERROR)
            else:
                self.log_change(request, posting, [{"changed": {"fields": ["status", "deadline"]}}])
                self.message_user(
                    request, _("« %(title)s » est rouverte.") % {"title": posting.title}, messages.SUCCESS
                )
            return self._back_to(posting)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Rouvrir « %(title)s » avec une nouvelle date") % {"title": posting.title},
            "opts": self.model._meta,
            "original": posting,
            "form": form,
        }
        return TemplateResponse(request, "admin/postings/posting/reopen_one.html", context)

    def copy_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        posting = self.get_object(request, unquote(object_id))
        if not self.has_add_permission(request):
            raise PermissionDenied
        copy = posting.duplicate(session=posting.session)
        self.log_addition(request, copy, [{"added": {}}])
        self.message_user(
            request,
            _(
                "Copie créée en brouillon, avec les mêmes organisations. Choisissez la session ou les dates et la "
                "date limite, puis enregistrez."
            ),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:postings_posting_change", args=[copy.pk]))
