"""The listing's page query, compiled to SQL once per combination of values and kept in this process.

Building a filtered listing's queryset (django-filter's methods, `Exists` subqueries, a search's rank) and
compiling it cost more Python than PostgreSQL takes to answer it: ~2 ms of a filtered listing's ~7 ms of
Django, against ~1.5 ms in the database (bench/NOTES.md, "Session 7"). That SQL depends only on the
filters' values, the page size and the page number: the listing compares deadlines with the database's clock
(`Now()`, postings/filters.py), never with a time written into the query. So the SQL, its parameters and how
its rows become postings are kept per combination (`key`), at most MAX_PREPARED of them, and a request with the
same values runs the same SQL without building anything.

Only the query is kept, never its result: every request reads its postings and their total from the database.

On PostgreSQL the query is also a prepared statement of each database session that runs it, so that
PostgreSQL plans it once per session, not on every request. A session lasts as long as Django keeps its
connection (CONN_MAX_AGE); a pooler that shares sessions between clients (PgBouncer in transaction mode)
would need `prepared statements` support, or the listing would fail with "prepared statement does not exist".

The back-office's application list runs its queries the same way (`fetch_rows`, `rows_with_argument`, used by
applications/admin_changelist.py): they name a recruiter's postings in reach by id, thousands of them, and
PostgreSQL spent longer planning each of them than running it. So does the login backend's query of the
signed-in user (config/auth.py), on every request of a signed-in user.
"""

import hashlib
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError, connections
from django.db.models import QuerySet
from django.db.models.query import DEFAULT_FETCH_MODE, RawQuerySet, get_related_populators
from psycopg2.extensions import AsIs

MAX_PREPARED = 256
STATEMENT_DOES_NOT_EXIST = "26000"  # PostgreSQL's invalid_sql_statement_name


@dataclass(frozen=True)
class PreparedQuery:
    """A model query's SQL and parameters, and where each column of its rows goes (Django's ModelIterable):
    the model's fields, its related rows (`select_related`) and its annotations.

    `argument_type`, on PostgreSQL: the query holds ARGUMENT among its parameters, the statement's one
    parameter (a PostgreSQL type), given to `fetch()`."""

    using: str
    sql: str
    params: tuple
    statement: str  # its name as a PostgreSQL prepared statement
    model: type
    field_names: tuple[str, ...]
    model_columns: slice
    annotations: tuple[tuple[str, int], ...]
    converters: tuple
    klass_info: dict
    select: tuple
    argument_type: str | None = None

    @classmethod
    def compile(cls, queryset: QuerySet, argument_type: str | None = None) -> "PreparedQuery":
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        # Filled by as_sql(): the selected expressions, the model's columns among them, the annotations'.
        select, klass_info = compiler.select, compiler.klass_info
        columns = slice(klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1)
        converters = compiler.get_converters([column[0] for column in select[: compiler.col_count]])
        shown = shown_parameters(params)
        if (argument_type is None) != (shown == tuple(params)):
            raise ValueError("A query with an argument holds ARGUMENT among its parameters, and only then.")
        return cls(
            using=queryset.db,
            sql=sql,
            params=tuple(params),
            statement=statement_name(sql, shown),
            model=klass_info["model"],
            field_names=tuple(column[0].target.attname for column in select[columns]),
            model_columns=columns,
            annotations=tuple(compiler.annotation_col_map.items()),
            converters=tuple(
                (position, tuple(functions), expression)
                for position, (functions, expression) in converters.items()
            ),
            klass_info=klass_info,
            select=tuple(select),
            argument_type=argument_type,
        )

    def fetch(self, argument=None) -> list:
        """The query's rows as model instances, with their related rows and annotations, as iterating the
        queryset gives them."""
        connection = connections[self.using]
        rows = fetch_rows(
            self.using,
            self.sql,
            self.params,
            statement=self.statement,
            argument=None if self.argument_type is None else (self.argument_type, argument),
        )
        populators = get_related_populators(self.klass_info, self.select, self.using, DEFAULT_FETCH_MODE)
        instances = []
        for row in rows:
            if self.converters:
                row = list(row)
                for position, functions, expression in self.converters:
                    for convert in functions:
                        row[position] = convert(row[position], expression, connection)
            instance = self.model.from_db(self.using, self.field_names, row[self.model_columns])
            for populator in populators:
                populator.populate(row, instance)
            for name, position in self.annotations:
                setattr(instance, name, row[position])
            instances.append(instance)
        return instances


def statement_name(sql: str, params) -> str:
    return "passerelle_" + hashlib.sha256(repr((sql, tuple(params))).encode()).hexdigest()[:24]


