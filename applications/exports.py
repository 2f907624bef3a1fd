"""Applicant exports (CSV and XLSX): one row per application, the same columns in both formats.

Every export starts from `Application.objects.visible_to(user)` (see `export_queryset`); the management
command, which has no user, is the only caller that starts from all applications. Rows are produced by a
generator over `QuerySet.iterator(chunk_size=...)` with the related rows prefetched per chunk, so the number of
queries does not depend on the number of rows and no list of all rows is ever built.

Rows are built for one format (`rows_for(queryset, fmt)`): a CSV row holds finished CSV cells, so a line is
the cells joined; an XLSX row holds plain text and datetimes that `write_xlsx` turns into cells. Labels and a
posting's columns are formatted once per distinct value, never per row.

Cells are neutralised against formula injection: a text that a spreadsheet would evaluate (starting with
=, +, -, @, tab or carriage return) gets a leading single quote, in both formats; in XLSX every text is
also written as a string cell, never as a formula.
"""

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import batched
from typing import IO, Any

from django.db.models import BooleanField, CharField, DateTimeField, ExpressionWrapper, Func, Q, TextField
from django.db.models.functions import Cast, Substr, TruncMinute
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from applications.models import Application, ApplicationQuerySet
from applications.private_responses import protect
from postings.models import Posting, PostingOrganisation, Programme, Session

# Rows fetched (and related rows prefetched) per query.
CHUNK_SIZE = 2000
# Postings whose columns are kept from one chunk of rows to the next (memory stays flat with 100k postings).
MAX_CACHED_POSTINGS = 20_000
# CSV lines joined into one piece of a streamed response.
CSV_LINES_PER_CHUNK = 500
CSV_BOM = "\ufeff"
# Semicolon: Excel in French (and Belgian) locales uses `,` as the decimal separator and `;` as the list
# separator, so a `;` file opens straight into columns on a double click; LibreOffice asks and detects it.
CSV_DELIMITER = ";"
# The line end csv.writer writes by default (and Excel expects).
CSV_LINE_END = "\r\n"
# csv.writer's minimal quoting: only a cell holding the delimiter, a double quote or a line break is quoted.
CSV_NEEDS_QUOTES = re.compile("[" + re.escape(CSV_DELIMITER) + '"\r\n]')
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_SHEET_TITLE = "Candidatures"
# A cache of cells per distinct stored value stops growing past this many values (memory stays flat).
MAX_CACHED_VALUES = 10_000


def neutralise(text: str) -> str:
    """Make a text inert in a spreadsheet: one that would start a formula gets a leading single quote."""
    if text.startswith(DANGEROUS_PREFIXES):
        return "'" + text
    return text


def csv_text(text: str) -> str:
    """A text as a CSV cell: neutralised, then quoted exactly as csv.writer (QUOTE_MINIMAL) quotes it.

    Writing the cells ourselves lets a line be a plain join: csv.writer (~5 µs a line) was the largest
    single cost of a large export. tests/applications/test_exports.py checks this against csv.writer.
    """
    if text.startswith(DANGEROUS_PREFIXES):
        text = "'" + text
    if CSV_NEEDS_QUOTES.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


# A CSV line's per-row texts are checked together: a text separated by this character starts a cell.
_CELL_START = "\x1f"
# Anything csv_text would change in one of the texts joined by _CELL_START: a character that needs quotes
# anywhere, or a formula start at the beginning of a cell. A \x1f typed by a candidate can only make this
# match where nothing needs changing, which costs the slow path, never a wrong cell.
_NEEDS_CSV_CARE = re.compile(
    "["
    + re.escape(CSV_DELIMITER)
    + '"\r\n]|'
    + re.escape(_CELL_START)
    + "["
    + re.escape("".join(DANGEROUS_PREFIXES))
    + "]"
)


