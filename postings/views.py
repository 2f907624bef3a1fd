"""Public pages: the listing (home page), a posting, a session. Read-only; nothing changes on GET.

The page cache that replays the listing and posting pages lives in postings/page_cache.py, the listing's
paginator in postings/pagination.py.
"""

from django.core.paginator import Page
from django.db.models import F, Prefetch, QuerySet
from django.middleware.csp import get_nonce
from django.template.defaulttags import querystring
from django.template.loader import get_template
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView

from postings import fragments, search
from postings.eligibility import age_range
from postings.filters import SORT_RELEVANCE, PostingFilter
from postings.models import Posting, PostingOrganisation, Session
from postings.pagination import paginate_broad_search, paginate_with_total
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


# The columns a listing reads for each posting of its page: its card comes from the cache (posting_cards).
CARD_KEY_FIELDS = ("pk", "status", "closes_at", "is_demo")


def posting_cards(postings: list[Posting]) -> list[SafeString]:
    """Each posting's card (postings/_posting_card.html), from the cache in one read; the cards it does not
    have are rendered from their postings, read in one query (and one for their organisations), and stored.
    A card is keyed by the posting and whether it is open (postings/fragments.py: version, language, day)."""
    now = timezone.now()
    # Posting.is_open's rule, read from the columns fetched (closes_at is the deadline, or none: year 9999).
    prefix = fragments.prefix("card")
    keys = {
        posting.pk: f"{prefix}:{posting.pk}:{int(posting.status == Posting.Status.PUBLISHED and posting.closes_at > now)}"
        for posting in postings
    }

    def render(missing: list[int]) -> dict[int, str]:
        rows = list(with_card_relations(Posting.objects.filter(pk__in=missing)))
        unpack_json_rows(rows, *CARD_JSON_ROWS)
        template = get_template("postings/_posting_card.html")
        language = get_language()
        return {row.pk: template.render({"posting": row, "LANGUAGE_CODE": language}) for row in rows}

    cards = fragments.get_or_render_many(keys, render)
    return [mark_safe(cards[posting.pk]) for posting in postings]


def filter_form_fields(filterset: PostingFilter) -> SafeString:
    """The filter form's fields (crispy markup), cached per language and values shown (postings/fragments.py):
    the options change with the postings, the values and errors with the query string."""
    form = filterset.form
    key = fragments.key("filter-form", fragments.digest(fragments.sorted_params(filterset.data, form.fields)))
    return mark_safe(
        fragments.get_or_render(
            key, lambda: get_template("postings/_filter_fields.html").render({"form": form})
        )
    )


def pagination_links(page: Page, params) -> dict:
    """The links of the listing's pagination, each keeping the visitor's parameters ({% querystring %}'s own
    function, called here once per link rather than through the template engine).

    1 2 … 9 10 11 … 340 341: a link per page would be thousands of links on a large listing. `pages` holds
    (number, href) pairs; the ellipsis has no href.
    """
    if not page.has_other_pages():
        return {}
    paginator = page.paginator
    return {
        "previous": querystring(None, params, page=page.previous_page_number()) if page.has_previous() else "",
        "next": querystring(None, params, page=page.next_page_number()) if page.has_next() else "",
        "pages": [
            (number, "" if number == paginator.ELLIPSIS else querystring(None, params, page=number))
            for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=2)
        ],
    }


def invalid_filter_notice(label: str, value: str) -> SafeString:
    """What the listing says of a filter value its form did not understand."""
    return mark_safe(
        _(
            "Le filtre « %(label)s » n'a pas reconnu la valeur « %(value)s » : ce filtre est ignoré, les "
            "autres s'appliquent."
        )
        % {"label": escape(label), "value": escape(Truncator(value).chars(60))}
    )


