"""Two indexes for a broad search on PostgreSQL (postings.search.broad_matches); SQLite: nothing.

- `posting_search_heading_idx`, GIN on `search_heading_vector`: finds the few matches that have a word of the
  query in their heading, the only ones a broad search ranks.
- `posting_open_deadline_idx` replaces `posting_open_closes_at_idx` (migration 0014) with the listing's whole
  order (deadline, newest, key) over open postings: a broad search reads matches in that order and stops after
  the first few hundred, with no sort. It serves the full-text index's deadline condition as the old one did.
"""

from django.db import migrations

FORWARD_SQL = [
    "CREATE INDEX posting_search_heading_idx ON postings_posting USING gin (search_heading_vector)",
    "CREATE INDEX posting_open_deadline_idx ON postings_posting (closes_at, published_at DESC NULLS LAST, id) "
    "WHERE status = 'published'",
    "DROP INDEX IF EXISTS posting_open_closes_at_idx",
]
BACKWARD_SQL = [
    "CREATE INDEX IF NOT EXISTS posting_open_closes_at_idx ON postings_posting (closes_at) WHERE status = 'published'",
    "DROP INDEX IF EXISTS posting_open_deadline_idx",
    "DROP INDEX IF EXISTS posting_search_heading_idx",
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
    dependencies = [("postings", "0014_search_heading_vector")]

    operations = [migrations.RunPython(forward, reverse_code=backward, elidable=False)]