def fetch_rows(using: str, sql: str, params, *, statement: str | None = None, argument=None) -> list[tuple]:
    """The rows of this SQL. On PostgreSQL it runs as a prepared statement of the database session, planned
    once per session rather than on every request; elsewhere as a plain query. `argument`: the statement's
    one parameter, see `_execute_prepared` (PostgreSQL only)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            name = statement or statement_name(sql, params)
            _execute_prepared(cursor, connection, name, sql, params, argument)
        elif argument is not None:
            raise ValueError("A statement's parameter is PostgreSQL's.")
        else:
            cursor.execute(sql, params)
        return cursor.fetchall()


def _execute_prepared(cursor, connection, statement: str, sql: str, params, argument=None) -> None:
    """PostgreSQL: run the query as a prepared statement of this database session, planned once per
    session rather than on every request (~0.5 ms of a filtered listing's ~2 ms in PostgreSQL, ~2 ms for each
    of the admin list's queries). It is prepared on first use, in the same round trip as its first execution
    (psycopg2 sends the two statements as one query, with the parameters written into the SQL: the statement
    has none, and its one plan is kept; psycopg 3, which binds parameters on the server, would need two).

    `argument`, a (PostgreSQL type, value) pair, is the statement's one parameter, `$1` in `sql`: what changes
    from one execution to the next (a page's ids). PostgreSQL plans the first five executions with its value,
    then keeps a generic plan if that plan costs no more.
    """
    declared, passed, values = "", "", []
    if argument is not None:
        declared, passed, values = f"({argument[0]})", "(%s)", [argument[1]]
    session = _statements.get(connection.connection)
    if session is None:
        session = _statements[connection.connection] = SessionStatements()
    if statement in session.names:
        try:
            cursor.execute(f"EXECUTE {statement}{passed}", values)
            return
        except DatabaseError as error:
            if getattr(error.__cause__, "pgcode", None) != STATEMENT_DOES_NOT_EXIST:
                raise
            # The session lost its statements (`DISCARD ALL`, a pooler): prepare this one afresh. Inside a
            # transaction the error has aborted it: the request fails, and the next one prepares afresh.
            session.unknown = True
            if connection.in_atomic_block:
                raise
    # After a failure the session's statements are unknown, and past MAX_PREPARED too many: start afresh.
    start_afresh = session.unknown or len(session.names) >= MAX_PREPARED
    session.unknown = True
    cursor.execute(
        f"{'DEALLOCATE ALL; ' if start_afresh else ''}PREPARE {statement}{declared} AS {sql}; "
        f"EXECUTE {statement}{passed}",
        [*params, *values],
    )
    if start_afresh:
        session.names.clear()
    session.names.add(statement)
    session.unknown = False


# Stands for a prepared statement's parameter among a query's parameters (`rows_with_argument`): psycopg2 writes
# it into the SQL as `$1`.
ARGUMENT = AsIs("$1")


def shown_parameters(params) -> tuple:
    """A query's parameters as its prepared statement holds them, ARGUMENT as `$1`: what names the statement."""
    return tuple("$1" if param is ARGUMENT else param for param in params)


def rows_with_argument(queryset: QuerySet | RawQuerySet, argument_type: str, argument) -> list:
    """PostgreSQL: the rows of `queryset` (or of a raw query), as iterating it gives them (select_related,
    annotations), whose SQL holds ARGUMENT among its parameters. The query runs as a prepared statement of the
    session with that one parameter, given `argument`: the statement is the same for every value, so its plan
    is too.
    """
    connection = connections[queryset.db]

    def execute(run, sql, params, many, context):
        if not any(param is ARGUMENT for param in params):
            return run(sql, params, many, context)
        shown = shown_parameters(params)
        cursor = _Through(run, many, context)
        return _execute_prepared(
            cursor, connection, statement_name(sql, shown), sql, params, (argument_type, argument)
        )

    with connection.execute_wrapper(execute):
        return list(queryset)


class _Through:
    """A cursor whose queries go on through Django's cursor and its other execute wrappers."""

    def __init__(self, run, many, context):
        self.run, self.many, self.context = run, many, context

    def execute(self, sql, params=None):
        return self.run(sql, params, self.many, self.context)


class SessionStatements:
    """The statements this process prepared in one PostgreSQL session."""

    def __init__(self):
        self.names: set[str] = set()
        self.unknown = False  # a PREPARE failed or was interrupted: the session may hold statements not named


# The statements prepared on each PostgreSQL connection (psycopg2's, which a reconnection replaces).
_statements: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_prepared: dict[tuple, PreparedQuery] = {}


def prepared(key: tuple, build: Callable[[], QuerySet]) -> PreparedQuery:
    """The query kept for `key`, else `build()`'s, compiled and kept for the next request with this key.

    `key` must hold everything the SQL depends on; `build` is only called when the key is new.
    """
    if (query := _prepared.get(key)) is None:
        query = PreparedQuery.compile(build())
        if len(_prepared) >= MAX_PREPARED:
            _prepared.clear()
        _prepared[key] = query
    return query
