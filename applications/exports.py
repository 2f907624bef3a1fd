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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from django.db.models import Prefetch, Q
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
CHUNK_SIZE = 1000
CSV_BOM = "\ufeff"
# Semicolon: Excel in French (and Belgian) locales uses `,` as the decimal separator and `;` as the list
# separator, so a `;` file opens straight into columns on a double click; LibreOffice asks and detects it.
CSV_DELIMITER = ";"
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
XLSX_SHEET_TITLE = "Candidatures"


def neutralise(text: str) -> str:
    """Make a text inert in a spreadsheet: one that would start a formula gets a leading single quote."""
    if text.startswith(DANGEROUS_PREFIXES):
        return "'" + text
    return text


@dataclass(frozen=True, slots=True)
class Column:
    header: Any  # a lazy translation, evaluated once per export
    value: Callable[[Application, "_Labels"], Any]


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

    def boolean(self, value: bool) -> str:
        return self.yes if value else self.no


def _organisations(role: str) -> Callable[[Application, _Labels], str]:
    def value(application: Application, labels: _Labels) -> str:
        links = application.posting.organisations_in_role(role)
        return ", ".join(link.organisation.name for link in links)

    return value


def _session(application: Application, labels: _Labels) -> str:
    session = application.posting.session
    return str(session) if session is not None else ""


def _languages(application: Application, labels: _Labels) -> str:
    declared = application.languages if isinstance(application.languages, dict) else {}
    # Sorted by code: PostgreSQL's jsonb does not keep the keys' order, and a column should not depend on it.
    return "; ".join(f"{code}: {level}" for code, level in sorted(declared.items()))


# The one definition of the export's columns and their order.
COLUMNS: tuple[Column, ...] = (
    Column(_("Référence"), lambda a, labels: a.reference),
    Column(_("Offre"), lambda a, labels: a.posting.title),
    Column(_("Session"), _session),
    Column(_("Organisation(s) d'envoi"), _organisations(PostingOrganisation.Role.SENDING)),
    Column(_("Organisation(s) d'accueil"), _organisations(PostingOrganisation.Role.HOST)),
    Column(_("Employeur"), _organisations(PostingOrganisation.Role.EMPLOYER)),
    Column(_("Prénom"), lambda a, labels: a.first_name),
    Column(_("Nom"), lambda a, labels: a.last_name),
    Column(_("E-mail"), lambda a, labels: a.email),
    Column(_("Téléphone"), lambda a, labels: a.phone),
    Column(_("Ville"), lambda a, labels: a.city),
    Column(_("Pays"), lambda a, labels: labels.countries.get(a.country.upper(), a.country)),
    Column(_("Langues"), _languages),
    Column(_("Éligibilité confirmée"), lambda a, labels: labels.boolean(a.eligibility_confirmed)),
    Column(_("Connu par"), lambda a, labels: a.heard_from),
    Column(_("Statut"), lambda a, labels: labels.statuses.get(a.status, a.status)),
    Column(_("Envoyée le"), lambda a, labels: a.submitted_at),
    Column(_("Statut modifié le"), lambda a, labels: a.status_changed_at),
    Column(_("Réponse envoyée"), lambda a, labels: labels.boolean(a.answered_at is not None)),
)


def headers() -> list[str]:
    return [str(column.header) for column in COLUMNS]


def with_related(queryset: ApplicationQuerySet) -> ApplicationQuerySet:
    """What one row needs, in a constant number of queries per chunk."""
    return queryset.select_related("posting__session__programme").prefetch_related(
        Prefetch(
            "posting__organisation_roles",
            queryset=PostingOrganisation.objects.select_related("organisation"),
        )
    )


def export_queryset(user, within=None) -> ApplicationQuerySet:
    """The applications `user` may export, optionally narrowed to those in `within` (a selection, filters).

    Whatever `within` holds (ids picked in the admin, a filtered changelist), the result never leaves the
    user's reach: the access rule is applied here again.
    """
    queryset = Application.objects.visible_to(user)
    if within is not None:
        queryset = queryset.filter(pk__in=within.values("pk"))
    return queryset.order_by("-submitted_at", "-pk")


def iter_applications(queryset: ApplicationQuerySet) -> Iterator[Application]:
    return with_related(queryset).iterator(chunk_size=CHUNK_SIZE)


def iter_rows(applications: Iterable[Application]) -> Iterator[list[Any]]:
    """One list of raw values per application (text, aware datetimes), in COLUMNS order."""
    labels = _Labels.current()
    return ([column.value(application, labels) for column in COLUMNS] for application in applications)


# CSV ------------------------------------------------------------------------------------------------


class _Echo:
    """A file-like object that hands back what is written: lets csv.writer format one line at a time."""

    def write(self, value: str) -> str:
        return value


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime(DATETIME_FORMAT)
    return neutralise(str(value))


def csv_lines(rows: Iterable[list[Any]]) -> Iterator[str]:
    """The CSV file as text chunks: the BOM, the header line, then one line per row."""
    header = headers()
    writer = csv.writer(_Echo(), delimiter=CSV_DELIMITER)

    def generate() -> Iterator[str]:
        yield CSV_BOM
        yield writer.writerow([neutralise(h) for h in header])
        for row in rows:
            yield writer.writerow([_csv_cell(value) for value in row])

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


def write_export(fmt: str, applications: Iterable[Application], stream) -> int:
    """Write `applications` to `stream` (text for csv, binary for xlsx); return the number of rows."""
    count = 0

    def counted() -> Iterator[Application]:
        nonlocal count
        for application in applications:
            count += 1
            yield application

    rows = iter_rows(counted())
    if fmt == "csv":
        write_csv(rows, stream)
    elif fmt == "xlsx":
        write_xlsx(rows, stream)
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
