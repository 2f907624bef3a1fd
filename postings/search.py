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

SQLite (development, tests): every folded word of the query must appear in `search_text`; deadline order.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db.models import Expression, F, QuerySet

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


def rank(queryset: QuerySet, query: str | None) -> QuerySet:
    """Order by relevance on PostgreSQL (the words in the heading, see above), then by deadline.
    SQLite has no rank: deadline only."""
    deadline_first = ["closes_at", F("published_at").desc(nulls_last=True), "pk"]
    if fold(clean_query(query)).split() and _is_postgresql(queryset):
        queryset = queryset.annotate(**{RANK_ANNOTATION: SearchRank(heading_vector(), search_query(query))})
        return queryset.order_by(f"-{RANK_ANNOTATION}", *deadline_first)
    return queryset.order_by(*deadline_first)
