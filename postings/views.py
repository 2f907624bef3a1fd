"""Public pages: the listing (home page), a posting, a session. Read-only; nothing changes on GET."""

import hashlib
import math
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Func, IntegerField, Min, Prefetch, QuerySet, Subquery
from django.http import HttpResponse
from django.middleware.csp import get_nonce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView

from postings import cache as postings_cache
from postings.filters import PostingFilter
from postings.models import Posting, PostingOrganisation, Session
from postings.prefetch import unpack_json_rows, with_json_rows

PER_PAGE_CHOICES = (12, 25, 50)
# Pages past this are "past the end" without asking the database (keeps the OFFSET within integer range).
MAX_PAGE_NUMBER = 100_000


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


def paginate_with_total(queryset: QuerySet, per_page: int, page_param: str | None) -> tuple[Page, list[str]]:
    """One page of `queryset` and the total number of results, in one query, plus notices for bad input.

    The total comes from a COUNT subquery of the same query, so the listing needs no separate COUNT. A
    non-numeric page shows page 1 and a page past the end shows the last page, each with a notice; only that
    second case costs a COUNT query.
    """
    notices: list[str] = []
    try:
        number = int(page_param) if page_param not in (None, "") else 1
    except ValueError:
        number = 0
    if number < 1:
        notices.append(
            _("Le numéro de page « %(page)s » n'est pas valide : voici la première page.")
            % {"page": page_param}
        )
        number = 1

    # The total as an uncorrelated scalar subquery: PostgreSQL counts once (from the indexes when it can) while
    # the page itself stops after `per_page` rows in index order. A window COUNT did the same in one query
    # but read every matching row in full first: 390 ms for page 1 at 100k postings.
    total_results = Subquery(
        queryset.order_by()
        .annotate(total=Func(function="COUNT", template="COUNT(*)", output_field=IntegerField()))
        .values("total")[:1],
        output_field=IntegerField(),
    )

    def fetch(page_number: int) -> list:
        offset = (page_number - 1) * per_page
        return list(queryset.annotate(total_results=total_results)[offset : offset + per_page])

    rows = fetch(number) if number <= MAX_PAGE_NUMBER else []
    if rows:
        total = rows[0].total_results
    elif number == 1:
        total = 0
    else:
        total = queryset.count()
        last = max(1, math.ceil(total / per_page))
        notices.append(
            _("La page %(page)s n'existe pas : voici la dernière page (%(last)s).")
            % {"page": number, "last": last}
        )
        number = last
        rows = fetch(number) if total else []
    paginator = Paginator(queryset, per_page)
    paginator.count = total  # a cached_property: set from the COUNT subquery instead of querying again
    return Page(rows, number, paginator), notices


# How long a rendered listing page is kept at most: it says "N days left" and must drop a posting soon after
# its deadline (page_cache_timeout() also stops at the next deadline).
PAGE_CACHE_SECONDS = 60
# Stands for the CSP nonce in a cached page; replaced by the nonce of each response that replays it.
NONCE_PLACEHOLDER = b"%%passerelle-csp-nonce%%"


def anonymous_page_key(request) -> str | None:
    """The cache key of a public page for a visitor without a session, or None when it must be rendered.

    Only GET requests of visitors with no session and no pending message share pages: the page then holds
    nothing personal (no CSRF token, no message, no user). The key follows the postings' version
    (postings/cache.py), the language and the whole path with its query string.
    """
    if request.method != "GET":
        return None
    if request.COOKIES.get(settings.SESSION_COOKIE_NAME) or request.COOKIES.get("messages"):
        return None
    # Scheme and host are part of the key: a page rendered for one origin (an alias, plain http behind a
    # misconfigured proxy) is never replayed to another.
    origin = f"{request.scheme}://{request.get_host()}"
    digest = hashlib.sha256((origin + request.get_full_path()).encode()).hexdigest()
    return postings_cache.key("page", get_language(), digest)


def next_deadline(now=None):
    """The soonest deadline of an open posting; cached until it passes or the postings change."""
    now = now or timezone.now()
    key = postings_cache.key("next-deadline")
    cached = cache.get(key)
    if cached is not None and (cached == "none" or cached > now):
        return None if cached == "none" else cached
    deadline = Posting.objects.open_for_applications(now).aggregate(next=Min("deadline"))["next"]
    timeout = PAGE_CACHE_SECONDS if deadline is None else max(1, math.ceil((deadline - now).total_seconds()))
    cache.set(key, deadline or "none", timeout=timeout)
    return deadline


def page_cache_timeout(now=None) -> int:
    """PAGE_CACHE_SECONDS, or less when a posting's deadline comes first (it must leave the open listing)."""
    now = now or timezone.now()
    deadline = next_deadline(now)
    if deadline is None:
        return PAGE_CACHE_SECONDS
    return max(1, min(PAGE_CACHE_SECONDS, math.ceil((deadline - now).total_seconds())))


def cache_public_page(view):
    """Serve a public page from the cache to visitors without a session (see `anonymous_page_key`).

    What is stored is a successful page that sets no cookie; each replay carries the CSP nonce of its own
    response. At 10k postings the listing took ~230 ms and a posting ~20 ms to render; a replay needs no query.
    """

    @wraps(view)
    def cached_view(request, *args, **kwargs):
        key = anonymous_page_key(request)
        if key is not None and (cached := cache.get(key)) is not None:
            return HttpResponse(cached.replace(NONCE_PLACEHOLDER, str(get_nonce(request)).encode()))
        response = view(request, *args, **kwargs)
        if key is not None and response.status_code == 200 and not response.cookies:
            if hasattr(response, "render"):
                response.render()
            content = response.content.replace(str(get_nonce(request)).encode(), NONCE_PLACEHOLDER)
            cache.set(key, content, timeout=page_cache_timeout())
        return response

    return cached_view


class PostingListView(ListView):
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
            # 1 2 … 9 10 11 … 340 341: a link per page was 3,400 links (and 40% of the render) at 100k postings.
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
        return context


class PostingDetailView(DetailView):
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
        )
        return context


class SessionDetailView(DetailView):
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
