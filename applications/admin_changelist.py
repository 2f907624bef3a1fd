"""The rows of the application list, in Django admin's own markup at a fraction of its cost.

Django's `items_for_result` works out every cell from scratch: which field or method the column names, how to
show its value, whether it links to the change page (a `reverse()` per link), and the selection checkbox is a
form widget rendered through the template engine. That generic work was most of the list's time. This
ChangeList works out each column once per request and then only reads and formats values, using Django's own
`display_for_field` / `display_for_value`, so the HTML is Django's byte for byte
(`tests/applications/test_admin_list.py` compares both on every column). Lists it does not handle (popups,
editable lists, `to_field`) keep Django's rows.
"""

import datetime
import html
from collections.abc import Callable

from django.conf import settings
from django.contrib.admin import ModelAdmin, helpers
from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    _coerce_field_name,
    items_for_result,
    result_headers,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    get_fields_from_path,
    lookup_field,
    quote,
)
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, ObjectDoesNotExist
from django.core.paginator import Paginator
from django.db import connections, models
from django.db.models import QuerySet
from django.db.models.constants import LOOKUP_SEP
from django.db.models.expressions import RawSQL
from django.db.models.sql.where import WhereNode
from django.urls import reverse
from django.utils.dateformat import DateFormat, re_escaped, re_formatchars
from django.utils.formats import get_format
from django.utils.functional import Promise, cached_property
from django.utils.safestring import SafeString
from django.utils.timezone import get_current_timezone
from django.utils.translation import get_language, gettext

from postings.prepared import ARGUMENT, PreparedQuery, fetch_rows, rows_with_argument

# A row's change URL is this one with the row's primary key in place of the sample's.
SAMPLE_PK = 0
# Django admin's message for the selection checkbox, translated by Django's own catalogues (held in a
# constant so that `makemessages` leaves it to them).
CHECKBOX_LABEL = "Select this object for an action - {}"


def cell_escape(value) -> str:
    """Django's `conditional_escape`, the same text, without the lazy-argument check of its `escape` (a cell
    calls it a few times: ~1,000 calls a page)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


class Column:
    """One column of the list, with everything `items_for_result` would otherwise find out for each cell."""

    def __init__(self, changelist: ChangeList, field_name, index: int, *, link: bool, first_link: bool):
        model_admin = changelist.model_admin
        opts = changelist.lookup_opts
        self.name = field_name
        self.link = link
        self.tag = "th" if first_link else "td"
        self.empty_value_display = model_admin.get_empty_value_display()
        self.field = None
        self.attr = None
        self.getter: Callable | None = None  # None: ask `lookup_field` for each row
        try:
            self.field = _get_non_gfk_field(opts, field_name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            pass
        if self.field is not None:
            name = field_name
            self.getter = lambda obj: getattr(obj, name)
        elif callable(field_name):
            self.attr = field_name
            self.getter = field_name
        elif hasattr(model_admin, field_name) and field_name != "__str__":
            self.attr = getattr(model_admin, field_name)
            self.getter = self.attr
        self.empty_value_display = getattr(self.attr, "empty_value_display", self.empty_value_display)
        self.terminal_field = self.field
        if self.field is None and isinstance(field_name, str) and LOOKUP_SEP in field_name:
            try:
                self.terminal_field = get_fields_from_path(changelist.model, field_name)[-1]
            except FieldDoesNotExist:
                pass
        self.classes = [f"field-{_coerce_field_name(field_name, index)}"]
        self.as_value = self.terminal_field is None or self.terminal_field.auto_created
        if self.as_value:
            if field_name == "action_checkbox":
                self.classes = ["action-checkbox"]
        elif isinstance(self.terminal_field, (models.DateField, models.TimeField, models.ForeignKey)):
            self.classes.append("nowrap")
        # Values with few possible displays, worked out once: a choice's label, a boolean's icon.
        self.labels = None
        if not self.as_value and self.terminal_field.name != "password":
            try:
                self.labels = {
                    value: cell_escape(label) for value, label in self.terminal_field.flatchoices
                } or None
            except TypeError:  # unhashable choices: Django's own path
                pass
        self.icons = {}
        # An aware datetime's display (DateTimeField), its format parsed once per request.
        self.datetime_display = None
        if isinstance(self.terminal_field, models.DateTimeField) and self.labels is None:
            self.datetime_display = datetime_display(get_format("DATETIME_FORMAT"))

    def _value_display(self, attr, value, empty_value_display) -> str:
        boolean = getattr(attr, "boolean", False)
        if isinstance(attr, property) and hasattr(attr, "fget"):
            boolean = getattr(attr.fget, "boolean", False)
        if boolean and (value is True or value is False or value is None):
            if value not in self.icons:
                self.icons[value] = display_for_value(value, empty_value_display, True)
            return self.icons[value]
        if isinstance(value, Promise):
            # What display_for_value makes of a lazy translation, translated once instead of once for each
            # of its comparisons.
            value = str(value)
            return empty_value_display if value == "" else value
        return display_for_value(value, empty_value_display, boolean)

    def representation(self, obj, model_admin) -> tuple[str, list[str]]:
        """The cell's content (escaped as Django escapes it) and its classes."""
        try:
            if self.getter is None:
                _field, attr, value = lookup_field(self.name, obj, model_admin)
            else:
                attr, value = self.attr, self.getter(obj)
        except ObjectDoesNotExist:
            return cell_escape(self.empty_value_display), self.classes
        empty_value_display = self.empty_value_display
        if self.getter is None:
            empty_value_display = getattr(attr, "empty_value_display", empty_value_display)
        if self.as_value:
            result = self._value_display(attr, value, empty_value_display)
            if isinstance(value, (datetime.date, datetime.time)):
                return cell_escape(result), [*self.classes, "nowrap"]
            return cell_escape(result), self.classes
        field = self.terminal_field
        if self.labels is not None:
            try:
                return self.labels[value], self.classes
            except (KeyError, TypeError):
                pass  # Django's own path shows what is not a choice
        if self.datetime_display is not None and type(value) is datetime.datetime:
            return cell_escape(self.datetime_display(value)), self.classes
        if isinstance(field.remote_field, models.ManyToOneRel):
            result = empty_value_display if value is None else value
        else:
            result = display_for_field(value, field, empty_value_display, avoid_link=self.link)
        return cell_escape(result), self.classes