def csv_texts(*texts: str) -> tuple[str, ...]:
    """csv_text of each text, with one search for the whole group: nearly every row has nothing to change.

    A row's candidate texts went through csv_text one by one, a fifth of a large export's time.
    """
    if _NEEDS_CSV_CARE.search(_CELL_START + _CELL_START.join(texts)) is None:
        return texts
    return tuple(map(csv_text, texts))


def _unchanged_texts(*texts: str) -> tuple[str, ...]:
    return texts


class LocalMinuteText(Func):
    """A datetime as "2026-11-25 14:30", the wall-clock minute in `zone`, formatted by the database.

    Building 400k aware datetimes and converting each to local time was a fifth of a large CSV export; the
    database does it in C. PostgreSQL uses TO_CHAR; other databases Django's own truncation in a time zone,
    read as text (its ISO form, cut to the minute).
    """

    output_field = CharField()

    def __init__(self, expression, zone):
        super().__init__(expression)
        self.zone = zone

    def as_sql(self, compiler, connection, **extra_context):
        (datetime_field,) = self.get_source_expressions()
        minute = TruncMinute(datetime_field, tzinfo=self.zone, output_field=DateTimeField())
        text = Substr(Cast(minute, CharField()), 1, len("2026-11-25 14:30"))
        return compiler.compile(text.resolve_expression(compiler.query))

    def as_postgresql(self, compiler, connection, **extra_context):
        (datetime_field,) = self.get_source_expressions()
        sql, params = compiler.compile(datetime_field)
        return f"TO_CHAR({sql} AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI')", (*params, str(self.zone))


@dataclass(frozen=True, slots=True)
class _CellFormat:
    """How a format writes the texts that vary from row to row.

    `text` makes one cell (labels and posting columns, once per distinct value); `texts` a row's candidate
    texts at once. Dates come from the query already as the format wants them (see iter_applications).
    """

    text: Callable[[str], Any]
    texts: Callable[..., tuple[Any, ...]]

    @classmethod
    def of(cls, fmt: str) -> "_CellFormat":
        if fmt == "csv":
            return cls(text=csv_text, texts=csv_texts)
        if fmt == "xlsx":
            # write_xlsx makes the cells: it neutralises text and localises dates itself.
            return cls(text=str, texts=_unchanged_texts)
        raise ValueError(f"Unknown export format: {fmt!r}")


class _PerValue(dict):
    """A cell for each distinct stored value, computed the first time the value is met.

    Statuses, countries and declared languages take few distinct values: a row looks its cell up instead of
    formatting it again.
    """

    def __init__(self, compute: Callable[[Any], Any]):
        super().__init__()
        self.compute = compute

    def __missing__(self, value):
        cell = self.compute(value)
        if len(self) < MAX_CACHED_VALUES:
            self[value] = cell
        return cell


def _languages_text(stored: str | None) -> str:
    """'en: B2; fr: C1' from the stored JSON text of `Application.languages`."""
    declared = json.loads(stored) if stored else None
    if not isinstance(declared, dict):
        return ""
    # Sorted by code: PostgreSQL's jsonb does not keep the keys' order; a column should not depend on it.
    return "; ".join(f"{code}: {level}" for code, level in sorted(declared.items()))


@dataclass(frozen=True, slots=True)
class _Labels:
    """Translated labels resolved once, before rows are generated, as cells of the export's format.

    A streamed response is iterated after the view has returned; resolving labels up front keeps the
    request's language for the whole file.
    """

    statuses: _PerValue
    countries: _PerValue
    languages: _PerValue
    yes: Any
    no: Any

    @classmethod
    def current(cls, text: Callable[[str], Any]) -> "_Labels":
        statuses = {value: str(label) for value, label in Application.Status.choices}
        names = {code: str(name) for code, name in countries}
        return cls(
            statuses=_PerValue(lambda status: text(statuses.get(status, status))),
            countries=_PerValue(lambda country: text(names.get(country.upper(), country))),
            languages=_PerValue(lambda stored: text(_languages_text(stored))),
            yes=text(str(_("oui"))),
            no=text(str(_("non"))),
        )


