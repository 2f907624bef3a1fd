"""Small real documents for the apply tests, built in memory: a minimal PDF, a DOCX and an ODT."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n"
)

DOCX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="{main}"/>'
    "</Types>"
)
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)
DOCX_DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>Camille Martin – CV</w:t></w:r></w:p></w:body></w:document>"
)


def _write(archive: zipfile.ZipFile, name: str, data, compress_type: int = zipfile.ZIP_DEFLATED) -> None:
    """An entry dated at a fixed instant: the same document twice gives the same bytes, whatever the clock
    (a test that builds it twice across a second boundary compared different bytes)."""
    archive.writestr(
        zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data, compress_type=compress_type
    )


def docx_bytes(
    *, macros: bool = False, macro_content_type: bool = False, extra: dict[str, bytes] | None = None
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        _write(
            archive,
            "[Content_Types].xml",
            DOCX_CONTENT_TYPES.format(main=DOCM_MAIN if macros or macro_content_type else DOCX_MAIN),
        )
        _write(archive, "_rels/.rels", DOCX_RELS)
        _write(archive, "word/document.xml", DOCX_DOCUMENT)
        if macros:
            _write(archive, "word/vbaProject.bin", b"\xd0\xcf\x11\xe0 fake OLE macro storage")
        for name, data in (extra or {}).items():
            _write(archive, name, data)
    return buffer.getvalue()


def odt_bytes(*, macros: bool = False, mimetype: str = "application/vnd.oasis.opendocument.text") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        # The ODF rule: `mimetype` first, stored uncompressed.
        _write(archive, "mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        _write(
            archive,
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
            'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
        _write(
            archive,
            "content.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
            "<office:body><office:text><text:p>Lettre de motivation</text:p></office:text></office:body>"
            "</office:document-content>",
        )
        if macros:
            _write(archive, "Basic/Standard/Module1.xml", "<script:module/>")
    return buffer.getvalue()


def zip_bomb_docx() -> bytes:
    """A DOCX whose one extra part inflates from a few kB to 60 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", DOCX_CONTENT_TYPES.format(main=DOCX_MAIN))
        archive.writestr("word/document.xml", DOCX_DOCUMENT)
        with archive.open("word/media/padding.bin", "w", force_zip64=True) as entry:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(60):
                entry.write(chunk)
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def pdf_upload(name: str = "cv.pdf") -> SimpleUploadedFile:
    return upload(name, MINIMAL_PDF, "application/pdf")


def docx_upload(name: str = "lettre.docx", **kwargs) -> SimpleUploadedFile:
    return upload(name, docx_bytes(**kwargs))


def odt_upload(name: str = "lettre.odt", **kwargs) -> SimpleUploadedFile:
    return upload(name, odt_bytes(**kwargs))


def stored_files(settings) -> list[str]:
    """Every file in the private storage of the test (a folder, or a bucket), by name."""
    from django.core.files.storage import default_storage

    from applications.storage import list_files

    return [stored.name for stored in list_files(default_storage)]


def run_queued_tasks() -> None:
    """What the production worker does with the database queue: run every task that is due, then stop.

    In the test's transaction: the worker's check for stale connections would close the test's own connection
    (it is not in autocommit) on PostgreSQL, so it is skipped."""
    from unittest import mock

    from django.core.management import call_command

    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", "--batch", "--no-startup-delay")


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def form_data(posting, **overrides) -> dict:
    """A complete, valid POST for `posting` (files passed separately by the tests that need other ones)."""
    import uuid

    data = {
        "first_name": "Camille",
        "last_name": "Martin",
        "email": "camille.martin@example.org",
        "phone": "+33 6 12 34 56 78",
        "city": "Lyon",
        "country": "FR",
        "cv": pdf_upload(),
        "letter_file": docx_upload(),
        "letter_text": "",
        "heard_from": "Un ami",
        "consent": "on",
        "website": "",
        "submission_token": str(uuid.uuid4()),
    }
    for link in posting.languages.all():
        data[f"language_{link.language}"] = "B2"
    data["eligibility_confirmed"] = "on"
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
