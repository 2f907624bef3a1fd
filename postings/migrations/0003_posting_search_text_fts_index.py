"""GIN index for the French full-text search of postings (PostgreSQL only).

The indexed expression is exactly the one `postings.search.search_vector()` makes Django generate, so that the
planner can use it: to_tsvector('french'::regconfig, COALESCE(search_text, '')). SQLite has no such index;
there the search is a plain word match (see postings/search.py), so this migration does nothing on it.
"""

from django.db import migrations

INDEX_NAME = "posting_search_text_fts_idx"

CREATE_SQL = (
    f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON postings_posting "
    "USING gin (to_tsvector('french'::regconfig, COALESCE(search_text, '')))"
)
DROP_SQL = f"DROP INDEX IF EXISTS {INDEX_NAME}"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_SQL)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [("postings", "0002_posting_selection_ends_on")]

    operations = [migrations.RunPython(create_index, reverse_code=drop_index, elidable=False)]