# The posting's part of a row (title, session, sending, host and employer organisations) as cells of the
# export's format: computed once per posting rather than once per application.
_PostingColumns = tuple[Any, Any, Any, Any, Any]


# The one definition of the export's columns and their order; `iter_rows` fills them in this order.
HEADERS = (
    _("Référence"),
    _("Offre"),
    _("Session"),
    _("Organisation(s) d'envoi"),
    _("Organisation(s) d'accueil"),
    _("Employeur"),
    _("Prénom"),
    _("Nom"),
    _("E-mail"),
    _("Téléphone"),
    _("Ville"),
    _("Pays"),
    _("Langues"),
    _("Éligibilité confirmée"),
    _("Connu par"),
    _("Statut"),
    _("Envoyée le"),
    _("Statut modifié le"),
    _("Réponse envoyée"),
)

# What a row reads from the application itself: plain values, no model instances (see iter_applications).
APPLICATION_FIELDS = (
    "posting_id",
    "reference",
    "first_name",
    "last_name",
    "email",
    "phone",
    "city",
    "country",
    "languages_json",
    "eligibility_confirmed",
    "heard_from",
    "status",
    "submitted_at",
    "status_changed_at",
    "answered",
)


def headers() -> list[str]:
    return [str(header) for header in HEADERS]


def _posting_columns(
    posting_ids, text: Callable[[str], Any], *, at_most: int | None = None
) -> dict[int, _PostingColumns] | None:
    """Title, session and organisations by role for the given postings: two queries. None (after one query)
    when there are more than `at_most` postings."""
    # Only what a row shows, as plain values: full postings (long texts) made the peak memory grow with the
    # number of postings, and three model instances per posting (with its session and programme) cost more
    # than the rest of this function. Sessions are few: each label is still the model's own (`str`), built
    # once per session from the values read.
    postings = Posting.objects.filter(pk__in=posting_ids).values_list(
        "pk",
        "title",
        "session_id",
        "session__name",
        "session__programme__name",
        "session__programme__short_name",
    )
    postings = list(postings[: at_most + 1] if at_most is not None else postings)
    if at_most is not None and len(postings) > at_most:
        return None
    roles = PostingOrganisation.Role
    names: dict[tuple[int, str], list[str]] = {}
    links = (
        PostingOrganisation.objects.filter(
            posting_id__in=posting_ids, role__in=[roles.SENDING, roles.HOST, roles.EMPLOYER]
        )
        .order_by("order", "pk")
        .values_list("posting_id", "role", "organisation__name")
    )
    for posting_id, role, name in links:
        names.setdefault((posting_id, role), []).append(name)

    def joined(posting_id: int, role: str) -> str:
        return ", ".join(names.get((posting_id, role), ()))

    session_labels: dict[int, str] = {}
    columns = {}
    for posting_id, title, session_id, session_name, programme_name, programme_short_name in postings:
        if session_id is None:
            session = ""
        elif (session := session_labels.get(session_id)) is None:
            programme = Programme(name=programme_name, short_name=programme_short_name)
            session = session_labels[session_id] = str(Session(name=session_name, programme=programme))
        columns[posting_id] = (
            text(title),
            text(session),
            text(joined(posting_id, roles.SENDING)),
            text(joined(posting_id, roles.HOST)),
            text(joined(posting_id, roles.EMPLOYER)),
        )
    return columns


def export_queryset(user, within=None) -> ApplicationQuerySet:
    """The applications `user` may export, optionally narrowed to those in `within` (a selection, filters).

    Whatever `within` holds (ids picked in the admin, a filtered changelist), the result never leaves the
    user's reach: the access rule is applied here again.
    """
    queryset = Application.objects.visible_to(user)
    if within is not None:
        queryset = queryset.filter(pk__in=within.values("pk"))
    return queryset.order_by("-submitted_at", "-pk")


