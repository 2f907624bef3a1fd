"""The files a selection committee opens: a styled XLSX, two CSV dialects read back by LibreOffice, names
that say their scope, links to the files that open only for people allowed to see them."""

import csv
import io
import os
import shutil
import subprocess
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests import factories as f
from tests.applications.export_helpers import (
    content_of,
    csv_rows,
    fast_password_hashing,  # noqa: F401
    grant_view_applications,
    xlsx_has_formula,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing")

EXPORT = "admin:applications_application_export"
CHANGELIST = "admin:applications_application_changelist"
LETTER = 'Madame, Monsieur,\n"Je souhaite" m\'engager; à Liège, dès juin.'


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://passerelle.example.org"


@pytest.fixture
def application(cast):
    grant_view_applications(cast.coordinator, cast.recruiter_a, cast.recruiter_b)
    return f.make_application(
        posting=cast.posting_a,
        reference="C-2026-0001",
        first_name="Hélène",
        last_name="Lefèvre",
        phone="+33 6 12 34 56 78",
        city="Besançon",
        languages={"ps": "B1", "fa": "C2"},
        letter_text=LETTER,
        submitted_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
    )


def export(client, fmt: str, **params):
    return client.get(reverse(EXPORT), {"format": fmt, **params})


def sheet_of(data: bytes):
    return load_workbook(io.BytesIO(data)).worksheets[0]


def column(sheet, title: str) -> int:
    return [cell.value for cell in sheet[1]].index(title) + 1


# XLSX --------------------------------------------------------------------------------------------------


def test_the_xlsx_header_is_bold_frozen_and_filtered_with_readable_widths(client, cast, application):
    client.force_login(cast.recruiter_a)
    sheet = sheet_of(content_of(export(client, "xlsx")))

    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    last = sheet.cell(row=1, column=sheet.max_column).column_letter
    assert sheet.auto_filter.ref == f"A1:{last}2"
    widths = [sheet.column_dimensions[cell.column_letter].width for cell in sheet[1]]
    assert all(10 <= width <= 50 for width in widths)
    # The reference column fits its header and its values; the long link column stops at the maximum.
    assert widths[column(sheet, "Référence") - 1] == len("C-2026-0001") + 2
    assert widths[column(sheet, "CV (lien)") - 1] == 50


def test_xlsx_dates_are_date_cells_and_texts_carry_no_apostrophe(client, cast, application):
    client.force_login(cast.recruiter_a)
    data = content_of(export(client, "xlsx"))
    sheet = sheet_of(data)

    submitted = sheet.cell(row=2, column=column(sheet, "Envoyée le"))
    assert submitted.is_date and submitted.value == datetime(2026, 11, 20, 10, 30)
    assert submitted.number_format == "dd/mm/yyyy hh:mm"
    phone = sheet.cell(row=2, column=column(sheet, "Téléphone"))
    assert (phone.value, phone.data_type) == ("+33 6 12 34 56 78", "s")
    assert not xlsx_has_formula(data)


def test_the_export_names_languages_with_the_stated_level_and_carries_the_typed_letter(
    client, cast, application
):
    client.force_login(cast.recruiter_a)
    sheet = sheet_of(content_of(export(client, "xlsx")))

    languages = sheet.cell(row=2, column=column(sheet, "Langues")).value
    assert languages == "Pachto : Intermédiaire (B1) ; Persan : Courant / bilingue (C2)"
    assert sheet.cell(row=2, column=column(sheet, "Lettre de motivation (texte saisi)")).value == LETTER
    assert sheet.cell(row=2, column=column(sheet, "Conserver pour de futures offres")).value == "non"


def test_the_cv_link_is_absolute_clickable_and_opens_only_for_people_who_may_see_it(
    client, cast, application
):
    client.force_login(cast.recruiter_a)
    sheet = sheet_of(content_of(export(client, "xlsx")))
    cell = sheet.cell(row=2, column=column(sheet, "CV (lien)"))
    url = f"https://passerelle.example.org/candidature/{application.uuid}/fichier/cv/"
    assert cell.value == url and cell.hyperlink.target == url
    assert sheet.cell(row=2, column=column(sheet, "Lettre de motivation (lien)")).value is None

    path = url.removeprefix("https://passerelle.example.org")
    assert client.get(path).status_code == 200
    client.force_login(cast.recruiter_b)
    assert client.get(path).status_code == 404
    client.logout()
    assert client.get(path).status_code == 302  # to the login page


def test_every_organisation_appears_in_its_role(client, cast):
    grant_view_applications(cast.recruiter_a)
    partner = f.make_organisation(name="Maison des Droits")
    co_organiser = f.make_organisation(name="Collectif Accueil")
    posting = f.published_posting(
        session=cast.session,
        deadline=datetime(2026, 12, 31, 22, 0, tzinfo=UTC),
        organisations={"host": cast.org_a, "local_partner": partner, "co_organiser": co_organiser},
    )
    f.make_application(posting=posting, reference="C-1", keep_for_future=True)
    client.force_login(cast.recruiter_a)
    sheet = sheet_of(content_of(export(client, "xlsx")))

    def value(title):
        return sheet.cell(row=2, column=column(sheet, title)).value

    assert value("Organisation(s) d'accueil") == "Organisation A"
    assert value("Partenaire(s) local(aux)") == "Maison des Droits"
    assert value("Co-organisateur(s)") == "Collectif Accueil"
    assert value("Date limite de l'offre") == datetime(2026, 12, 31, 23, 0)
    assert value("Conserver pour de futures offres") == "oui"


# CSV dialects --------------------------------------------------------------------------------------------


def test_the_rfc4180_dialect_uses_commas_and_no_bom(client, cast, application):
    client.force_login(cast.recruiter_a)
    data = content_of(export(client, "csv", dialect="rfc4180"))

    assert not data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[0][:3] == ["Référence", "Offre", "Date limite de l'offre"]
    assert rows[1][rows[0].index("Lettre de motivation (texte saisi)")] == LETTER
    # The formula guard stays in CSV, whatever the dialect.
    assert rows[1][rows[0].index("Téléphone")] == "'+33 6 12 34 56 78"


def test_an_unknown_dialect_sends_back_with_a_message(client, cast, application):
    client.force_login(cast.recruiter_a)
    response = export(client, "csv", dialect="tsv")
    assert response.status_code == 302


def test_the_command_writes_the_rfc4180_dialect(tmp_path, cast, application):
    out = tmp_path / "export.csv"
    call_command("export_applications", "--format", "csv", "--dialect", "rfc4180", "--output", str(out))

    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert rows[1][0] == "C-2026-0001"


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice is missing: `make office-deps` installs it")
        pytest.skip("LibreOffice is not installed (make office-deps)")
    return found


# LibreOffice's CSV filter options: separator, text delimiter ("), character set (76 = UTF-8), first line.
LIBREOFFICE_FILTERS = {"excel-fr": "CSV:59,34,76,1", "rfc4180": "CSV:44,34,76,1"}


@pytest.mark.parametrize("dialect", ["excel-fr", "rfc4180"])
def test_libreoffice_opens_each_csv_dialect_into_the_same_columns(
    client, cast, application, tmp_path, dialect
):
    program = soffice()
    client.force_login(cast.recruiter_a)
    source = tmp_path / "export.csv"
    source.write_bytes(content_of(export(client, "csv", dialect=dialect)))

    subprocess.run(
        [
            program,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "xlsx",
            f"--infilter={LIBREOFFICE_FILTERS[dialect]}",
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    sheet = sheet_of((tmp_path / "out" / "export.xlsx").read_bytes())

    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header = rows[0]
    assert header[0] == "Référence"  # the BOM, when there is one, is not read as part of the first cell
    assert header == [cell.value for cell in sheet_of(content_of(export(client, "xlsx")))[1]]
    values = dict(zip(header, rows[1], strict=True))
    assert values["Prénom"] == "Hélène" and values["Ville"] == "Besançon"
    assert values["Lettre de motivation (texte saisi)"] == LETTER
    assert values["Langues"] == "Pachto : Intermédiaire (B1) ; Persan : Courant / bilingue (C2)"


# File names ----------------------------------------------------------------------------------------------


def test_the_file_name_names_the_session_filtered_on(client, cast, application):
    client.force_login(cast.coordinator)
    today = f"{timezone.localdate():%Y-%m-%d}"

    response = export(client, "xlsx", posting__session__id__exact=cast.session.pk)
    assert response["Content-Disposition"] == f'attachment; filename="candidatures-session-30-{today}.xlsx"'
    response = export(client, "csv", posting__id__exact=cast.posting_a.pk)
    assert response["Content-Disposition"] == f'attachment; filename="candidatures-mission-a-{today}.csv"'
    response = export(client, "csv")
    assert response["Content-Disposition"] == f'attachment; filename="candidatures-{today}.csv"'


def test_a_selection_exported_by_action_says_so_in_its_name(client, cast, application):
    client.force_login(cast.recruiter_a)
    response = client.post(
        reverse(CHANGELIST), {"action": "export_csv_rfc4180", "_selected_action": [application.pk]}
    )
    today = f"{timezone.localdate():%Y-%m-%d}"
    assert response["Content-Disposition"] == f'attachment; filename="candidatures-selection-{today}.csv"'
    assert csv_rows(b"\xef\xbb\xbf" + content_of(response).replace(b",", b";"))[1][0] == "C-2026-0001"


def test_past_the_limit_links_are_written_as_text_so_memory_stays_flat(monkeypatch):
    from applications import export_writers
    from applications.export_writers import Link, write_xlsx

    monkeypatch.setattr(export_writers, "XLSX_MAX_LINKS", 2)
    stream = io.BytesIO()
    urls = [f"https://passerelle.example.org/candidature/{n}/fichier/cv/" for n in range(3)]
    write_xlsx(["CV (lien)"], [[Link(url)] for url in urls], stream)

    cells = [row[0] for row in sheet_of(stream.getvalue()).iter_rows(min_row=2)]
    assert [c.value for c in cells] == urls
    assert [c.hyperlink.target if c.hyperlink else None for c in cells] == [urls[0], urls[1], None]