# Format characters that read the datetime's timezone: for those DateFormat first checks whether the local
# time is ambiguous or imaginary (a daylight-saving change), a check that costs more than the formatting.
TIMEZONE_FORMAT_CHARACTERS = frozenset("eIOrTZ")


def datetime_display(format_string: str) -> Callable[[datetime.datetime], str] | None:
    """What `display_for_field` shows of a DateTimeField's value, `formats.localize(template_localtime(value))`,
    with the format parsed once instead of for each value (~30 µs a cell, half the list's date column).

    None for a format that shows the timezone, or without USE_TZ: Django's own path then formats each value.
    """
    pieces = re_formatchars.split(str(format_string))
    specifiers = pieces[1::2]
    if not settings.USE_TZ or TIMEZONE_FORMAT_CHARACTERS.intersection(specifiers):
        return None
    literals = [re_escaped.sub(r"\1", piece) for piece in pieces[0::2]]
    methods = [getattr(DateFormat, specifier) for specifier in specifiers]
    first, rest = literals[0], list(zip(methods, literals[1:], strict=True))
    local = get_current_timezone()  # template_localtime's, for the request

    def display(value: datetime.datetime) -> str:
        if value.utcoffset() is not None and getattr(value, "convert_to_local_time", True):
            value = value.astimezone(local)
        formatter = _NoTimezoneFormat(value)
        return first + "".join(str(method(formatter)) + literal for method, literal in rest)

    return display


class _NoTimezoneFormat(DateFormat):
    """Django's DateFormat for a format that does not show the timezone (`datetime_display`)."""

    def __init__(self, obj):
        self.data = obj
        self.timezone = None


class PageRows:
    """A page's rows, read when first used (like the QuerySet they replace: an export's changelist never reads
    them)."""

    def __init__(self, load: Callable[[], list]):
        self._load = load
        self._rows: list | None = None

    def _get(self) -> list:
        if self._rows is None:
            self._rows = self._load()
        return self._rows

    def __iter__(self):
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def __getitem__(self, index):
        return self._get()[index]


def planned_once(queryset: QuerySet, wrap: str) -> list[tuple]:
    """The rows of `queryset`'s SQL (inside `wrap`, a format string, if any), run on PostgreSQL as a prepared
    statement of the database session (postings/prepared.py).

    The list's queries name the postings in reach by id, a recruiter's thousands of them: PostgreSQL took
    ~2 ms to plan each such query and under 0.5 ms to run the page's (bench/NOTES.md, "Session 8"). As a
    statement of the session it is planned once, then run with its plan as long as the same list is asked
    for again (the same reach, filters, search, order and page).
    """
    try:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:
        return []
    return fetch_rows(queryset.db, wrap.format(sql) if wrap else sql, params)