def iter_applications(queryset: ApplicationQuerySet, fmt: str) -> Iterator[tuple]:
    """The applications as plain tuples (APPLICATION_FIELDS), read chunk by chunk, for `fmt`.

    Model instances cost more than the rest of the export together: at 200k rows, tuples are what keeps
    the export fast and its memory flat. For "csv" the dates come as local wall-clock text (the current
    time zone, read now), for "xlsx" as aware datetimes.
    """
    # "answered" is a boolean computed by the database: parsing 200k datetimes only to print yes/no cost more.
    answered = ExpressionWrapper(Q(answered_at__isnull=False), output_field=BooleanField())
    # The languages as their stored JSON text, decoded once per distinct value (see _Labels): with no JSON
    # field in the query, Django has no converter to run on each row.
    languages_json = Cast("languages", TextField())
    queryset = queryset.annotate(answered=answered, languages_json=languages_json)
    fields = APPLICATION_FIELDS
    if fmt == "csv":
        zone = timezone.get_current_timezone()
        queryset = queryset.annotate(
            submitted_text=LocalMinuteText("submitted_at", zone),
            status_changed_text=LocalMinuteText("status_changed_at", zone),
        )
        dates = {"submitted_at": "submitted_text", "status_changed_at": "status_changed_text"}
        fields = tuple(dates.get(field, field) for field in fields)
    return queryset.values_list(*fields).iterator(chunk_size=CHUNK_SIZE)


def iter_rows(applications: Iterable[tuple], fmt: str, posting_ids=None) -> Iterator[list[Any]]:
    """One list of cells per application (tuples from `iter_applications(..., fmt)`), in HEADERS order.

    For "csv", every cell is finished CSV text (neutralised, quoted where needed, dates in local time); for
    "xlsx", cells are plain text and aware datetimes (or None), which `write_xlsx` turns into cells.

    The postings' columns are read once up front for `posting_ids` (a queryset or list; two queries in all)
    when given and they are at most MAX_CACHED_POSTINGS, otherwise for each chunk of rows that brings
    postings not met yet (two queries per chunk at most, never per row). Past MAX_CACHED_POSTINGS, the columns kept are dropped before more are read:
    holding every posting's columns made the peak memory grow with the number of postings (165 MB at 100k).

    Labels, the time zone and the up-front posting columns are read here, when called: a streamed response
    iterates the rows after the view has returned.
    """
    cells = _CellFormat.of(fmt)
    labels = _Labels.current(cells.text)
    postings = None
    if posting_ids is not None:
        postings = _posting_columns(posting_ids, cells.text, at_most=MAX_CACHED_POSTINGS)
    return _generate_rows(applications, postings or {}, labels, cells)


def _generate_rows(
    applications, postings: dict[int, _PostingColumns], labels: _Labels, cells: _CellFormat
) -> Iterator[list[Any]]:
    for chunk in batched(applications, CHUNK_SIZE):
        needed = {row[0] for row in chunk}
        if missing := needed - postings.keys():
            if len(postings) + len(missing) > MAX_CACHED_POSTINGS:
                postings.clear()
                missing = needed  # the chunk's other postings were among those dropped
            postings.update(_posting_columns(missing, cells.text))
        yield from _rows(chunk, postings, labels, cells)


def _rows(
    applications, postings: dict[int, _PostingColumns], labels: _Labels, cells: _CellFormat
) -> Iterator[list[Any]]:
    statuses, country_names, languages = labels.statuses, labels.countries, labels.languages
    yes, no, text, texts = labels.yes, labels.no, cells.text, cells.texts
    for (
        posting_id,
        reference,
        first_name,
        last_name,
        email,
        phone,
        city,
        country,
        languages_json,
        eligibility_confirmed,
        heard_from,
        status,
        submitted_at,
        status_changed_at,
        answered,
    ) in applications:
        # The phone alone: it often starts with "+", which a spreadsheet would read as a formula.
        reference, first_name, last_name, email, city, heard_from = texts(
            reference, first_name, last_name, email, city, heard_from
        )
        yield [
            reference,
            *postings[posting_id],
            first_name,
            last_name,
            email,
            text(phone),
            city,
            country_names[country],
            languages[languages_json],
            yes if eligibility_confirmed else no,
            heard_from,
            statuses[status],
            submitted_at,
            status_changed_at,
            yes if answered else no,
        ]


