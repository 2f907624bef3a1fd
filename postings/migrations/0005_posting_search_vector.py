"""A stored, GIN-indexed French full-text vector of each posting (PostgreSQL only).

Migration 0003 indexed the expression to_tsvector('french', COALESCE(search_text, '')): matching used the
index, but ranking the matches (`SearchRank`) parsed the text of every match again, ~140 ms for a common
query at 10k postings. The vector is now a generated column that PostgreSQL keeps up to date whenever
`search_text` changes, read by `postings.search` through `StoredSearchVector` for both matching and ranking,
and the expression index is replaced by an index on the column. The column is not a model field: the ORM
never selects it, so posting queries do not carry it. SQLite keeps its word match (postings/search.py); this
migration does nothing there.
"""

from django.db import migrations

COLUMN = "search_vector"
INDEX_NAME = "posting_search_vector_idx"
OLD_INDEX_NAME = "posting_search_text_fts_idx"

FORWARD_SQL = [
    f"ALTER TABLE postings_posting ADD COLUMN {COLUMN} tsvector GENERATED ALWAYS AS "
    "(to_tsvector('french'::regconfig, COALESCE(search_text, ''))) STORED",
    f"CREATE INDEX {INDEX_NAME} ON postings_posting USING gin ({COLUMN})",
    f"DROP INDEX IF EXISTS {OLD_INDEX_NAME}",
]
BACKWARD_SQL = [
    f"CREATE INDEX IF NOT EXISTS {OLD_INDEX_NAME} ON postings_posting "
    "USING gin (to_tsvector('french'::regconfig, COALESCE(search_text, '')))",
    f"DROP INDEX IF EXISTS {INDEX_NAME}",
    f"ALTER TABLE postings_posting DROP COLUMN IF EXISTS {COLUMN}",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD_SQL:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD_SQL:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("postings", "0004_posting_translations")]

    operations = [migrations.RunPython(forward, reverse_code=backward, elidable=False)]
