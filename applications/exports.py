"""Applicant exports (CSV and XLSX): one row per application, the same columns in both formats.

Every export starts from `Application.objects.visible_to(user)` (see `export_queryset`); the management
command, which has no user, is the only caller that starts from all applications. Rows are produced by a
generator over `QuerySet.iterator(chunk_size=...)` with the related rows prefetched per chunk, so the number of
queries does not depend on the number of rows and no list of all rows is ever built.

Cells are neutralised against formula injection: a text that a spreadsheet would evaluate (starting with
=, +, -, @, tab or carriage return) gets a leading single quote, in both formats; in XLSX every text is
also written as a string cell, never as a formula.
"""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import batched
from typing import IO, Any

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from applications.models import Application, ApplicationQuerySet
from postings.models import Posting, PostingOrganisation

# Rows fetched (and related rows prefetched) per query.
CHUNK_SIZE = 2000
# CSV lines joined into one piece of a streamed response.
CSV_LINES_PER_CHUNK = 500
CSV_BOM = "\ufeff"
# Semicolon: Excel in French (and Belgian) locales uses `,` as the decimal separator and `;` as the list
# separator, so a `;` file opens straight into columns on a double click; LibreOffice asks and detects it.
CSV_DELIMITER = ";"
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DANGEROUS_FIRST = frozenset(DANGEROUS_PREFIXES)
XLSX_SHEET_TITLE = "Candidatures"


def neutralise(text: str) -> str:
    """Make a text inert in a spreadsheet: one that would start a formula gets a leading single quote."""
    if text.startswith(DANGEROUS_PREFIXES):
        return "'" + text
    return text


@dataclass(frozen=True, slots=True)
class _Labels:
    """Translated labels resolved once, before rows are generated.

    A streamed response is iterated after the view has returned; resolving labels up front keeps the
    request's language for the whole file.
    """

    statuses: dict[str, str]
    countries: dict[str, str]
    yes: str
    no: str

    @classmethod
    def current(cls) -> "_Labels":
        return cls(
            statuses={value: str(label) for value, label in Application.Status.choices},
            countries={code: str(name) for code, name in countries},
            yes=str(_("oui")),
            no=str(_("non")),
        )


@dataclass(frozen=True, slots=True)
class _PostingColumns:
    """The posting's part of a row, computed once per posting rather than once per application."""

    title: str
    session: str
    sending: str
    host: str
    employer: str


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
    "languages",
    "eligibility_confirmed",
    "heard_from",
    "status",
    "submitted_at",
    "status_changed_at",
    "answered",
)


def headers() -> list[str]:
    return [str(header) for header in HEADERS]


def _posting_columns(posting_ids) -> dict[int, _PostingColumns]:
    """Title, session and organisations by role for every posting of the export: two queries in all."""
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

    # Only what a row shows: full postings (long texts) made the peak memory grow with the number of postings.
    postings = (
        Posting.objects.filter(pk__in=posting_ids)
        .select_related("session__programme")
        .only("pk", "title", "session__name", "session__programme__name", "session__programme__short_name")
    )
    return {
        posting.pk: _PostingColumns(
            title=posting.title,
            session=str(posting.session) if posting.session_id else "",
            sending=joined(posting.pk, roles.SENDING),
            host=joined(posting.pk, roles.HOST),
            employer=joined(posting.pk, roles.EMPLOYER),
        )
        for posting in postings
    }


def export_queryset(user, within=None) -> ApplicationQuerySet:
    """The applications `user` may export, optionally narrowed to those in `within` (a selection, filters).

    Whatever `within` holds (ids picked in the admin, a filtered changelist), the result never leaves the
    user's reach: the access rule is applied here again.
    """
    queryset = Application.objects.visible_to(user)
    if within is not None:
        queryset = queryset.filter(pk__in=within.values("pk"))
    return queryset.order_by("-submitted_at", "-pk")


def iter_applications(queryset: ApplicationQuerySet) -> Iterator[tuple]:
    """The applications as plain tuples (APPLICATION_FIELDS), read chunk by chunk.

    Model instances cost more than the rest of the export together: at 200k rows, tuples are what keeps
    the export fast and its memory flat.
    """
    # "answered" is a boolean computed by the database: parsing 200k datetimes only to print yes/no cost more.
    answered = ExpressionWrapper(Q(answered_at__isnull=False), output_field=BooleanField())
    return (
        queryset.annotate(answered=answered).values_list(*APPLICATION_FIELDS).iterator(chunk_size=CHUNK_SIZE)
    )


