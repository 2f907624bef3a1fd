"""Keyword search over `Posting.search_text`, a folded (lower case, no accents) copy of the posting's text.

PostgreSQL: French full-text search. Matching reads the stored `search_vector` column (the whole text, migration
`0005_posting_search_vector`) through its GIN index; the order ranks each match on `search_heading_vector`, a
small vector of its heading kept in the row (migration `0014_search_heading_vector`):

1. relevance: `ts_rank` of the query on the titles (every language, weight A) and the theme label (weight B).
   A posting that has the words only in its body ranks 0: it comes after those that have them in their heading;
2. then the listing's deadline order: `closes_at` (soonest first), `published_at` (newest first), `pk`.

Ranking on the whole text read every match's full vector back from TOAST, thousands for a common word; the
heading says what a posting is and sits in the row. Ties keep the listing's own order, which ends on `pk`, so
the order is total and stable from one page to the next.

A broad search (a word found in most open postings, e.g. "personnes") would rank and count tens of thousands of
matches on every request: see `broad_matches` below, which serves it from the deadline index instead, shows at
most its first BROAD_RESULTS results and says "more than" rather than counting them all.

SQLite (development, tests): every folded word of the query must appear in `search_text`; deadline order.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connections, transaction
from django.db.models import BooleanField, Expression, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from postings import cache as postings_cache
from postings import fragments
from postings.text import fold

# Longer queries are cut here: enough for any real search, and a 10 KB query string costs nothing.
MAX_QUERY_LENGTH = 200
SEARCH_CONFIG = "french"
# The annotation that `rank()` orders on; `postings.pagination` counts a ranked query with a window.
RANK_ANNOTATION = "search_rank"


def clean_query(query: str | None) -> str:
    return (query or "").strip()[:MAX_QUERY_LENGTH]


class StoredVector(Expression):
    """A `tsvector` column of the posting table that is not a model field (PostgreSQL only): the ORM would
    otherwise select it with every posting. Compiled against the query's own posting table, so it stays right
    when the query becomes a subquery with another alias."""

    output_field = SearchVectorField()

    def __init__(self, column: str):
        super().__init__()
        self.column = column

    def as_sql(self, compiler, connection):
        table = compiler.quote_name(compiler.query.get_initial_alias())
        return f"{table}.{connection.ops.quote_name(self.column)}", []


def search_vector() -> StoredVector:
    """to_tsvector('french', COALESCE(search_text, '')), stored and GIN-indexed: what a search matches."""
    return StoredVector("search_vector")


def heading_vector() -> StoredVector:
    """The folded titles (weight A) and theme label (weight B), stored in the row: what a search ranks on."""
    return StoredVector("search_heading_vector")


def search_query(query: str) -> SearchQuery:
    return SearchQuery(fold(clean_query(query)), config=SEARCH_CONFIG, search_type="websearch")


def _is_postgresql(queryset: QuerySet) -> bool:
    from django.db import connections

    return connections[queryset.db].vendor == "postgresql"


def filter_postings(queryset: QuerySet, query: str | None) -> QuerySet:
    """Postings matching every word of `query`, accent- and case-insensitive. Empty query: unchanged."""
    words = fold(clean_query(query)).split()
    if not words:
        return queryset
    if _is_postgresql(queryset):
        return queryset.alias(search_vector=search_vector()).filter(search_vector=search_query(query))
    for word in words:
        queryset = queryset.filter(search_text__contains=word)
    return queryset


def deadline_order() -> list:
    """The listing's own order: soonest deadline, then newest, then key (total and stable)."""
    return ["closes_at", F("published_at").desc(nulls_last=True), "pk"]


def rank(queryset: QuerySet, query: str | None) -> QuerySet:
    """Order by relevance on PostgreSQL (the words in the heading, see above), then by deadline.
    SQLite has no rank: deadline only."""
    if fold(clean_query(query)).split() and _is_postgresql(queryset):
        queryset = queryset.annotate(**{RANK_ANNOTATION: SearchRank(heading_vector(), search_query(query))})
        return queryset.order_by(f"-{RANK_ANNOTATION}", *deadline_order())
    return queryset.order_by(*deadline_order())


# A search with more matches than this shows "more than BROAD_RESULTS" and lists its first BROAD_RESULTS.
BROAD_RESULTS = 500
# The probe reads this many of the soonest-closing open postings; the search is broad when at least one in
# BROAD_SHARE of them matches.
PROBE_POSTINGS = 48
BROAD_SHARE = 4


