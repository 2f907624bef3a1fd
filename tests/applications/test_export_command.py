"""`manage.py export_applications`: filters, formats, output to a file or stdout, and clear errors."""

import io

import pytest
from django.core.management import CommandError, call_command, load_command_class

from tests import factories as f
from tests.applications.export_helpers import (
    csv_rows,
    fast_password_hashing,  # noqa: F401
    xlsx_has_formula,
    xlsx_rows,
)

pytestmark = pytest.mark.usefixtures("fast_password_hashing")


@pytest.fixture
def applications(cast):
    other_session = f.make_session(programme=cast.programme, name="Session 31", slug="session-31")
    elsewhere = f.make_organisation(name="Ailleurs", slug="ailleurs")
    return {
        "a": f.make_application(posting=cast.posting_a, reference="C-A"),
        "b": f.make_application(posting=cast.posting_b, reference="C-B", heard_from="=1+1"),
        # Another session of the same programme, with org B as sending organisation.
        "c": f.make_application(
            posting=f.published_posting(
                session=other_session,
                organisations={"sending": cast.org_b, "host": elsewhere},
                slug="mission-c",
            ),
            reference="C-C",
        ),
        # Outside the programme.
        "d": f.make_application(
            posting=f.published_posting(organisations={"host": elsewhere}, slug="mission-d"), reference="C-D"
        ),
    }


def export(tmp_path, *args, fmt="csv") -> list[list]:
    output = tmp_path / f"export.{fmt}"
    call_command("export_applications", "--format", fmt, "--output", str(output), *args, stderr=io.StringIO())
    data = output.read_bytes()
    return csv_rows(data) if fmt == "csv" else xlsx_rows(data)


def references(rows) -> set[str]:
    return {row[0] for row in rows[1:]}


def test_without_filters_it_exports_every_application(tmp_path, applications):
    assert references(export(tmp_path)) == {"C-A", "C-B", "C-C", "C-D"}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--posting", "mission-a"], {"C-A"}),
        (["--session", "session-30"], {"C-A", "C-B"}),
        (["--organisation", "org-b"], {"C-B", "C-C"}),  # host of B, sending for C
        (["--organisation", "ep"], {"C-A", "C-B", "C-C"}),  # operator of the programme
        (["--organisation", "org-b", "--session", "session-31"], {"C-C"}),
    ],
)
def test_each_filter_narrows_the_export(tmp_path, applications, args, expected):
    assert references(export(tmp_path, *args)) == expected


def test_it_writes_xlsx_with_the_same_rows_and_no_formula(tmp_path, applications):
    output = tmp_path / "export.xlsx"
    call_command(
        "export_applications",
        "--format",
        "xlsx",
        "--output",
        str(output),
        "--session",
        "session-30",
        stderr=io.StringIO(),
    )

    rows = xlsx_rows(output.read_bytes())
    assert references(rows) == {"C-A", "C-B"}
    assert rows[0][0] == "Référence"
    assert not xlsx_has_formula(output.read_bytes())


def test_the_csv_neutralises_formulas(tmp_path, applications):
    rows = export(tmp_path, "--posting", "mission-b")
    assert rows[1][rows[0].index("Connu par")] == "'=1+1"


def test_a_dash_writes_the_csv_to_stdout(applications):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(
        "export_applications",
        "--format",
        "csv",
        "--output",
        "-",
        "--posting",
        "mission-a",
        stdout=stdout,
        stderr=stderr,
    )

    assert references(csv_rows(stdout.getvalue().encode())) == {"C-A"}
    assert "1 candidature(s) exportée(s)." in stderr.getvalue()


def test_the_written_file_is_readable_by_its_owner_only(tmp_path, applications):
    export(tmp_path)
    assert (tmp_path / "export.csv").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("--posting", "Aucune offre n'a l'identifiant « inconnue »."),
        ("--organisation", "Aucune organisation n'a l'identifiant « inconnue »."),
        ("--session", "Aucune session n'a l'identifiant « inconnue »."),
    ],
)
def test_an_unknown_slug_is_a_clear_error(tmp_path, applications, option, message):
    with pytest.raises(CommandError, match=message):
        call_command(
            "export_applications", "--format", "csv", "--output", str(tmp_path / "x.csv"), option, "inconnue"
        )
    assert not (tmp_path / "x.csv").exists()


def test_an_unknown_format_is_a_clear_error(tmp_path, db):
    with pytest.raises(CommandError, match="argument --format: invalid choice: 'pdf'"):
        call_command("export_applications", "--format", "pdf", "--output", str(tmp_path / "x.pdf"))


def test_xlsx_cannot_go_to_stdout(db):
    with pytest.raises(CommandError, match="XLSX ne peut pas être écrit sur la sortie standard"):
        call_command("export_applications", "--format", "xlsx", "--output", "-")


def test_an_output_in_a_missing_folder_is_a_clear_error(tmp_path, db):
    target = tmp_path / "missing" / "x.csv"
    with pytest.raises(
        CommandError, match="Impossible d'écrire dans .*missing/x.csv.* : No such file or directory"
    ):
        call_command("export_applications", "--format", "csv", "--output", str(target))


def test_an_output_that_is_a_folder_is_a_clear_error(tmp_path, db):
    with pytest.raises(CommandError, match="est un dossier"):
        call_command("export_applications", "--format", "csv", "--output", str(tmp_path))


def test_a_write_failure_is_a_clear_error_and_leaves_no_partial_file(tmp_path, applications, monkeypatch):
    def disk_full(fmt, header, applications, stream, **options):
        stream.write("\ufeffpartial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("applications.management.commands.export_applications.write_export", disk_full)
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(CommandError, match="Impossible d'écrire dans .*x.csv.* : No space left on device"):
        call_command("export_applications", "--format", "csv", "--output", str(folder / "x.csv"))

    assert list(folder.iterdir()) == []


def test_an_existing_file_is_replaced_whole(tmp_path, applications):
    (tmp_path / "export.csv").write_text("old content that is much longer than nothing " * 100)
    assert references(export(tmp_path, "--posting", "mission-a")) == {"C-A"}


def test_run_from_the_command_line_it_skips_the_system_checks(tmp_path, applications, monkeypatch):
    def checks_ran(*args, **kwargs):
        raise AssertionError("system checks ran")

    monkeypatch.setattr("django.core.management.base.BaseCommand.check", checks_ran)
    output = tmp_path / "export.csv"
    command = load_command_class("applications", "export_applications")
    command.run_from_argv(["manage.py", "export_applications", "--format", "csv", "--output", str(output)])

    assert references(csv_rows(output.read_bytes())) == {"C-A", "C-B", "C-C", "C-D"}
