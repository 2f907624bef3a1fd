"""An applicant export's rows: which applications, which columns, each cell ready for its format.

Every export starts from `Application.objects.visible_to(user)` (see `export_queryset`); the management
command, which has no user, is the only caller that starts from all applications. Rows are produced by a
generator over `QuerySet.iterator(chunk_size=...)` with the postings' columns read per chunk, so the number
of queries does not depend on the number of rows and no list of all rows is ever built.

Rows are built for one format (`rows_for(queryset, fmt)`): a CSV row holds finished CSV cells of its
dialect, so a line is the cells joined; an XLSX row holds plain text, links and datetimes that
`export_writers.write_xlsx` turns into cells. Labels and a posting's columns are formatted once per distinct
value, never per row. Writing the rows to a file is `export_writers`; sending it, `export_http`.

A little under 500 lines: the columns, the query that feeds them and the per-chunk caches change together (a
column added touches all three), so they stay in one module.
"""

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import batched, chain
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import connections
from django.db.models import (
    BooleanField,
    CharField,
    DateTimeField,
    ExpressionWrapper,
    Func,
    Q,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Concat, Substr, TruncMinute
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from applications.export_writers import EXCEL_FR, CsvDialect, Link
from applications.models import Application, ApplicationQuerySet, describe_languages
from applications.read_ahead import read_ahead
from postings.models import Posting, PostingOrganisation, Programme, Session

# Rows fetched (and related rows prefetched) per query.
CHUNK_SIZE = 2000
# Postings whose columns are kept from one chunk of rows to the next (memory stays flat with 100k postings).
MAX_CACHED_POSTINGS = 20_000
# A cache of cells per distinct stored value stops growing past this many values (memory stays flat).
MAX_CACHED_VALUES = 10_000

Role = PostingOrganisation.Role
# Every role an organisation can hold on a posting, one column each, in this order.
ROLES = (Role.SENDING, Role.HOST, Role.EMPLOYER, Role.CO_ORGANISER, Role.LOCAL_PARTNER, Role.COORDINATOR)


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


class UuidText(Func):
    """A UUID as its usual text ("8-4-4-4-12" lower-case hex), formatted by the database.

    psycopg2 builds a `uuid.UUID` for every value read, which the export then turned back into text: about a
    tenth of a large CSV export. PostgreSQL casts its native uuid to that text; other databases store the
    32 hex digits (Django's `UUIDField`), which get their dashes back here.
    """

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        (uuid_field,) = self.get_source_expressions()
        groups = [
            Substr(uuid_field, start, length, output_field=CharField())
            for start, length in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
        ]
        pieces = [groups[0]]
        for group in groups[1:]:
            pieces += [Value("-"), group]
        dashed = Concat(*pieces, output_field=CharField())
        return compiler.compile(dashed.resolve_expression(compiler.query))

    def as_postgresql(self, compiler, connection, **extra_context):
        (uuid_field,) = self.get_source_expressions()
        sql, params = compiler.compile(uuid_field)
        return f"({sql})::text", params


def _unchanged_texts(*texts: str) -> tuple[str, ...]:
    return texts


def _local_minute(value) -> str:
    return "" if value is None else f"{timezone.localtime(value):%Y-%m-%d %H:%M}"


@dataclass(frozen=True, slots=True)
class _CellFormat:
    """How a format writes the texts that vary from row to row.

    `text` makes one cell (labels and posting columns, once per distinct value); `texts` a row's candidate
    texts at once; `link` an absolute URL; `date` a posting's datetime. The applications' own dates come from
    the query already as the format wants them (see iter_applications).
    """

    text: Callable[[str], Any]
    texts: Callable[..., tuple[Any, ...]]
    link: Callable[[str], Any]
    date: Callable[[Any], Any]

    @classmethod
    def of(cls, fmt: str, dialect: CsvDialect = EXCEL_FR) -> "_CellFormat":
        if fmt == "csv":
            return cls(
                text=dialect.text,
                texts=dialect.texts,
                link=dialect.text,
                date=lambda value: dialect.text(_local_minute(value)),
            )
        if fmt == "xlsx":
            # write_xlsx makes the cells: texts as string cells, dates localised, links clickable.
            return cls(text=str, texts=_unchanged_texts, link=Link, date=lambda value: value)
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


@dataclass(frozen=True, slots=True)
class _Labels:
    """Translated labels resolved once, before rows are generated, as cells of the export's format.

    A streamed response is iterated after the view has returned: the request's language is read here, up
    front, and kept for the whole file.
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
        levels = {value: str(label) for value, label in Application.LanguageLevel.choices}
        locale = get_language() or settings.LANGUAGE_CODE

        def languages(stored: str | None):
            declared = json.loads(stored) if stored else None
            return text(describe_languages(declared, locale=locale, levels=levels))

        return cls(
            statuses=_PerValue(lambda status: text(statuses.get(status, status))),
            countries=_PerValue(lambda country: text(names.get(country.upper(), country))),
            languages=_PerValue(languages),
            yes=text(str(_("oui"))),
            no=text(str(_("non"))),
        )


# The posting's part of a row (title, deadline, session, one cell per role in ROLES) as cells of the export's
# format: computed once per posting rather than once per application.
_PostingColumns = tuple[Any, ...]


# The one definition of the export's columns and their order; `_rows` fills them in this order.
HEADERS = (
    _("Référence"),
    _("Offre"),
    _("Date limite de l'offre"),
    _("Session"),
    _("Organisation(s) d'envoi"),
    _("Organisation(s) d'accueil"),
    _("Employeur"),
    _("Co-organisateur(s)"),
    _("Partenaire(s) local(aux)"),
    _("Coordination du programme"),
    _("Prénom"),
    _("Nom"),
    _("E-mail"),
    _("Téléphone"),
    _("Ville"),
    _("Pays"),
    _("Langues"),
    _("Éligibilité confirmée"),
    _("Connu par"),
    _("Conserver pour de futures offres"),
    _("Statut"),
    _("Envoyée le"),
    _("Statut modifié le"),
    _("Réponse envoyée"),
    _("Lettre de motivation (texte saisi)"),
    _("CV (lien)"),
    _("Lettre de motivation (lien)"),
)

# What a row reads from the application itself: plain values, no model instances (see iter_applications).
APPLICATION_FIELDS = (
    "posting_id",
    "uuid",
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
    "keep_for_future",
    "status",
    "submitted_at",
    "status_changed_at",
    "answered",
    "letter_text",
    "cv",
    "letter_file",
)


def headers() -> list[str]:
    return [str(header) for header in HEADERS]


def _posting_columns(
    posting_ids, cells: _CellFormat, *, at_most: int | None = None
) -> dict[int, _PostingColumns] | None:
    """Title, deadline, session and organisations by role for the given postings: two queries. None (after
    one query) when there are more than `at_most` postings."""
    # Only what a row shows, as plain values: full postings (long texts) made the peak memory grow with the
    # number of postings. Sessions are few: each label is still the model's own (`str`), built once per
    # session from the values read.
    text = cells.text
    postings = Posting.objects.filter(pk__in=posting_ids).values_list(
        "pk",
        "title",
        "deadline",
        "session_id",
        "session__name",
        "session__programme__name",
        "session__programme__short_name",
    )
    postings = list(postings[: at_most + 1] if at_most is not None else postings)
    if at_most is not None and len(postings) > at_most:
        return None
    names: dict[tuple[int, str], list[str]] = {}
    links = (
        PostingOrganisation.objects.filter(posting_id__in=posting_ids, role__in=ROLES)
        .order_by("order", "pk")
        .values_list("posting_id", "role", "organisation__name")
    )
    for posting_id, role, name in links:
        names.setdefault((posting_id, role), []).append(name)

    session_labels: dict[int, str] = {}
    columns = {}
    for posting_id, title, deadline, session_id, session_name, programme_name, programme_short in postings:
        if session_id is None:
            session = ""
        elif (session := session_labels.get(session_id)) is None:
            programme = Programme(name=programme_name, short_name=programme_short)
            session = session_labels[session_id] = str(Session(name=session_name, programme=programme))
        columns[posting_id] = (
            text(title),
            cells.date(deadline),
            text(session),
            *(text(", ".join(names.get((posting_id, role), ()))) for role in ROLES),
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
    the export fast and its memory flat. The uuid comes as text; for "csv" the dates come as local
    wall-clock text (the current time zone, read now), for "xlsx" as aware datetimes.
    """
    # "answered" is a boolean computed by the database: parsing 200k datetimes only to print yes/no cost more.
    answered = ExpressionWrapper(Q(answered_at__isnull=False), output_field=BooleanField())
    # The languages as their stored JSON text, decoded once per distinct value (see _Labels): with no JSON
    # field in the query, Django has no converter to run on each row.
    languages_json = Cast("languages", TextField())
    queryset = queryset.annotate(answered=answered, languages_json=languages_json, uuid_text=UuidText("uuid"))
    read_as = {"uuid": "uuid_text"}
    if fmt == "csv":
        zone = timezone.get_current_timezone()
        queryset = queryset.annotate(
            submitted_text=LocalMinuteText("submitted_at", zone),
            status_changed_text=LocalMinuteText("status_changed_at", zone),
        )
        read_as |= {"submitted_at": "submitted_text", "status_changed_at": "status_changed_text"}
    fields = tuple(read_as.get(field, field) for field in APPLICATION_FIELDS)
    rows = queryset.values_list(*fields).iterator(chunk_size=CHUNK_SIZE)
    if connections[queryset.db].vendor != "postgresql":
        return rows
    # The next chunk is fetched while the rows of this one are formatted (see read_ahead): PostgreSQL works
    # in its own process, so the two overlap. Other databases are read in the calling thread.
    return chain.from_iterable(read_ahead(batched(rows, CHUNK_SIZE)))


def iter_rows(
    applications: Iterable[tuple], fmt: str, posting_ids=None, *, dialect: CsvDialect = EXCEL_FR
) -> Iterator[list[Any]]:
    """One list of cells per application (tuples from `iter_applications(..., fmt)`), in HEADERS order.

    For "csv", every cell is finished CSV text of `dialect` (neutralised, quoted where needed, dates in local
    time); for "xlsx", cells are plain text, `Link`s and aware datetimes (or None).

    The postings' columns are read once up front for `posting_ids` (a queryset or list; two queries in all)
    when given and they are at most MAX_CACHED_POSTINGS, otherwise for each chunk of rows that brings
    postings not met yet (two queries per chunk at most, never per row). Past MAX_CACHED_POSTINGS, the
    columns kept are dropped before more are read, so memory stays flat with the number of postings.

    Labels, the time zone, the site's address and the up-front posting columns are read here, when called: a
    streamed response iterates the rows after the view has returned.
    """
    cells = _CellFormat.of(fmt, dialect)
    labels = _Labels.current(cells.text)
    postings = None
    if posting_ids is not None:
        postings = _posting_columns(posting_ids, cells, at_most=MAX_CACHED_POSTINGS)
    return _generate_rows(applications, postings or {}, labels, cells, _document_links())


def _document_links() -> dict[str, tuple[str, str]]:
    """For each document, its absolute download address split around the application's uuid.

    The download view checks who asks (staff, within reach) and logs it: the link is safe to hand round, it
    opens only for someone allowed to see the application. Reversing once and splitting is what keeps a link
    per row cheap.
    """
    marker = UUID(int=0)
    links = {}
    for document in ("cv", "letter"):
        url = settings.SITE_URL + reverse(
            "applications:download", kwargs={"uuid": marker, "document": document}
        )
        before, after = url.split(str(marker))
        links[document] = (before, after)
    return links


def _generate_rows(
    applications, postings: dict[int, _PostingColumns], labels: _Labels, cells: _CellFormat, links
) -> Iterator[list[Any]]:
    for chunk in batched(applications, CHUNK_SIZE):
        needed = {row[0] for row in chunk}
        if missing := needed - postings.keys():
            if len(postings) + len(missing) > MAX_CACHED_POSTINGS:
                postings.clear()
                missing = needed  # the chunk's other postings were among those dropped
            postings.update(_posting_columns(missing, cells))
        yield from _rows(chunk, postings, labels, cells, links)


def _rows(
    applications, postings: dict[int, _PostingColumns], labels: _Labels, cells: _CellFormat, links
) -> Iterator[list[Any]]:
    statuses, country_names, languages = labels.statuses, labels.countries, labels.languages
    yes, no, text, texts, link = labels.yes, labels.no, cells.text, cells.texts, cells.link
    (cv_before, cv_after), (letter_before, letter_after) = links["cv"], links["letter"]
    empty = text("")
    for (
        posting_id,
        uuid,
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
        keep_for_future,
        status,
        submitted_at,
        status_changed_at,
        answered,
        letter_text,
        cv,
        letter_file,
    ) in applications:
        # The phone alone: it often starts with "+", which a spreadsheet would read as a formula.
        reference, first_name, last_name, email, city, heard_from, letter_text = texts(
            reference, first_name, last_name, email, city, heard_from, letter_text
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
            yes if keep_for_future else no,
            statuses[status],
            submitted_at,
            status_changed_at,
            yes if answered else no,
            letter_text,
            link(f"{cv_before}{uuid}{cv_after}") if cv else empty,
            link(f"{letter_before}{uuid}{letter_after}") if letter_file else empty,
        ]


def rows_for(
    queryset: ApplicationQuerySet, fmt: str, *, dialect: CsvDialect = EXCEL_FR
) -> Iterator[list[Any]]:
    """The export's rows for a queryset: a constant number of queries up to MAX_CACHED_POSTINGS postings."""
    return iter_rows(
        iter_applications(queryset, fmt), fmt, posting_ids=queryset.values("posting_id"), dialect=dialect
    )
