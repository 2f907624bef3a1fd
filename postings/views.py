"""Public pages: the listing (home page), a posting, a session. Read-only; nothing changes on GET.

The page cache that replays the listing and posting pages lives in postings/page_cache.py, the listing's
paginator in postings/pagination.py.
"""

from django.core.paginator import Page
from django.db.models import F, Prefetch, QuerySet
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView

from postings.eligibility import age_range
from postings.filters import PostingFilter
from postings.models import Posting, PostingOrganisation, Session
from postings.pagination import paginate_with_total
from postings.prefetch import unpack_json_rows, with_json_rows

PER_PAGE_CHOICES = (12, 25, 50)


# What a posting card shows besides its own columns: places, read in the postings' query (postings/prefetch.py).
CARD_JSON_ROWS = ("locations",)
# A posting page also shows languages, requirements, pay lines and its own phases, read the same way.
DETAIL_JSON_ROWS = (*CARD_JSON_ROWS, "languages", "requirements", "pay_components", "own_phases")


def with_organisation_roles(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("session__programme").prefetch_related(
        Prefetch("organisation_roles", queryset=PostingOrganisation.objects.select_related("organisation"))
    )


def with_card_relations(queryset: QuerySet) -> QuerySet:
    """What a posting card shows: session, organisations in their roles (one prefetch query) and places (in the
    postings' own query). Call `unpack_json_rows(postings, *CARD_JSON_ROWS)` on the rows fetched."""
    return with_json_rows(with_organisation_roles(queryset), *CARD_JSON_ROWS)


# How many closed real postings the home page shows when only demonstration copies are open.
RECENT_REAL_POSTINGS = 6


def recent_real_postings_if_only_demos_open(page: Page, *, is_default_listing: bool) -> list[Posting]:
    """The most recent real postings, closed, for a home page whose open postings are all demonstrations.

    A first-time visitor must not see only fictitious copies: when the whole default listing (open postings,
    no filter) fits on its first page and holds no real posting, the latest real ones are shown beside it.
    Costs a query only then.
    """
    if not is_default_listing or page.number != 1 or page.has_next():
        return []
    if any(not posting.is_demo for posting in page.object_list):
        return []
    postings = list(
        with_card_relations(Posting.objects.published().filter(is_demo=False)).order_by(
            F("deadline").desc(nulls_last=True), F("starts_on").desc(nulls_last=True), "-pk"
        )[:RECENT_REAL_POSTINGS]
    )
    unpack_json_rows(postings, *CARD_JSON_ROWS)
    return postings


class PostingListView(ListView):
    http_method_names = ["get", "head", "options"]  # a public page reads, never writes
    template_name = "postings/posting_list.html"
    context_object_name = "postings"
    paginate_by = PER_PAGE_CHOICES[0]

    def get(self, request, *args, **kwargs):
        self.notices: list[str] = []
        # Always bound (even to an empty query string) so that the default "open only" rule and order apply.
        self.filterset = PostingFilter(request.GET, queryset=Posting.objects.published(), request=request)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return with_card_relations(self.filterset.qs)

    def get_paginate_by(self, queryset) -> int:
        value = self.request.GET.get("per_page")
        if value in (None, ""):
            return self.paginate_by
        if value.isdigit() and int(value) in PER_PAGE_CHOICES:
            return int(value)
        self.notices.append(
            _("« %(value)s » offres par page n'est pas proposé : %(default)s par page.")
            % {"value": value[:20], "default": self.paginate_by}
        )
        return self.paginate_by

    def paginate_queryset(self, queryset, page_size):
        page, notices = paginate_with_total(queryset, page_size, self.request.GET.get(self.page_kwarg))
        unpack_json_rows(page.object_list, *CARD_JSON_ROWS)
        self.notices.extend(notices)
        return page.paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = self.filterset
        if filterset.query_truncated:
            self.notices.append(
                _(
                    "Votre recherche était trop longue : seuls ses %(max)s premiers caractères ont été utilisés."
                )
                % {"max": len(filterset.query_params["q"])}
            )
        context.update(
            filter=filterset,
            invalid_filters=filterset.invalid_values(),
            notices=self.notices,
            query_params=filterset.query_params,
            per_page=context["paginator"].per_page,
            # 1 2 … 9 10 11 … 340 341: a link per page would be thousands of links on a large listing.
            page_range=list(
                context["paginator"].get_elided_page_range(
                    context["page_obj"].number, on_each_side=2, on_ends=2
                )
            ),
            per_page_choices=PER_PAGE_CHOICES,
            include_closed=bool(filterset.form.cleaned_data.get("closed")),
            is_filtered=any(
                value
                for key, value in filterset.query_params.items()
                if key not in ("page", "per_page", "sort")
            ),
        )
        context["recent_real_postings"] = recent_real_postings_if_only_demos_open(
            context["page_obj"],
            is_default_listing=not context["is_filtered"] and not context["include_closed"],
        )
        return context


class PostingDetailView(DetailView):
    http_method_names = ["get", "head", "options"]  # a public page reads, never writes
    template_name = "postings/posting_detail.html"
    context_object_name = "posting"

    def get_queryset(self):
        return with_json_rows(with_organisation_roles(Posting.objects.published()), *DETAIL_JSON_ROWS)

    def get_object(self, queryset=None):
        posting = super().get_object(queryset)
        unpack_json_rows([posting], *DETAIL_JSON_ROWS)
        return posting

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        posting = self.object
        roles = list(posting.organisation_roles.all())
        context.update(
            organisation_groups=[
                (label, [link for link in roles if link.role == role])
                for role, label in PostingOrganisation.Role.choices
                if any(link.role == role for link in roles)
            ],
            phases=posting.phases_for_display(),
            is_open=posting.is_open(),
            days_left=posting.days_left(),
            age_range=age_range(posting),
        )
        return context


class SessionDetailView(DetailView):
    http_method_names = ["get", "head", "options"]  # a public page reads, never writes
    template_name = "postings/session_detail.html"
    context_object_name = "session"
    queryset = Session.objects.select_related("programme__operator").prefetch_related("phases")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        postings = list(with_card_relations(self.object.postings.published()).order_by("deadline", "pk"))
        unpack_json_rows(postings, *CARD_JSON_ROWS)
        context.update(
            open_postings=[p for p in postings if p.is_open()],
            closed_postings=[p for p in postings if not p.is_open()],
        )
        return context
