"""The listing's page query, compiled to SQL once per combination of values and kept in this process.

Building a filtered listing's queryset (django-filter's methods, `Exists` subqueries, a search's rank) and
compiling it cost more Python than PostgreSQL takes to answer it: ~2 ms of a filtered listing's ~7 ms of
Django, against ~1.5 ms in the database (bench/NOTES.md, "Session 7"). That SQL depends only on the
filters' values, the page size and the page number: the listing compares deadlines with the database's clock
(`Now()`, postings/filters.py), never with a time written into the query. So the SQL, its parameters and how
its rows become postings are kept per combination (`key`), at most MAX_PREPARED of them, and a request with the
same values runs the same SQL without building anything.

Only the query is kept, never its result: every request reads its postings and their total from the database.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections
from django.db.models import QuerySet

MAX_PREPARED = 256


@dataclass(frozen=True)
class PreparedQuery:
    """A model query's SQL and parameters, and where each column of its rows goes (Django's ModelIterable)."""

    using: str
    sql: str
    params: tuple
    model: type
    field_names: tuple[str, ...]
    model_columns: slice
    annotations: tuple[tuple[str, int], ...]
    converters: tuple

    @classmethod
    def compile(cls, queryset: QuerySet) -> "PreparedQuery":
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        # Filled by as_sql(): the selected expressions, the model's columns among them, the annotations'.
        select, klass_info = compiler.select, compiler.klass_info
        if klass_info.get("related_klass_infos"):
            raise ValueError("A prepared query reads one model's rows: no select_related().")
        columns = slice(klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1)
        converters = compiler.get_converters([column[0] for column in select[: compiler.col_count]])
        return cls(
            using=queryset.db,
            sql=sql,
            params=tuple(params),
            model=klass_info["model"],
            field_names=tuple(column[0].target.attname for column in select[columns]),
            model_columns=columns,
            annotations=tuple(compiler.annotation_col_map.items()),
            converters=tuple(
                (position, tuple(functions), expression)
                for position, (functions, expression) in converters.items()
            ),
        )

    def fetch(self) -> list:
        """The query's rows as model instances, with their annotations, as iterating the queryset gives them."""
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            rows = cursor.fetchall()
        instances = []
        for row in rows:
            if self.converters:
                row = list(row)
                for position, functions, expression in self.converters:
                    for convert in functions:
                        row[position] = convert(row[position], expression, connection)
            instance = self.model.from_db(self.using, self.field_names, row[self.model_columns])
            for name, position in self.annotations:
                setattr(instance, name, row[position])
            instances.append(instance)
        return instances


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
