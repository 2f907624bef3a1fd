"""PostgreSQL's plan of the listing's page query as a request ran it (postings/prepared.py: a prepared
statement, so the captured SQL is `PREPARE … AS …; EXECUTE name`, or `EXECUTE name` once prepared)."""

import re

from django.db import connection


def listing_statement(queries) -> str:
    """The name of the prepared statement that gave the listing its page, from CaptureQueriesContext."""
    names = [m[1] for q in queries if (m := re.search(r"EXECUTE (passerelle_\w+)\s*$", q["sql"]))]
    assert names, [q["sql"][:120] for q in queries]
    return names[-1]


def explain_listing_query(queries) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN EXECUTE {listing_statement(queries)}")
        return "\n".join(row[0] for row in cursor.fetchall())