@dataclass
class BroadMatches:
    by_deadline: list[int]  # keys of the first matches in deadline order
    in_heading: set[int]  # keys of every match that has a word of the query in its heading
    more: bool  # more than BROAD_RESULTS matches: only the first BROAD_RESULTS are listed

    @property
    def total(self) -> int:
        return BROAD_RESULTS if self.more else len(self.by_deadline)

    def candidates(self, shown: int) -> set[int]:
        """Keys among which the first `shown` results in ranked order are, whatever their rank.

        A match without any word of the query in its heading ranks the same as every other such match (0, or
        1e-20 for a query of several words: `ts_rank` gives a vector without any query word a value that
        depends only on the query). So those matches keep the deadline order among themselves, and the first
        `shown` of them are among the first `shown + len(in_heading)` matches in deadline order.
        """
        return self.in_heading | set(self.by_deadline[: shown + len(self.in_heading)])


def broad_matches(queryset: QuerySet, query: str, *, ranked: bool = True) -> BroadMatches | None:
    """The matches of a broad search of open postings, read in deadline order; None when the search is not
    broad (or not on PostgreSQL), and the caller ranks and counts every match as usual.

    Counting 40,000 matches of a common word at 100k postings reads ~21,800 table pages (~75 ms of
    PostgreSQL), and ranking them as much again: the rows are wide, and PostgreSQL 15 cannot count from the
    full-text index alone. A broad search instead walks the open postings' deadline index and stops after
    BROAD_RESULTS matches (~500 rows read), and ranks only the few matches whose heading has a word of the
    query (their own GIN index, migration 0015). A probe of the PROBE_POSTINGS soonest-closing open postings
    decides first, so that a rarer word, which such a walk would read the whole index for, keeps the
    full-text index. `queryset` is the listing's: open postings matching `query`, nothing else filtered, in
    relevance order when `ranked` (else in deadline order: no heading matches to rank).
    """
    if not is_broad(queryset, query):
        return None
    words = fold(clean_query(query)).split()
    in_heading = _in_heading(queryset, words) if ranked else set()
    if len(in_heading) > BROAD_RESULTS:
        return None
    wanted = BROAD_RESULTS + 1 + len(in_heading)
    with _reading_in_index_order(queryset.db):
        by_deadline = list(queryset.order_by(*deadline_order()).values_list("pk", flat=True)[:wanted])
    # More than BROAD_RESULTS: the walk may have stopped before the last match, but it holds the first
    # BROAD_RESULTS + len(in_heading) in deadline order, all that `candidates` needs.
    return BroadMatches(by_deadline, in_heading, more=len(by_deadline) > BROAD_RESULTS)


def is_broad(queryset: QuerySet, query: str) -> bool:
    """Whether `query` is a broad search of `queryset`'s model (PostgreSQL only), without evaluating it."""
    words = fold(clean_query(query)).split()
    return bool(words) and _is_postgresql(queryset) and _is_common(queryset.model, query, words)


def _is_common(model, query: str, words: list[str]) -> bool:
    """The probe: are the query's words in at least one in BROAD_SHARE of the PROBE_POSTINGS soonest-closing
    open postings?

    The answer is kept per postings' version and day, as the cached pieces are (postings/fragments.py): the
    same search on another page, or with another visitor's parameters, does not probe again. It only chooses
    how the matches are read; postings closing later that day cannot make it wrong, only slower (a word that
    became rare walks more of the deadline index, which still finds every match)."""
    key = postings_cache.key(
        "broad-probe", timezone.localdate().isoformat(), fragments.digest(" ".join(words))
    )
    if (common := fragments.get(key)) is not None:
        return common
    # The match in the SELECT list, not in WHERE: tested on the sample's rows only, never through the index.
    sample = (
        model.objects.open_for_applications()
        .alias(search_vector=search_vector())
        .annotate(hit=ExpressionWrapper(Q(search_vector=search_query(query)), output_field=BooleanField()))
        .order_by("closes_at")
        .values_list("hit", flat=True)[:PROBE_POSTINGS]
    )
    common = sum(sample) * BROAD_SHARE >= PROBE_POSTINGS
    fragments.store(key, common)
    return common


def _in_heading(queryset: QuerySet, words: list[str]) -> set[int]:
    """Keys of the matches with a word of the query in their heading (at most BROAD_RESULTS + 1)."""
    any_word = reduce(or_, (SearchQuery(word, config=SEARCH_CONFIG, search_type="plain") for word in words))
    return set(
        queryset.order_by()
        .alias(heading=heading_vector())
        .filter(heading=any_word)
        .values_list("pk", flat=True)[: BROAD_RESULTS + 1]
    )


@contextmanager
def _reading_in_index_order(using: str):
    """Queries inside read the table through a B-tree index in its order (and stop at their LIMIT), never
    through a bitmap of the full-text index nor a whole-table scan. The planner cannot know how common a word
    is (the vector has no statistics, migration 0014): told nothing, it would read every match and sort them."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(
            "SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off"
        )
        try:
            yield
        finally:
            # Inside a caller's transaction SET LOCAL would outlive this block.
            cursor.execute(
                "SET LOCAL enable_bitmapscan TO DEFAULT; SET LOCAL enable_seqscan TO DEFAULT; "
                "SET LOCAL enable_sort TO DEFAULT"
            )
