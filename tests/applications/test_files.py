import io
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError

from applications.files import DocumentKind, check_document, display_name, sanitise_filename
from tests.applications import hostile_documents as hostile
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


# Active content, decided by parsing (issue 14 §4) -----------------------------------------------------------

REFUSED = [
    (
        "pdf-open-action-javascript",
        hostile.pdf_open_action_javascript,
        "active_content",
        "Exportez à nouveau",
    ),
    ("pdf-javascript-in-names-tree", hostile.pdf_names_javascript, "active_content", "PDF simple"),
    ("pdf-page-additional-action", hostile.pdf_page_additional_action, "active_content", "PDF simple"),
    ("pdf-launch-link", hostile.pdf_launch_link, "active_content", "PDF simple"),
    ("pdf-submit-form-link", hostile.pdf_submit_form_link, "active_content", "PDF simple"),
    ("pdf-open-action-opens-a-site", hostile.pdf_open_action_uri, "active_content", "PDF simple"),
    ("pdf-orphan-javascript-object", hostile.pdf_orphan_javascript, "active_content", "PDF simple"),
    ("pdf-hex-escaped-javascript", hostile.pdf_escaped_name_javascript, "active_content", "PDF simple"),
    ("pdf-embedded-file", hostile.pdf_embedded_file, "embedded_files", "sans pièce jointe"),
    ("pdf-encrypted", hostile.pdf_encrypted, "encrypted", "sans protection"),
    (
        "pdf-header-then-garbage",
        lambda: b"%PDF-1.7\n" + b"\x00garbage" * 100,
        "corrupt",
        "Exportez à nouveau",
    ),
    ("pdf-truncated", lambda: MINIMAL_PDF[:70], "corrupt", "Exportez à nouveau"),
    ("docx-remote-template", hostile.docx_remote_template, "external_content", "Enregistrez-le à nouveau"),
    ("docx-template-on-a-share", hostile.docx_share_template, "external_content", "exportez-le en PDF"),
    ("docx-remote-image", hostile.docx_remote_image, "external_content", "exportez-le en PDF"),
    ("docx-link-to-a-file-share", hostile.docx_file_share_link, "external_content", "exportez-le en PDF"),
    ("docx-embedded-ole-object", hostile.docx_embedded_ole, "embedded_objects", "Retirez-les"),
    ("docx-ole-relationship", hostile.docx_ole_relationship_only, "embedded_objects", "Retirez-les"),
    ("docx-activex-control", hostile.docx_activex, "embedded_objects", "Retirez-les"),
    ("docx-dde-field-split-over-runs", hostile.docx_dde_field, "automatic_actions", "Exportez-le en PDF"),
    ("docx-entity-bomb", hostile.docx_entity_bomb, "corrupt", "endommagé"),
    ("docx-broken-xml", hostile.docx_broken_xml, "corrupt", "endommagé"),
    ("zip-sizes-lie-bomb", hostile.docx_size_lie_bomb, "zip_sizes", "tailles annoncées"),
    (
        "zip-directory-and-local-header-disagree",
        hostile.docx_size_lie_in_directory_only,
        "zip_sizes",
        "tailles",
    ),
    ("zip-size-overstated", hostile.docx_size_understated, "zip_sizes", "tailles annoncées"),
    ("zip-duplicate-part", hostile.docx_duplicate_part, "zip_sizes", "structure anormale"),
    ("zip-overlapping-entries", hostile.docx_overlapping_entries, "zip_sizes", "structure anormale"),
    ("odt-event-listener", hostile.odt_event_listener, "automatic_actions", "actions automatiques"),
    ("odt-macro-link", hostile.odt_macro_link, "macros", "sans macros"),
    ("odt-scripts-folder", hostile.odt_scripts_folder, "macros", "sans macros"),
    ("odt-ole-object", hostile.odt_ole_object, "embedded_objects", "Retirez-les"),
    ("odt-remote-image", hostile.odt_remote_image, "external_content", "exportez-le en PDF"),
    ("odt-encrypted", hostile.odt_encrypted_manifest, "encrypted", "sans protection"),
]


@pytest.mark.parametrize(
    ("build", "code", "advice"), [row[1:] for row in REFUSED], ids=[row[0] for row in REFUSED]
)
def test_a_document_with_active_content_is_refused_saying_what_to_do(build, code, advice):
    with pytest.raises(ValidationError) as caught:
        check_document(upload("cv.bin", build()))

    assert caught.value.code == code
    assert advice in caught.value.messages[0]


ACCEPTED = [
    ("pdf-shown-at-a-page-with-a-web-link", hostile.pdf_plain_with_links, DocumentKind.PDF),
    ("docx-from-a-local-template-with-links", hostile.docx_local_template_and_links, DocumentKind.DOCX),
    ("odt-with-a-link-and-a-picture", hostile.odt_with_links_and_picture, DocumentKind.ODT),
]


@pytest.mark.parametrize(("build", "kind"), [row[1:] for row in ACCEPTED], ids=[row[0] for row in ACCEPTED])
def test_an_ordinary_document_with_links_pictures_and_a_template_is_accepted(build, kind):
    assert check_document(upload("cv.bin", build())).kind == kind


def test_the_size_lie_is_found_without_inflating_the_bomb(monkeypatch):
    """The check stops one byte past each declared size: it never produces the 40 MB the entry hides."""
    produced = []
    real = zlib.decompressobj

    class Counting:
        def __init__(self, *args):
            self.inner = real(*args)

        def decompress(self, data, max_length=0):
            output = self.inner.decompress(data, max_length)
            produced.append(len(output))
            return output

        def __getattr__(self, name):
            return getattr(self.inner, name)

    monkeypatch.setattr("applications.files_office.zlib.decompressobj", Counting)

    assert refusal_code(hostile.docx_size_lie_bomb(), "cv.docx") == "zip_sizes"
    assert sum(produced) < 10_000


def test_a_pdf_with_too_many_objects_is_refused_as_too_complex(monkeypatch):
    monkeypatch.setattr("applications.files_pdf.PDF_MAX_OBJECTS", 3)

    assert refusal_code(hostile.pdf_plain_with_links()) == "too_complex"


def test_a_pdf_that_takes_too_long_to_walk_is_refused(monkeypatch):
    monkeypatch.setattr("applications.files_pdf.PDF_MAX_SECONDS", -1)

    assert refusal_code(hostile.pdf_plain_with_links()) == "too_complex"


def test_an_office_document_that_takes_too_long_to_check_is_refused(monkeypatch):
    monkeypatch.setattr("applications.files_office.OFFICE_MAX_SECONDS", -1)

    assert refusal_code(hostile.docx_local_template_and_links(), "cv.docx") == "zip_bomb"


def test_an_xml_part_too_long_to_be_a_cv_is_refused(monkeypatch):
    monkeypatch.setattr("applications.files_office.XML_MAX_BYTES", 100)

    assert refusal_code(docx_bytes(), "cv.docx") == "zip_bomb"


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_advice_is_translated(language):
    from django.utils import translation

    with translation.override(language):
        with pytest.raises(ValidationError) as caught:
            check_document(upload("cv.pdf", hostile.pdf_open_action_javascript()))
        message = caught.value.messages[0]

    assert message.startswith({"en": "This PDF contains code", "nl": "Deze PDF bevat code"}[language])
