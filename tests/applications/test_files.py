import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from applications.files import DocumentKind, check_document, display_name, sanitise_filename
from tests.applications.conftest import (
    MINIMAL_PDF,
    docx_bytes,
    odt_bytes,
    upload,
    zip_bomb_docx,
)


def refusal_code(data: bytes, name: str = "document.pdf", **kwargs) -> str:
    with pytest.raises(ValidationError) as caught:
        check_document(upload(name, data), **kwargs)
    return caught.value.code


@pytest.mark.parametrize(
    ("data", "kind"),
    [(MINIMAL_PDF, DocumentKind.PDF), (docx_bytes(), DocumentKind.DOCX), (odt_bytes(), DocumentKind.ODT)],
)
def test_the_type_is_decided_by_the_content_whatever_the_name(data, kind):
    checked = check_document(upload("whatever.txt", data))

    assert checked.kind == kind
    assert checked.display_name == f"whatever.{kind}"


def test_a_file_is_left_readable_from_the_start_after_the_check():
    document = upload("cv.docx", docx_bytes())

    check_document(document)

    assert document.read(4) == b"PK\x03\x04"


def test_other_office_archives_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")

    assert refusal_code(buffer.getvalue(), "cv.docx") == "wrong_type"


def test_an_odt_with_another_mimetype_is_refused():
    spreadsheet = odt_bytes(mimetype="application/vnd.oasis.opendocument.spreadsheet")

    assert refusal_code(spreadsheet, "cv.odt") == "wrong_type"


def test_a_macro_enabled_content_type_is_refused_even_without_a_vba_part():
    assert refusal_code(docx_bytes(macro_content_type=True), "cv.docx") == "macros"


def test_a_vba_part_is_refused():
    assert refusal_code(docx_bytes(macros=True), "cv.docx") == "macros"


def test_odt_basic_macros_are_refused():
    assert refusal_code(odt_bytes(macros=True), "cv.odt") == "macros"


def test_a_zip_bomb_is_refused_without_being_extracted(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    assert refusal_code(zip_bomb_docx(), "cv.docx") == "zip_bomb"
    assert list(tmp_path.iterdir()) == []


def test_an_archive_with_too_many_entries_is_refused():
    extra = {f"word/media/{n}.xml": b"<x/>" for n in range(1001)}

    assert refusal_code(docx_bytes(extra=extra), "cv.docx") == "zip_bomb"


def test_an_oversized_file_is_refused_before_reading_it():
    assert refusal_code(MINIMAL_PDF + b"0" * 100, max_size=len(MINIMAL_PDF)) == "too_large"


def test_an_encrypted_entry_is_refused_as_unreadable():
    data = bytearray(docx_bytes())
    # Set the "encrypted" flag bit in every local and central header of the archive.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (position := data.find(signature, start)) != -1:
            data[position + offset] |= 0x01
            start = position + 4

    with pytest.raises(ValidationError):
        check_document(upload("cv.docx", bytes(data)))
    assert zipfile.is_zipfile(io.BytesIO(bytes(data)))


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("C:\\Users\\camille\\Documents\\CV 2026.pdf", "CV 2026.pdf"),
        ("../../etc/passwd", "passwd"),
        ("cv\x00\x1b[31m.pdf", "cv[31m.pdf"),
        ("  lettre\t de\nmotivation.docx  ", "lettre de motivation.docx"),
        ("Lettre\u202egnp.docx", "Lettregnp.docx"),
        ("", ""),
    ],
)
def test_file_names_are_sanitised_for_display(original, expected):
    assert sanitise_filename(original) == expected


def test_long_file_names_are_capped_keeping_their_extension():
    name = sanitise_filename("a" * 300 + ".pdf")

    assert len(name) == 100
    assert name.endswith("a.pdf")


def test_the_display_name_takes_the_extension_of_the_content():
    assert display_name("cv.pdf", DocumentKind.DOCX) == "cv.docx"
    assert display_name("", DocumentKind.PDF) == "document.pdf"
    assert display_name("sans extension", DocumentKind.ODT) == "sans extension.odt"
