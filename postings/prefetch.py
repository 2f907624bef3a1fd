"""Small related rows read in their parent's query, as JSON arrays built by the database.

A posting page shows five kinds of small rows (places, languages, requirements, pay lines, its own phases) and
a card shows places. `prefetch_related` costs one query per kind; here the parent's query carries each list as
a JSON array from a correlated subquery (JSONB_AGG on PostgreSQL, JSON_GROUP_ARRAY on SQLite), and
`unpack_json_rows()` rebuilds the rows as model instances in the relation's prefetch cache, exactly where
`prefetch_related` would put them: templates and methods keep using `posting.locations.all()`.

Meant for leaf rows with plain columns (text, numbers, booleans, dates): no datetimes, no rows to follow further.
"""

import json
from collections.abc import Iterable
from decimal import Decimal

from django.db import models
from django.db.models import Aggregate, OuterRef, Subquery
from django.db.models.functions import JSONObject

ANNOTATION_PREFIX = "_json_rows_"


class _DecimalDecoder(json.JSONDecoder):
    """JSON numbers with a fraction stay exact (Decimal), as a DecimalField read from its column would be."""

    def __init__(self, **kwargs):
        super().__init__(parse_float=Decimal, **kwargs)


class JSONArrayAgg(Aggregate):
    """The aggregated values as one JSON array (NULL over no rows)."""

    function = "JSONB_AGG"
    output_field = models.JSONField(decoder=_DecimalDecoder)

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)


def _relation(model: type[models.Model], name: str) -> models.ForeignObjectRel:
    relation = model._meta.get_field(name)
    if not relation.one_to_many:
        raise ValueError(f"{model.__name__}.{name} is not a reverse foreign key")
    for field in relation.related_model._meta.concrete_fields:
        if isinstance(field, models.DateTimeField):
            raise ValueError(f"{relation.related_model.__name__}.{field.name}: datetimes are not supported")
    return relation


def with_json_rows(queryset: models.QuerySet, *names: str) -> models.QuerySet:
    """`queryset` annotated with the rows of each reverse foreign key in `names`, for `unpack_json_rows`."""
    annotations = {}
    for name in names:
        relation = _relation(queryset.model, name)
        related = relation.related_model
        fields = {field.attname: field.attname for field in related._meta.concrete_fields}
        rows = (
            related._base_manager.filter(**{relation.field.name: OuterRef("pk")})
            .order_by()
            .values(relation.field.attname)
            .annotate(rows=JSONArrayAgg(JSONObject(**fields)))
            .values("rows")
        )
        annotations[ANNOTATION_PREFIX + name] = Subquery(rows, output_field=JSONArrayAgg.output_field)
    return queryset.annotate(**annotations)


def _column_value(field: models.Field, raw):
    if raw is None:
        return None
    if isinstance(field, models.DecimalField):
        return Decimal(raw).quantize(Decimal(1).scaleb(-field.decimal_places))
    if field.is_relation:
        return field.target_field.to_python(raw)
    return field.to_python(raw)


def _sort(instances: list, ordering: list[str]) -> None:
    """Sort like the model's Meta.ordering (plain field names, "-" for descending): stable sorts, last key first."""
    for name in reversed(ordering):
        field = name.removeprefix("-")
        instances.sort(
            key=lambda instance: (getattr(instance, field) is None, getattr(instance, field)),
            reverse=name.startswith("-"),
        )


def unpack_json_rows(instances: Iterable[models.Model], *names: str) -> None:
    """Move the rows annotated by `with_json_rows` into each instance's prefetch cache, in the model's order."""
    instances = list(instances)
    if not instances:
        return
    for name in names:
        relation = _relation(type(instances[0]), name)
        related = relation.related_model
        fields = related._meta.concrete_fields
        attnames = [field.attname for field in fields]
        ordering = list(related._meta.ordering)
        for instance in instances:
            children = [
                related.from_db(
                    instance._state.db, attnames, [_column_value(f, row[f.attname]) for f in fields]
                )
                for row in getattr(instance, ANNOTATION_PREFIX + name) or []
            ]
            for child in children:
                relation.field.set_cached_value(child, instance)
            _sort(children, ordering)
            # Where prefetch_related() keeps a relation's rows: the related manager's all() returns them.
            queryset = getattr(instance, name).all()
            queryset._result_cache = children
            queryset._prefetch_done = True
            instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = queryset