class PlannedOncePaginator(Paginator):
    """A paginator that counts the list's rows with a query planned once per database session."""

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet):
            return super().count
        rows = planned_once(
            self.object_list.order_by().values_list("pk"), "SELECT COUNT(*) FROM ({}) AS listed"
        )
        return rows[0][0] if rows else 0


class FastRowsChangeList(ChangeList):
    """A ChangeList whose rows cost a few microseconds a cell; the template includes `results_context`.

    A ModelAdmin's `list_only` names the columns a page's rows read (`QuerySet.only()`); the rest stays in
    the database. Only the page's rows: actions and exports read the list's queryset in full.
    """

    def get_results(self, request):
        super().get_results(request)
        only = getattr(self.model_admin, "list_only", None)
        if only:
            self.result_list = self.result_list.only(*only)
        if isinstance(self.result_list, QuerySet) and self.result_list.query.is_sliced:
            page, by_keys = self.result_list, self._kept_rows_by_keys(request)
            self.result_list = PageRows(lambda: self._page_by_ids(page, by_keys))

    def _kept_rows_by_keys(self, request) -> "KeyedRows | None":
        """The page rows' query kept for the request's reach, when the ModelAdmin keeps what a reach
        determines (`built_list`, ApplicationAdmin) and the database is PostgreSQL.

        The rows are read by key alone (`rows_by_keys`): their query is the list's queryset without its
        conditions, order or limits, the same for every page, filter and search of a reach."""
        built = getattr(self.model_admin, "built_list", None)
        built = built(request) if built is not None else None
        if built is None or connections[self.root_queryset.db].vendor != "postgresql":
            return None
        if (kept := built.kept.get("rows_by_keys")) is None:
            queryset = self.apply_select_related(self.root_queryset)
            if only := getattr(self.model_admin, "list_only", None):
                queryset = queryset.only(*only)
            kept = built.kept["rows_by_keys"] = KeyedRows(queryset)
        return kept

    def _page_by_ids(self, page: QuerySet, by_keys: "KeyedRows | None" = None) -> list:
        """The page's rows, read in two steps: their ids in the list's order, then the rows by id.

        Finding a page's rows walks the list's order until enough match the filters; with the ids alone
        that walk stays in one index, and the per-row work (annotations, joins) runs for the page only.
        """
        # The ids come from the list's own query (reach, filters, search): the rows need only those ids.
        keys = [pk for (pk,) in planned_once(page.values_list("pk"), "")]
        return by_keys(keys) if by_keys is not None else rows_by_keys(page, keys)

    def kept_filter_key(self, spec) -> tuple | None:
        """What a filter's HTML depends on, for a filter that says so (`KeptHtml.kept_key`): the filter, the
        language, the list's parameters (its links keep them) and the filter's own parts. None when the HTML
        is not to be kept: another filter, or the counts shown beside each choice."""
        kept_key = getattr(spec, "kept_key", None)
        if kept_key is None or self.add_facets or (parts := kept_key()) is None:
            return None
        name = getattr(spec, "field_path", None) or getattr(spec, "parameter_name", None)
        params = tuple(sorted((key, tuple(values)) for key, values in self.filter_params.items()))
        return (type(spec), name, get_language(), params, *parts)

    def handles_rows(self) -> bool:
        return not (self.formset or self.is_popup or self.to_field or self.list_display_links is None)

    def results_context(self) -> dict:
        """What Django's `{% result_list %}` tag gives its template (admin/change_list_results.html)."""
        headers = list(result_headers(self))
        rows = self.result_rows() if self.handles_rows() else None
        if rows is None:
            rows = [ResultList(None, items_for_result(self, result, None)) for result in self.result_list]
        return {
            "cl": self,
            "result_hidden_fields": [],
            "result_headers": headers,
            "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
            "results": rows,
        }

    def _columns(self) -> list[Column]:
        columns, first = [], True
        for index, field_name in enumerate(self.list_display):
            if not self.list_display_links:
                link = first
            else:
                link = field_name in self.list_display_links
            columns.append(Column(self, field_name, index, link=link, first_link=link and first))
            if link:
                first = False
        return columns

    def _change_url(self) -> Callable[[object], str]:
        """pk → the change page's URL with the list's filters preserved, as `items_for_result` writes it."""
        url_name = f"admin:{self.opts.app_label}_{self.opts.model_name}_change"
        sample = reverse(url_name, args=(SAMPLE_PK,), current_app=self.model_admin.admin_site.name)
        context = {"preserved_filters": self.preserved_filters, "opts": self.opts}
        before, marker, after = sample.rpartition(f"/{SAMPLE_PK}/")
        full = add_preserved_filters(context, sample)
        if not marker or not full.startswith(sample):
            return lambda result: cell_escape(add_preserved_filters(context, self.url_for_result(result)))
        prefix, suffix = before + "/", "/" + after + full[len(sample) :]
        pk_attname = self.pk_attname
        return lambda result: cell_escape(f"{prefix}{quote(getattr(result, pk_attname))}{suffix}")

    def _checkbox(self) -> Callable[[object], str] | None:
        """The selection checkbox, when it is the stock one: the markup of Django's CheckboxInput."""
        if type(self.model_admin).action_checkbox is not ModelAdmin.action_checkbox:
            return None
        label = gettext(CHECKBOX_LABEL)
        name = helpers.ACTION_CHECKBOX_NAME

        def checkbox(result) -> str:
            return (
                f'<input type="checkbox" name="{name}" value="{cell_escape(str(result.pk))}" class="action-select"'
                f' aria-label="{label.format(cell_escape(str(result)))}">'
            )

        return checkbox

    def result_rows(self) -> list[ResultList] | None:
        columns = self._columns()
        change_url = self._change_url()
        checkbox = self._checkbox()
        model_admin = self.model_admin
        rows = []
        for result in self.result_list:
            cells = []
            url = None
            for column in columns:
                if column.name == "action_checkbox" and checkbox is not None:
                    cells.append(f'<td class="action-checkbox">{checkbox(result)}</td>')
                    continue
                content, classes = column.representation(result, model_admin)
                if column.link:
                    if url is None:
                        url = change_url(result)
                    content = f'<a href="{url}">{content}</a>'
                cells.append(f'<{column.tag} class="{" ".join(classes)}">{content}</{column.tag}>')
            rows.append(ResultList(None, [SafeString("".join(cells))]))
        return rows