class PostingListView(ListView):
    http_method_names = ["get", "head", "options"]  # a public page reads, never writes
    # templates/jinja2/postings/posting_list.html: Jinja2 writes this page with less CPU (config/jinja2.py).
    template_engine = "jinja2"
    template_name = "postings/posting_list.html"
    context_object_name = "postings"
    paginate_by = PER_PAGE_CHOICES[0]

    def get(self, request, *args, **kwargs):
        self.notices: list[str] = []
        # Always bound (even to an empty query string) so that the default "open only" rule and order apply.
        self.filterset = PostingFilter(request.GET, queryset=Posting.objects.published(), request=request)
        # The page's postings come from paginate_queryset(), which builds the filtered queryset only when its
        # SQL is not kept yet for these values (postings/prepared.py).
        self.object_list = None
        return self.render_to_response(self.get_context_data())

    def get_queryset(self):
        # What the page needs besides the cards, whose rendered HTML is cached (`cards`): the columns of a
        # card's cache key, and whether the posting is a demonstration (recent_real_postings_if_only_demos_open).
        return self.filterset.qs.only(*CARD_KEY_FIELDS)

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
        filterset = self.filterset
        page_param = self.request.GET.get(self.page_kwarg)
        broad = None
        order = filterset.plain_search_order()
        if order and search.is_broad(filterset.queryset, query := filterset.cleaned_data["q"]):
            broad = paginate_broad_search(
                self.get_queryset(), query, page_size, page_param, ranked=order == SORT_RELEVANCE
            )
        if broad is None:
            key = ("listing", filterset.queryset.db, *filterset.values_applied())
            page, notices = paginate_with_total(self.get_queryset, page_size, page_param, key=key)
            self.more_results = False
        else:
            page, notices, self.more_results = broad
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
        total = context["paginator"].count
        context.update(
            filter=filterset,
            cards=posting_cards(context["postings"]),
            filter_fields=filter_form_fields(filterset),
            invalid_filters=(invalid := filterset.invalid_values()),
            invalid_filter_notices=[invalid_filter_notice(label, value) for label, value in invalid],
            notices=self.notices,
            query_params=filterset.query_params,
            per_page=context["paginator"].per_page,
            # A broad search lists its first BROAD_RESULTS results: "more than 1 000" (postings/pagination.py).
            results_heading=(
                _("Plus de %(count)s offres") % {"count": number_format(total, force_grouping=True)}
                if self.more_results
                else ngettext("%(counter)s offre", "%(counter)s offres", total) % {"counter": total}
            ),
            page_links=pagination_links(context["page_obj"], filterset.query_params),
            per_page_choices=PER_PAGE_CHOICES,
            include_closed=bool(filterset.cleaned_data.get("closed")),
            is_filtered=any(
                value
                for key, value in filterset.query_params.items()
                if key not in ("page", "per_page", "sort")
            ),
        )
        context["recent_real_postings"] = recent = recent_real_postings_if_only_demos_open(
            context["page_obj"],
            is_default_listing=not context["is_filtered"] and not context["include_closed"],
        )
        context["recent_real_cards"] = posting_cards(recent) if recent else []
        return context


class PostingDetailView(DetailView):
    """A posting's page: four pieces (title, description, head, body) rendered from postings/_posting_page.html
    and kept in the cache per posting, language and day (postings/fragments.py), so that a visitor the page
    cache does not serve (a session, a query string of its own) gets them without a query."""

    http_method_names = ["get", "head", "options"]  # a public page reads, never writes
    template_name = "postings/posting_detail.html"
    context_object_name = "posting"
    pieces_template = "postings/_posting_page.html"
    PIECES = ("title", "meta_description", "head", "content")

    def get(self, request, *args, **kwargs):
        key = fragments.key("posting-page", self.kwargs[self.slug_url_kwarg])
        pieces = fragments.get(key)
        if pieces is None or pieces["is_open"] and timezone.now() >= pieces["closes_at"]:
            # Not rendered yet today in this language, or rendered open and past its deadline since.
            # (Any other change, closing by hand or reopening, is a new version of the postings: a new key.)
            return self.render_uncached(store_as=key)
        return self.render_to_response({"pieces": self.with_nonce(pieces)})

    def render_uncached(self, store_as: str | None = None):
        self.object = self.get_object()
        context = self.get_context_data(object=self.object)
        pieces = self.render_pieces(context)
        if store_as is not None:
            fragments.store(
                store_as, {**pieces, "is_open": context["is_open"], "closes_at": self.object.closes_at}
            )
        context["pieces"] = self.with_nonce(pieces)
        return self.render_to_response(context)

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

    def render_pieces(self, context: dict) -> dict[str, str]:
        """The page's pieces, rendered without the request's context processors: nothing personal goes in,
        and the CSP nonce is a placeholder (`with_nonce`)."""
        context = {
            **context,
            "request": self.request,
            "LANGUAGE_CODE": get_language(),
            "csp_nonce": fragments.NONCE_PLACEHOLDER,
        }
        return {name: get_template(f"{self.pieces_template}#{name}").render(context) for name in self.PIECES}

    def with_nonce(self, pieces: dict) -> dict[str, SafeString]:
        nonce = str(get_nonce(self.request))
        return {
            name: mark_safe(pieces[name].replace(fragments.NONCE_PLACEHOLDER, nonce)) for name in self.PIECES
        }


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
