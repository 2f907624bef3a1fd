"""The listing's paginator: one page and the total number of results in one query, with notices for bad input."""

import math
from collections.abc import Callable

from django.core.paginator import Page, Paginator
from django.db.models import Count, Func, IntegerField, QuerySet, Subquery, Window
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from postings import search
from postings.prepared import prepared

# Pages past this are "past the end" without asking the database (keeps the OFFSET within integer range).
MAX_PAGE_NUMBER = 100_000


def paginate_with_total(
    queryset: QuerySet | Callable[[], QuerySet],
    per_page: int,
    page_param: str | None,
    *,
    key: tuple | None = None,
) -> tuple[Page, list[str]]:
    """One page of `queryset` and the total number of results, in one query, plus notices for bad input.

    A non-numeric page shows page 1 and a page past the end shows the last page, each with a notice; only that
    second case costs a COUNT query.

    With a `key` (everything the queryset's SQL depends on), `queryset` is a function that builds it, called
    only when that key and page are new in this process: the page's SQL is compiled once and run again for
    the next request with the same values (postings/prepared.py).
    """
    build = queryset if callable(queryset) else lambda: queryset
    notices: list[str] = []
    number = _requested_page(page_param, notices)

    def fetch(page_number: int) -> list:
        offset = (page_number - 1) * per_page

        def page_query() -> QuerySet:
            return with_total(build())[offset : offset + per_page]

        if key is None:
            return list(page_query())
        return prepared((*key, per_page, page_number), page_query).fetch()

    rows = fetch(number) if number <= MAX_PAGE_NUMBER else []
    if rows:
        total = rows[0].total_results
    elif number == 1:
        total = 0
    else:
        total = build().count()
        last = max(1, math.ceil(total / per_page))
        notices.append(
            _("La page %(page)s n'existe pas : voici la dernière page (%(last)s).")
            % {"page": number, "last": last}
        )
        number = last
        rows = fetch(number) if total else []
    paginator = Paginator((), per_page)
    paginator.count = total  # a cached_property: set from the page's own query instead of querying again
    return Page(rows, number, paginator), notices


def with_total(queryset: QuerySet) -> QuerySet:
    """`queryset` with the number of its rows on each row, as `total_results`, computed in the same query.

    The total is an uncorrelated COUNT subquery: PostgreSQL counts once (from the indexes when it can) while
    the page itself stops after its rows in index order. A window COUNT would read every matching row in full
    before returning the first page (bench/NOTES.md).

    A queryset ordered on an annotation (a search's relevance, postings/search.py) is counted by a window
    `COUNT(*) OVER ()` instead: sorting on a computed value reads every match anyway, and the count rides along
    with that one scan, where the subquery would read the matches a second time (bench/NOTES.md, "Session 6").
    Every match's row goes through that sort, so such a queryset should read narrow rows: the listing reads
    four columns of each posting (its card comes from the cache).
    """
    if _orders_on_an_annotation(queryset):
        return queryset.annotate(total_results=Window(Count("*")))
    return queryset.annotate(
        total_results=Subquery(
            queryset.order_by()
            .annotate(total=Func(function="COUNT", template="COUNT(*)", output_field=IntegerField()))
            .values("total")[:1],
            output_field=IntegerField(),
        )
    )


def paginate_broad_search(
    queryset: QuerySet, query: str, per_page: int, page_param: str | None, *, ranked: bool
) -> tuple[Page, list[str], bool] | None:
    """A page of a broad search (postings.search.broad_matches), its notices and whether more postings match
    than it lists; None when the search is not broad, for `paginate_with_total` to page it.

    Such a search finds more postings than anyone reads: its first BROAD_RESULTS results are listed, in the
    same order as any search, and the page says so instead of counting every match. `ranked`: `queryset` is in
    relevance order (else in deadline order).
    """
    matches = search.broad_matches(queryset, query, ranked=ranked)
    if matches is None:
        return None
    notices: list[str] = []
    number = _requested_page(page_param, notices)
    last = max(1, math.ceil(matches.total / per_page))
    if matches.more:
        notices.append(
            _(
                "Plus de %(count)s offres correspondent à cette recherche : voici les %(count)s premières. "
                "Ajoutez un mot ou un filtre pour affiner."
            )
            % {"count": number_format(search.BROAD_RESULTS, force_grouping=True)}
        )
    if number > last:
        notices.append(
            _("La page %(page)s n'existe pas : voici la dernière page (%(last)s).") % {"page": number, "last": last}
        )
        number = last
    offset = (number - 1) * per_page
    end = min(offset + per_page, matches.total)  # the last page stops at the BROAD_RESULTS-th result
    shown = queryset.filter(pk__in=matches.candidates(end))
    paginator = Paginator(queryset, per_page)
    paginator.count = matches.total  # a cached_property: no COUNT query
    return Page(list(shown[offset:end]), number, paginator), notices, matches.more


def _requested_page(page_param: str | None, notices: list[str]) -> int:
    """The page number asked for; 1, with a notice, when it is not a positive number."""
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
    return number


def _orders_on_an_annotation(queryset: QuerySet) -> bool:
    """The order needs a value computed for every row (no index gives it), like a search's relevance."""
    annotations = queryset.query.annotations
    return any(
        isinstance(field, str) and field.lstrip("-") in annotations for field in queryset.query.order_by
    )