def iter_rows(applications: Iterable[tuple], posting_ids=None) -> Iterator[list[Any]]:
    """One list of raw values per application (text, aware datetimes), in HEADERS order.

    `posting_ids` (a queryset or list) names the postings the applications belong to, so that their columns
    are read once up front (two queries in all); without it they are read for each chunk of rows that brings
    new postings (two queries per chunk at most, never per row).

    Labels and the up-front posting columns are read here, when called: a streamed response iterates the
    rows after the view has returned.
    """
    labels = _Labels.current()
    postings: dict[int, _PostingColumns] = _posting_columns(posting_ids) if posting_ids is not None else {}
    return _generate_rows(applications, postings, labels)


def _generate_rows(
    applications, postings: dict[int, "_PostingColumns"], labels: _Labels
) -> Iterator[list[Any]]:
    for chunk in batched(applications, CHUNK_SIZE):
        if missing := {row[0] for row in chunk} - postings.keys():
            postings.update(_posting_columns(missing))
        yield from _rows(chunk, postings, labels)


def _rows(applications, postings: dict[int, "_PostingColumns"], labels: _Labels) -> Iterator[list[Any]]:
    statuses, country_names, yes, no = labels.statuses, labels.countries, labels.yes, labels.no
    for (
        posting_id,
        reference,
        first_name,
        last_name,
        email,
        phone,
        city,
        country,
        languages,
        eligibility_confirmed,
        heard_from,
        status,
        submitted_at,
        status_changed_at,
        answered,
    ) in applications:
        posting = postings[posting_id]
        declared = languages if isinstance(languages, dict) else {}
        yield [
            reference,
            posting.title,
            posting.session,
            posting.sending,
            posting.host,
            posting.employer,
            first_name,
            last_name,
            email,
            phone,
            city,
            country_names.get(country.upper(), country),
            # Sorted by code: PostgreSQL's jsonb does not keep the keys' order; a column should not depend on it.
            "; ".join(f"{code}: {level}" for code, level in sorted(declared.items())),
            yes if eligibility_confirmed else no,
            heard_from,
            statuses.get(status, status),
            submitted_at,
            status_changed_at,
            yes if answered else no,
        ]


def rows_for(queryset: ApplicationQuerySet) -> Iterator[list[Any]]:
    """The export's rows for a queryset, its postings' columns read once (a constant number of queries)."""
    return iter_rows(iter_applications(queryset), posting_ids=queryset.values("posting_id"))


# CSV ------------------------------------------------------------------------------------------------


class _Echo:
    """A file-like object that hands back what is written: lets csv.writer format one line at a time."""

    def write(self, value: str) -> str:
        return value


def _csv_cell(value: Any, zone=None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, datetime):
        # "2026-11-25 14:30": isoformat is several times faster than strftime.
        return value.astimezone(zone or timezone.get_current_timezone()).isoformat(" ", "minutes")[:16]
    return neutralise(str(value))


def csv_lines(rows: Iterable[list[Any]]) -> Iterator[str]:
    """The CSV file as text chunks: the BOM, the header line, then one line per row."""
    header = headers()
    writer = csv.writer(_Echo(), delimiter=CSV_DELIMITER)

    zone = timezone.get_current_timezone()

    def generate() -> Iterator[str]:
        yield CSV_BOM + writer.writerow([neutralise(h) for h in header])
        # Lines are sent in batches: one yield per line would cost more than formatting it.
        for batch in batched(rows, CSV_LINES_PER_CHUNK):
            yield "".join(
                writer.writerow(
                    [
                        # Most cells are plain safe text: check that inline, call the helper for the rest.
                        value
                        if type(value) is str and value[:1] not in DANGEROUS_FIRST
                        else _csv_cell(value, zone)
                        for value in row
                    ]
                )
                for row in batch
            )

    return generate()


def write_csv(rows: Iterable[list[Any]], stream: IO[str]) -> None:
    """Write the CSV to a text stream opened with newline="" (the csv module writes its own line ends)."""
    for chunk in csv_lines(rows):
        stream.write(chunk)


# XLSX -----------------------------------------------------------------------------------------------


def _xlsx_cell(sheet, value: Any):
    if value is None:
        return None
    if isinstance(value, datetime):
        # Excel has no time zones: local (Europe/Paris) wall-clock time, as people read it.
        return timezone.localtime(value).replace(tzinfo=None)
    text = neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    cell = WriteOnlyCell(sheet, value=text)
    # A string cell: never evaluated as a formula nor read as an error code, whatever it holds.
    cell.data_type = "s"
    return cell


def write_xlsx(rows: Iterable[list[Any]], stream: IO[bytes]) -> None:
    """Write the XLSX with openpyxl's write-only mode: rows go to a temporary file, not to memory."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=XLSX_SHEET_TITLE)
    sheet.append([_xlsx_cell(sheet, h) for h in headers()])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    workbook.save(stream)


def write_export(fmt: str, rows: Iterable[list[Any]], stream) -> int:
    """Write `rows` (from `rows_for`) to `stream` (text for csv, binary for xlsx); return the number of rows."""
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
    """Headers for a file of personal data: downloaded, never sniffed, never kept by a shared cache."""
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response


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
