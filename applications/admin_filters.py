"""The posting filter of the application list: any posting in reach, found by its title.

A recruiter may reach thousands of postings (2,000 for the bench's organisation at 100k postings). Listed in
full, one link each, they were the heaviest part of the page and a list nobody scrolls. The filter lists
instead the postings of the applications on the page (with the default order, those receiving applications
now) and the chosen one, and searches the titles of all the postings in reach: the search narrows the list
to the applications to matching postings and offers the first of them to choose from.
"""

from django.contrib import admin
from django.contrib.admin.utils import get_last_value_from_parameters
from django.utils.translation import gettext

from applications.models import reach_cache_key
from postings import cache as postings_cache
from postings.admin import SessionReachListFilter
from postings.models import Posting

# Django admin's heading of a filter, translated by Django's own catalogues (held in a constant so that
# `makemessages` leaves it to them).
FILTER_HEADING = " By %(filter_title)s "


class PostingListFilter(admin.RelatedFieldListFilter):
    template = "admin/applications/application/posting_filter.html"
    # Postings offered: from the page's rows, or matching the title searched.
    page_limit = 10
    search_limit = 20

    @staticmethod
    def title_lookup(field_path: str) -> str:
        return f"{field_path}__title__icontains"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.title_kwarg = self.title_lookup(field_path)
        self.title_value = (get_last_value_from_parameters(params, self.title_kwarg) or "").strip()
        self.user = request.user
        self.note = ""
        self.kept_parameters: list[tuple[str, str]] = []
        super().__init__(field, request, params, model, model_admin, field_path)

    def expected_parameters(self):
        return [*super().expected_parameters(), self.title_kwarg]

    def heading(self) -> str:
        """The filter's heading, as Django's admin/filter.html writes it."""
        return gettext(FILTER_HEADING) % {"filter_title": self.title}

    def has_output(self):
        return True  # the search finds any posting in reach, whatever the page shows

    def field_choices(self, field, request, model_admin):
        return []  # worked out in `choices`, from the page's rows or the search

    def in_reach(self):
        return Posting.objects.visible_to(self.user)

    def chosen(self) -> tuple[int, str] | None:
        """The chosen posting, if the user reaches it: (pk, title)."""
        values = self.lookup_val or []
        if len(values) != 1 or not values[0].isdigit():
            return None
        return self.in_reach().filter(pk=values[0]).values_list("pk", "title").first()

    def _offered(self, changelist) -> list[tuple[int, str]]:
        if self.title_value:
            found = list(
                self.in_reach()
                .filter(title__icontains=self.title_value)
                .order_by(*self.field_admin_ordering(self.field, self.request, changelist.model_admin))
                .values_list("pk", "title")[: self.search_limit + 1]
            )
            if len(found) > self.search_limit:
                self.note = gettext("Les %(count)s premières offres : précisez le titre pour les autres.") % {
                    "count": self.search_limit
                }
            elif not found:
                self.note = gettext("Aucune offre dans votre périmètre n'a ce titre.")
            offered = found[: self.search_limit]
        else:
            # The rows are read anyway to be shown; their postings come with them (list_select_related).
            offered = list({row.posting_id: row.posting.title for row in changelist.result_list}.items())
            offered = offered[: self.page_limit]
            self.note = gettext("Les offres de cette page. Les autres : cherchez leur titre.")
        if self.lookup_val and not any(str(pk) in self.lookup_val for pk, _title in offered):
            chosen = self.chosen()
            if chosen is not None:
                offered.insert(0, chosen)
        return offered

    def choices(self, changelist):
        self.lookup_choices = self._offered(changelist)
        # The search form sends the list's other parameters along; a new search replaces the chosen posting.
        own = self.expected_parameters()
        self.kept_parameters = [
            (name, value)
            for name, values in changelist.filter_params.items()
            if name not in own
            for value in values
        ]
        yield from super().choices(changelist)


class KeptHtml:
    """A filter whose HTML the list may keep (`kept_list_filter`, applications/templatetags/backoffice.py): it
    depends only on the list's parameters, the language and what `kept_key` returns (None: not kept)."""

    def kept_key(self) -> tuple | None:
        return ()


class StatusListFilter(KeptHtml, admin.ChoicesFieldListFilter):
    """The status filter: Django's, its choices the field's."""


class SessionListFilter(SessionReachListFilter):
    """The sessions in reach, read with what their label needs (Session.__str__) and nothing more.

    For a user loaded with their memberships (`config.auth`) the choices are kept in the cache, keyed on the
    postings' version (bumped by any change to postings, their organisations, sessions and programmes) and on
    the user's organisations: the reach's query was a tenth of the list page's database time. A stale entry
    could only offer a public session's link; the rows stay limited by the access rule.
    """

    only = ("pk", "name", "programme__name", "programme__short_name")
    cache_seconds = 600

    def kept_key(self) -> tuple | None:
        """The sessions in reach follow the postings' version and the user's organisations (`reach_cache_key`);
        a user not loaded by the login backend is not kept."""
        if getattr(self.request.user, "membership_list", None) is None:
            return None
        return (reach_cache_key("admin-session-filter", self.request.user),)

    def field_choices(self, field, request, model_admin):
        user = request.user
        if user.is_superuser or getattr(user, "membership_list", None) is None:
            return super().field_choices(field, request, model_admin)
        return postings_cache.memoized(
            reach_cache_key("admin-session-filter", user),
            lambda: super(SessionListFilter, self).field_choices(field, request, model_admin),
            self.cache_seconds,
        )