def rows_for(queryset: ApplicationQuerySet, fmt: str) -> Iterator[list[Any]]:
    """The export's rows for a queryset: a constant number of queries up to MAX_CACHED_POSTINGS postings."""
    return iter_rows(iter_applications(queryset, fmt), fmt, posting_ids=queryset.values("posting_id"))


# CSV ------------------------------------------------------------------------------------------------


def csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    """The CSV file as text chunks: the BOM, the header line, then one line per row of `rows_for(..., "csv")`."""
    header = CSV_DELIMITER.join(csv_text(h) for h in headers()) + CSV_LINE_END

    def generate() -> Iterator[str]:
        yield CSV_BOM + header
        # Lines are sent in batches: one yield per line would cost more than formatting it.
        for batch in batched(rows, CSV_LINES_PER_CHUNK):
            yield "".join([CSV_DELIMITER.join(row) + CSV_LINE_END for row in batch])

    return generate()


def write_csv(rows: Iterable[list[str]], stream: IO[str]) -> None:
    """Write the CSV to a text stream opened with newline="" (lines end with CSV_LINE_END as written)."""
    for chunk in csv_lines(rows):
        stream.write(chunk)


# XLSX -----------------------------------------------------------------------------------------------


def write_xlsx(rows: Iterable[list[Any]], stream: IO[bytes]) -> None:
    """Write the XLSX with openpyxl's write-only mode: rows go to a temporary file, not to memory."""
    # Imported here: openpyxl takes ~0.1 s to import, which every process loading the admin (web workers,
    # every management command) would otherwise pay at start-up for a format few of them write.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=XLSX_SHEET_TITLE)

    def cell(value: Any):
        if value is None:
            return None
        if isinstance(value, datetime):
            # Excel has no time zones: local (Europe/Paris) wall-clock time, as people read it.
            return timezone.localtime(value).replace(tzinfo=None)
        text = neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
        written = WriteOnlyCell(sheet, value=text)
        # A string cell: never evaluated as a formula nor read as an error code, whatever it holds.
        written.data_type = "s"
        return written

    sheet.append([cell(h) for h in headers()])
    for row in rows:
        sheet.append([cell(value) for value in row])
    workbook.save(stream)


def write_export(fmt: str, rows: Iterable[list[Any]], stream) -> int:
    """Write `rows` (from `rows_for(..., fmt)`) to `stream` (text for csv, binary for xlsx); return the number
    of rows."""
    count = 0

    def counted() -> Iterator[list[Any]]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    if fmt == "csv":
        write_csv(counted(), stream)
    elif fmt == "xlsx":
        write_xlsx(counted(), stream)
    else:
        raise ValueError(f"Unknown export format: {fmt!r}")
    return count


def protect_download(response):
    """Headers for a file of personal data: the one helper of every file response (private_responses)."""
    return protect(response)


def export_filename(fmt: str, *, now: datetime | None = None) -> str:
    moment = timezone.localtime(now or timezone.now())
    return f"candidatures-{moment:%Y%m%d-%H%M}.{fmt}"


def export_queryset_for_command(*, posting=None, organisation=None, session=None) -> ApplicationQuerySet:
    """The management command's selection: no user, so every application matching the filters.

    `organisation` matches applications to postings where it has any role, or whose programme it operates.
    """
    queryset = Application.objects.all()
    if posting is not None:
        queryset = queryset.filter(posting=posting)
    if session is not None:
        queryset = queryset.filter(posting__session=session)
    if organisation is not None:
        postings = Posting.objects.filter(
            Q(organisation_roles__organisation=organisation) | Q(session__programme__operator=organisation)
        )
        queryset = queryset.filter(posting__in=postings.values("pk"))
    return queryset.order_by("-submitted_at", "-pk")
