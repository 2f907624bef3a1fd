"""Keyword search over `Posting.search_text`, a folded (lower case, no accents) copy of the posting's text.

PostgreSQL: French full-text search on the stored `search_vector` column that migration
`0005_posting_search_vector` adds (generated from `search_text`, GIN-indexed): matching and ranking read it
without parsing the text again.
SQLite (development, tests): every folded word of the query must appear in `search_text`.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db.models import Expression, F, QuerySet

from postings.text import fold

# Longer queries are cut here: enough for any real search, and a 10 KB query string costs nothing.
MAX_QUERY_LENGTH = 200
SEARCH_CONFIG = "french"


def clean_query(query: str | None) -> str:
    return (query or "").strip()[:MAX_QUERY_LENGTH]


class StoredSearchVector(Expression):
    """The posting's `search_vector` column (PostgreSQL only), which is not a model field: the ORM would
    otherwise select it with every posting. Compiled against the query's own posting table, so it stays right
    when the query becomes a subquery with another alias."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        table = compiler.quote_name(compiler.query.get_initial_alias())
        return f"{table}.{connection.ops.quote_name('search_vector')}", []


def search_vector() -> StoredSearchVector:
    """to_tsvector('french', COALESCE(search_text, '')), stored and indexed by PostgreSQL."""
    return StoredSearchVector()


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
    """Order by relevance on PostgreSQL (SearchRank), then by deadline. SQLite has no rank: deadline only."""
    deadline_first = ["closes_at", F("published_at").desc(nulls_last=True), "pk"]
    if fold(clean_query(query)).split() and _is_postgresql(queryset):
        queryset = queryset.annotate(search_rank=SearchRank(search_vector(), search_query(query)))
        return queryset.order_by("-search_rank", *deadline_first)
    return queryset.order_by(*deadline_first)
