"""Export content, format and scope, through the admin's export of the changelist's current filters."""

import csv
import io
from datetime import UTC, datetime
from uuid import UUID

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications import export_rows
from applications.export_rows import export_queryset
from applications.export_writers import EXCEL_FR, RFC4180, neutralise
from applications.models import Application
from postings.models import Posting
from tests import factories as f
from tests.applications.export_helpers import (
    content_of,
    csv_rows,
    fast_password_hashing,  # noqa: F401
    grant_view_applications,
    xlsx_has_formula,
    xlsx_rows,
    xlsx_sheet,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

csv_text, csv_texts = EXCEL_FR.text, EXCEL_FR.texts

EXPECTED_HEADERS = [
    "Référence",
    "Offre",
    "Date limite de l'offre",
    "Session",
    "Organisation(s) d'envoi",
    "Organisation(s) d'accueil",
    "Employeur",
    "Co-organisateur(s)",
    "Partenaire(s) local(aux)",
    "Coordination du programme",
    "Prénom",
    "Nom",
    "E-mail",
    "Téléphone",
    "Ville",
    "Pays",
    "Langues",
    "Éligibilité confirmée",
    "Connu par",
    "Conserver pour de futures offres",
    "Statut",
    "Envoyée le",
    "Statut modifié le",
    "Réponse envoyée",
    "Lettre de motivation (texte saisi)",
    "CV (lien)",
    "Lettre de motivation (lien)",
]
COLUMN = {header: index for index, header in enumerate(EXPECTED_HEADERS)}
DATE_COLUMNS = [COLUMN["Date limite de l'offre"], COLUMN["Envoyée le"], COLUMN["Statut modifié le"]]

FORMULA_PAYLOADS = ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://testserver.example"


def export_url(fmt: str, query: str = "") -> str:
    url = reverse("admin:applications_application_export") + f"?format={fmt}"
    return f"{url}&{query}" if query else url


@pytest.fixture
def rich_application(cast):
    """One application whose posting has sending, host and employer organisations, with accents everywhere."""
    sending = f.make_organisation(name="Échanges et Solidarité")
    employer = f.make_organisation(name="Coopérative Zoé")
    partner = f.make_organisation(name="Maison des Droits")
    posting = f.published_posting(
        session=cast.session,
        title="Volontariat à Liège : accueil des exilé·es",
        deadline=datetime(2025, 4, 1, 21, 59, tzinfo=UTC),
        organisations={
            "sending": sending,
            "host": cast.org_a,
            "employer": employer,
            "local_partner": partner,
        },
    )
    return f.make_application(
        posting=posting,
        reference="C-2025-0042",
        first_name="Hélène",
        last_name="Lefèvre-Ngô",
        email="Helene@Example.org",
        phone="06 12 34 56 78",
        city="Besançon",
        country="BE",
        languages={"fr": "C1", "en": "B2"},
        eligibility_confirmed=True,
        heard_from="Réseau des anciens volontaires",
        status=Application.Status.SHORTLISTED,
        submitted_at=datetime(2025, 3, 14, 9, 30, tzinfo=UTC),
        status_changed_at=datetime(2025, 3, 20, 16, 5, tzinfo=UTC),
        answered_at=datetime(2025, 3, 20, 16, 5, tzinfo=UTC),
        keep_for_future=True,
        letter_text="Madame, Monsieur,\n=je souhaite m'engager.",
    )


def cv_link(application) -> str:
    return f"http://testserver.example/candidature/{application.uuid}/fichier/cv/"


def expected_row(application) -> list:
    """EXPECTED_ROW with this application's absolute, access-checked CV link."""
    row = list(EXPECTED_ROW)
    row[COLUMN["CV (lien)"]] = cv_link(application)
    return row


EXPECTED_ROW = [
    "C-2025-0042",
    "Volontariat à Liège : accueil des exilé·es",
    "2025-04-01 23:59",  # Europe/Paris
    "Programme d'échanges – Session 30",
    "Échanges et Solidarité",
    "Organisation A",
    "Coopérative Zoé",
    "",
    "Maison des Droits",
    "",
    "Hélène",
    "Lefèvre-Ngô",
    "Helene@Example.org",
    "06 12 34 56 78",
    "Besançon",
    "Belgique",
    "Anglais : Bon niveau (B2) ; Français : Très bon niveau (C1)",
    "oui",
    "Réseau des anciens volontaires",
    "oui",
    "Présélectionnée",
    "2025-03-14 10:30",  # Europe/Paris
    "2025-03-20 17:05",
    "oui",
    "Madame, Monsieur,\n=je souhaite m'engager.",
    "(the application's CV link)",
    "",
]


def test_the_csv_has_a_bom_french_headers_in_order_and_one_row_per_application(
    client, cast, rich_application
):
    client.force_login(cast.superuser)
    response = client.get(export_url("csv"))

    assert response.status_code == 200
    rows = csv_rows(content_of(response))
    assert rows[0] == EXPECTED_HEADERS
    assert rows[1:] == [expected_row(rich_application)]


def test_the_csv_separator_is_a_semicolon_and_text_is_utf8(client, cast, rich_application):
    client.force_login(cast.superuser)
    data = content_of(client.get(export_url("csv")))

    first_line = data.split(b"\r\n")[0]
    assert first_line.startswith("\ufeffRéférence;Offre;Date limite de l'offre;Session;".encode())
    assert "Hélène".encode() in data


def test_an_application_without_answer_or_session_gets_empty_cells_and_non(client, cast):
    posting = f.published_posting(organisations={"host": cast.org_a})
    f.make_application(posting=posting, reference="C-1", languages={}, eligibility_confirmed=False)
    client.force_login(cast.superuser)

    row = csv_rows(content_of(client.get(export_url("csv"))))[1]
    values = dict(zip(EXPECTED_HEADERS, row, strict=True))
    assert values["Session"] == ""
    assert values["Organisation(s) d'envoi"] == ""
    assert values["Langues"] == ""
    assert values["Éligibilité confirmée"] == "non"
    assert values["Réponse envoyée"] == "non"
    assert values["Statut"] == "Reçue"


def test_the_xlsx_has_the_same_columns_and_values(client, cast, rich_application):
    client.force_login(cast.superuser)
    response = client.get(export_url("xlsx"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = xlsx_rows(content_of(response))
    assert rows[0] == EXPECTED_HEADERS
    row = rows[1]
    # Dates are real date cells in Paris wall-clock time; the text cells are as in the CSV, empty ones empty.
    assert [row[i] for i in DATE_COLUMNS] == [
        datetime(2025, 4, 1, 23, 59),
        datetime(2025, 3, 14, 10, 30),
        datetime(2025, 3, 20, 17, 5),
    ]
    expected = [None if value == "" else value for value in expected_row(rich_application)]
    assert [v for i, v in enumerate(row) if i not in DATE_COLUMNS] == [
        v for i, v in enumerate(expected) if i not in DATE_COLUMNS
    ]


@pytest.mark.parametrize("payload", FORMULA_PAYLOADS)
def test_a_formula_in_candidate_text_is_neutralised_in_csv(client, cast, payload):
    f.make_application(posting=cast.posting_a, reference="C-1", heard_from=payload, last_name=payload)
    client.force_login(cast.superuser)

    values = dict(zip(EXPECTED_HEADERS, csv_rows(content_of(client.get(export_url("csv"))))[1], strict=True))
    assert values["Connu par"] == "'" + payload
    assert values["Nom"] == "'" + payload


@pytest.mark.parametrize("payload", FORMULA_PAYLOADS)
def test_a_formula_in_candidate_text_stays_inert_text_without_an_apostrophe_in_xlsx(client, cast, payload):
    # The formula guard belongs to CSV: an XLSX string cell is never evaluated, so the text stays as typed.
    f.make_application(posting=cast.posting_a, reference="C-1", heard_from=payload)
    client.force_login(cast.superuser)
    data = content_of(client.get(export_url("xlsx")))

    assert not xlsx_has_formula(data)
    cell = xlsx_sheet(data).cell(row=2, column=EXPECTED_HEADERS.index("Connu par") + 1)
    assert cell.data_type == "s"
    # XML turns a lone carriage return into a line feed on reading.
    assert cell.value.replace("\n", "\r") == payload


def test_text_that_looks_like_an_excel_error_code_stays_text_in_xlsx(client, cast):
    f.make_application(posting=cast.posting_a, reference="C-1", heard_from="#N/A")
    client.force_login(cast.superuser)

    cell = xlsx_sheet(content_of(client.get(export_url("xlsx")))).cell(row=2, column=COLUMN["Connu par"] + 1)
    assert (cell.value, cell.data_type) == ("#N/A", "s")


def test_control_characters_that_xlsx_cannot_hold_are_dropped_instead_of_failing(client, cast):
    f.make_application(posting=cast.posting_a, reference="C-1", city="Lil\x07le\x1b")
    client.force_login(cast.superuser)
    response = client.get(export_url("xlsx"))

    assert response.status_code == 200
    assert xlsx_rows(content_of(response))[1][EXPECTED_HEADERS.index("Ville")] == "Lille"


def test_a_phone_number_starting_with_plus_is_kept_as_text(client, cast):
    f.make_application(posting=cast.posting_a, reference="C-1", phone="+33 6 12 34 56 78")
    client.force_login(cast.superuser)

    row = csv_rows(content_of(client.get(export_url("csv"))))[1]
    assert row[EXPECTED_HEADERS.index("Téléphone")] == "'+33 6 12 34 56 78"


# CSV cells ---------------------------------------------------------------------------------------------

# Formula starts, separators, quotes, line breaks, accents: what a candidate or an organisation may type.
HOSTILE_TEXTS = [
    "=cmd|' /C calc'!A0",
    "+1",
    "-2",
    "@x",
    "\t=1",
    "\r=1",
    "Zoé Lefèvre-Ngô",
    "Liège; Namur",
    'dit "bonjour"',
    "ligne\nsuivante",
    "retour\rchariot",
    "fin\r\n",
    "",
    " ",
    "'=déjà neutralisé",
    ";",
    '"',
    '=a;b\n"c"',
    # The other dialect's separator, and formula characters anywhere but at the start.
    "Liège, Namur",
    ",",
    "a=b+c-d@e",
    "x\t=1",
    " =1",
    "\n",
    "\r",
    "-",
    "\x1f=b",
    "+",
    'a"b',
    "x;y,\r\nz",
]


def csv_writer_line(cells: list[str], delimiter: str = ";") -> str:
    """What the csv module writes for these cells, with the export's dialect (or another delimiter)."""
    line = io.StringIO()
    csv.writer(line, delimiter=delimiter).writerow(cells)
    return line.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_session_column_names_the_programme_by_its_short_name_when_it_has_one(client, cast, fmt):
    short = f.make_programme(name="Programme européen de volontariat", short_name="PEV")
    long = f.make_programme(name="Programme sans sigle")
    for reference, programme in [("C-1", short), ("C-2", long)]:
        session = f.make_session(programme=programme, name="Session 7")
        posting = f.published_posting(session=session, organisations={"host": cast.org_a})
        f.make_application(posting=posting, reference=reference)
    client.force_login(cast.superuser)

    data = content_of(client.get(export_url(fmt)))
    rows = csv_rows(data) if fmt == "csv" else xlsx_rows(data)
    sessions = {row[0]: row[EXPECTED_HEADERS.index("Session")] for row in rows[1:]}
    assert sessions == {"C-1": "PEV – Session 7", "C-2": "Programme sans sigle – Session 7"}


@pytest.mark.parametrize("dialect", [EXCEL_FR, RFC4180], ids=lambda dialect: dialect.name)
@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_a_csv_cell_is_what_csv_writer_writes_for_the_neutralised_text(text, dialect):
    assert dialect.text(text) + dialect.delimiter + "fin\r\n" == csv_writer_line(
        [neutralise(text), "fin"], delimiter=dialect.delimiter
    )


@pytest.mark.parametrize("dialect", [EXCEL_FR, RFC4180], ids=lambda dialect: dialect.name)
@pytest.mark.parametrize("text", HOSTILE_TEXTS)
@pytest.mark.parametrize("position", [0, 1, 2])
def test_a_group_of_csv_cells_is_each_text_as_its_own_cell(text, position, dialect):
    # A row's candidate texts are checked together; a hostile text anywhere in the group must still give
    # each text its own cell.
    texts = ["Zoé", "zoe@example.org", "Liège"]
    texts[position] = text
    assert dialect.texts(*texts) == tuple(dialect.text(t) for t in texts)


CANDIDATE_TEXT_FIELDS = ["first_name", "last_name", "email", "phone", "city", "heard_from"]


def test_the_csv_file_is_byte_for_byte_what_csv_writer_writes_for_hostile_values(client, cast):
    sending = f.make_organisation(name='Échanges "Sud"; Nord')
    posting = f.published_posting(
        session=cast.session,
        title="=Volontariat; Liège\n(accueil)",
        deadline=datetime(2025, 5, 1, 10, 0, tzinfo=UTC),
        organisations={"sending": sending, "host": cast.org_a},
    )
    # Every hostile text in every candidate column, one application per group of six texts.
    groups = [HOSTILE_TEXTS[i : i + 6] for i in range(0, len(HOSTILE_TEXTS), 6)]
    expected = []
    for n, texts in enumerate(groups):
        candidate = dict(zip(CANDIDATE_TEXT_FIELDS, texts, strict=True))
        application = f.make_application(
            posting=posting,
            reference=f"-C-{n}",
            languages={"fr": "C1", "de": "=A2"},
            submitted_at=datetime(2025, 3, 14 - n, 9, 30, tzinfo=UTC),
            status_changed_at=datetime(2025, 3, 14 - n, 9, 30, tzinfo=UTC),
            letter_text=texts[1],
            **candidate,
        )
        cells = [
            f"-C-{n}",
            "=Volontariat; Liège\n(accueil)",
            "2025-05-01 12:00",
            "Programme d'échanges – Session 30",
            'Échanges "Sud"; Nord',
            "Organisation A",
            "",
            "",
            "",
            "",
            *texts[:5],
            "France",
            "Allemand : =A2 ; Français : Très bon niveau (C1)",
            "non",
            texts[5],
            "non",
            "Reçue",
            f"2025-03-{14 - n} 10:30",
            f"2025-03-{14 - n} 10:30",
            "non",
            texts[1],
            cv_link(application),
            "",
        ]
        expected.append(csv_writer_line([neutralise(cell) for cell in cells]))
    client.force_login(cast.superuser)

    data = content_of(client.get(export_url("csv")))
    assert data.decode() == "\ufeff" + csv_writer_line(EXPECTED_HEADERS) + "".join(expected)


def test_csv_dates_are_paris_wall_clock_time_across_clock_changes_and_midnight(client, cast):
    # 30 March 2025: 01:59 CET, then 03:00 CEST; 26 October 2025: 02:30 CEST, then 02:30 CET again.
    moments = {
        "C-1": (datetime(2025, 3, 30, 0, 59, tzinfo=UTC), datetime(2025, 3, 30, 1, 0, tzinfo=UTC)),
        "C-2": (datetime(2025, 10, 26, 0, 30, tzinfo=UTC), datetime(2025, 10, 26, 1, 30, tzinfo=UTC)),
        "C-3": (datetime(2025, 6, 30, 21, 59, tzinfo=UTC), datetime(2025, 6, 30, 22, 0, tzinfo=UTC)),
        # Seconds are cut, never rounded up to the next minute (or day).
        "C-4": (
            datetime(2025, 12, 31, 22, 59, 59, 999999, tzinfo=UTC),
            datetime(2025, 1, 5, 8, 0, 30, tzinfo=UTC),
        ),
    }
    for reference, (submitted_at, status_changed_at) in moments.items():
        f.make_application(
            posting=cast.posting_a,
            reference=reference,
            submitted_at=submitted_at,
            status_changed_at=status_changed_at,
        )
    client.force_login(cast.superuser)

    rows = csv_rows(content_of(client.get(export_url("csv"))))[1:]
    dates = {row[0]: (row[COLUMN["Envoyée le"]], row[COLUMN["Statut modifié le"]]) for row in rows}
    assert dates == {
        "C-1": ("2025-03-30 01:59", "2025-03-30 03:00"),
        "C-2": ("2025-10-26 02:30", "2025-10-26 02:30"),
        "C-3": ("2025-06-30 23:59", "2025-07-01 00:00"),
        "C-4": ("2025-12-31 23:59", "2025-01-05 09:00"),
    }


def test_the_uuid_read_as_text_is_the_uuids_own_text(cast):
    uuids = [
        UUID("00000000-0000-0000-0000-000000000000"),
        UUID("ffffffff-ffff-ffff-ffff-ffffffffffff"),
        UUID("0a1b2c3d-4e5f-6789-abcd-ef0123456789"),
    ]
    for uuid in uuids:
        f.make_application(posting=cast.posting_a, uuid=uuid)

    read = Application.objects.annotate(text=export_rows.UuidText("uuid")).values_list("text", flat=True)
    assert sorted(read) == sorted(str(uuid) for uuid in uuids)
    assert all(type(text) is str for text in read)


@pytest.mark.parametrize("languages", [[], ["fr"], "fr", 3])
def test_languages_stored_as_anything_but_an_object_give_an_empty_cell(client, cast, languages):
    f.make_application(posting=cast.posting_a, reference="C-1", languages=languages)
    client.force_login(cast.superuser)

    column = EXPECTED_HEADERS.index("Langues")
    assert csv_rows(content_of(client.get(export_url("csv"))))[1][column] == ""
    assert xlsx_rows(content_of(client.get(export_url("xlsx"))))[1][column] is None


def test_a_cache_of_cells_stops_growing_at_its_limit(monkeypatch):
    monkeypatch.setattr(export_rows, "MAX_CACHED_VALUES", 3)
    cells = export_rows._PerValue(str.upper)

    assert [cells[value] for value in "abcdef"] == list("ABCDEF")
    assert len(cells) == 3


# Scope -------------------------------------------------------------------------------------------------


@pytest.fixture
def one_application_each(cast):
    grant_view_applications(cast.coordinator, cast.recruiter_a, cast.recruiter_b)
    return (
        f.make_application(posting=cast.posting_a, reference="C-A"),
        f.make_application(posting=cast.posting_b, reference="C-B"),
    )


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("recruiter_a", {"C-A"}),
        ("recruiter_b", {"C-B"}),
        ("coordinator", {"C-A", "C-B"}),
        ("superuser", {"C-A", "C-B"}),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_each_persona_exports_only_the_applications_they_can_see(
    client, cast, one_application_each, persona, expected, fmt
):
    client.force_login(getattr(cast, persona))
    data = content_of(client.get(export_url(fmt)))

    rows = csv_rows(data) if fmt == "csv" else xlsx_rows(data)
    assert {row[0] for row in rows[1:]} == expected


def test_a_recruiter_cannot_reach_another_organisations_rows_by_crafting_filters(
    client, cast, one_application_each
):
    application_a, _ = one_application_each
    client.force_login(cast.recruiter_b)

    for query in (f"posting__id__exact={cast.posting_a.pk}", f"id__in={application_a.pk}", "q=C-A"):
        response = client.get(export_url("csv", query))
        if response.status_code == 200:
            assert "C-A" not in {row[0] for row in csv_rows(content_of(response))[1:]}
        else:  # the admin refuses a lookup it does not offer
            assert response.status_code in (302, 400)


def test_export_queryset_never_leaves_the_users_reach_whatever_it_is_given(cast, one_application_each):
    everything = Application.objects.all()

    assert list(export_queryset(cast.recruiter_a, everything).values_list("reference", flat=True)) == ["C-A"]
    assert not export_queryset(f.make_user(), everything).exists()


def test_a_staff_member_without_the_view_permission_cannot_export(client, cast):
    from organisations.models import Membership

    # Staff and a member of organisation A, but in no group: no permission on applications.
    outsider = f.make_user("sans-droits", is_staff=True)
    Membership.objects.create(user=outsider, organisation=cast.org_a)
    client.force_login(outsider)

    assert client.get(export_url("csv")).status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, db):
    response = client.get(export_url("csv"))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


# Streaming and queries --------------------------------------------------------------------------------


def test_the_csv_is_streamed_as_a_private_attachment(client, cast, rich_application):
    client.force_login(cast.superuser)
    response = client.get(export_url("csv"))

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="candidatures-')
    assert response["Content-Disposition"].endswith('.csv"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def _queries_to_export(client, expected_rows: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(export_url("csv"))
        rows = csv_rows(content_of(response))
    assert len(rows) == expected_rows + 1
    return len(queries)


def test_the_csv_export_runs_the_same_number_of_queries_for_10_and_100_rows(
    client, cast, django_assert_max_num_queries
):
    postings = [cast.posting_a, cast.posting_b]
    for n in range(10):
        f.make_application(posting=postings[n % 2])
    client.force_login(cast.coordinator)
    grant_view_applications(cast.coordinator)

    with django_assert_max_num_queries(12):
        ten = _queries_to_export(client, 10)

    for n in range(90):
        f.make_application(posting=postings[n % 2])
    other = f.published_posting(
        session=cast.session, organisations={"host": cast.org_a, "sending": cast.org_b}
    )
    f.make_application(posting=other)

    with django_assert_max_num_queries(12):
        hundred = _queries_to_export(client, 101)
    assert hundred == ten


def test_the_posting_status_does_not_matter_to_the_export(client, cast):
    closed = f.closed_posting(session=cast.session, organisations={"host": cast.org_a})
    f.make_application(posting=closed, reference="C-CLOSED")
    client.force_login(cast.superuser)

    rows = csv_rows(content_of(client.get(export_url("csv"))))
    assert [row[0] for row in rows[1:]] == ["C-CLOSED"]
    assert closed.status == Posting.Status.CLOSED


def test_posting_columns_stay_right_when_the_kept_postings_are_dropped(db, monkeypatch):
    # Five postings, at most three kept: nothing is read up front, then rows come two by two. The chunk
    # that brings the fourth posting also holds the third, which the emptied cache must read again; the
    # first posting, met again at the end, is read a second time too.
    monkeypatch.setattr(export_rows, "CHUNK_SIZE", 2)
    monkeypatch.setattr(export_rows, "MAX_CACHED_POSTINGS", 3)
    reads = []
    read_columns = export_rows._posting_columns

    def recorded(ids, text, **kwargs):
        if not kwargs:  # a chunk's read, not the attempt up front
            reads.append(set(ids))
        return read_columns(ids, text, **kwargs)

    monkeypatch.setattr(export_rows, "_posting_columns", recorded)
    p = [f.published_posting(title=f"Offre {n}") for n in range(5)]
    expected = {}
    for posting in [p[0], p[1], p[2], p[2], p[2], p[3], p[4], p[0]]:
        expected[f.make_application(posting=posting).reference] = posting.title

    rows = list(export_rows.rows_for(Application.objects.order_by("pk"), "xlsx"))

    assert {row[0]: row[1] for row in rows} == expected
    assert reads == [{p[0].pk, p[1].pk}, {p[2].pk}, {p[2].pk, p[3].pk}, {p[4].pk, p[0].pk}]