class KeyedRows:
    """PostgreSQL: the rows of a queryset by primary key, as `rows_by_keys` reads them, its SQL compiled on
    first use and kept (postings/prepared.py): compiling the application list's rows query (its duplicate
    flag's subqueries, three joined tables) cost ~2 ms of every page (bench/NOTES.md, "Session 8")."""

    def __init__(self, queryset: QuerySet):
        self.queryset = queryset
        self._query: PreparedQuery | None = None

    def __call__(self, keys: list) -> list:
        if not keys:
            return []
        if self._query is None:
            self._query = PreparedQuery.compile(*_by_any_key(self.queryset))
        rows = {row.pk: row for row in self._query.fetch(keys)}
        return [rows[key] for key in keys if key in rows]


def _by_any_key(queryset: QuerySet) -> tuple[QuerySet, str]:
    """The queryset without its conditions, order and limits, filtered by its primary key among an array
    (ARGUMENT, a prepared statement's parameter), and the array's PostgreSQL type."""
    by_keys = _without_conditions(queryset)
    connection = connections[queryset.db]
    pk = queryset.model._meta.pk
    column = (
        f"{connection.ops.quote_name(queryset.model._meta.db_table)}.{connection.ops.quote_name(pk.column)}"
    )
    condition = RawSQL(f"{column} = ANY(%s)", (ARGUMENT,), output_field=models.BooleanField())
    return by_keys.filter(condition), f"{pk.rel_db_type(connection)}[]"


def rows_by_keys(queryset: QuerySet, keys: list) -> list:
    """The rows of `queryset` with these primary keys, in the keys' order, each once: a page whose keys the
    queryset itself chose, read with its annotations, related rows and deferred fields.

    The rows are read by key alone, without the queryset's conditions: beside the keys, PostgreSQL would
    evaluate those through their own indexes again (the reach rule, a search). A join that a condition brought
    stays in the query without it; every key's row passed that join already, and a many-to-many one may
    repeat a row, kept once here.
    """
    if connections[queryset.db].vendor == "postgresql" and keys:
        # The keys as the one parameter of a prepared statement: planned for its first executions, not for
        # every page (~2 ms of PostgreSQL for the application list's page; bench/NOTES.md, "Session 8").
        found = rows_with_argument(*_by_any_key(queryset), keys)
    else:
        found = _without_conditions(queryset).filter(pk__in=keys)
    rows = {row.pk: row for row in found}
    return [rows[key] for key in keys if key in rows]


def _without_conditions(queryset: QuerySet) -> QuerySet:
    """The queryset's rows, annotations and joins, without its conditions, order or limits."""
    rows = queryset._chain()
    rows.query.clear_limits()
    rows.query.clear_ordering(force=True)
    rows.query.where = WhereNode()
    return rows
