"""Checks on the documents candidates upload: what they are is decided by their content, never their name.

Accepted: PDF, DOCX and ODT of at most `settings.APPLICATION_MAX_FILE_SIZE` bytes. Office documents are zip
archives: they are inspected in memory through their central directory (never extracted to disk), refused
when they carry macros, and refused when they look like a zip bomb (too many entries, too large once
uncompressed, or compressed too tightly to be an ordinary document).
"""

import math
import unicodedata
import zipfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

# Limits for zip-based documents. An ordinary CV in DOCX or ODT holds a few dozen entries and a few MB.
ZIP_MAX_ENTRIES = 1000
ZIP_MAX_UNCOMPRESSED_SIZE = 50 * 1024 * 1024
# XML compresses well (10-20x is common); beyond this ratio on a large entry the archive is a bomb.
ZIP_MAX_RATIO = 100
ZIP_RATIO_CHECK_FROM = 1024 * 1024
# The few entries we read are small XML or plain text; never read more than this from any of them.
ZIP_MAX_READ = 2 * 1024 * 1024

DISPLAY_NAME_MAX_LENGTH = 100

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def size_limit() -> str:
    """The upload limit as a person reads it, in MB ("5"): from APPLICATION_MAX_FILE_SIZE, never restated."""
    return _megabytes(settings.APPLICATION_MAX_FILE_SIZE)


GENERIC_REFUSAL = lazy(
    lambda: _("Le fichier doit être un PDF, DOCX ou ODT de %(max)s Mo au plus.") % {"max": size_limit()}, str
)()


class DocumentKind(StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    ODT = "odt"

    @property
    def content_type(self) -> str:
        return {
            DocumentKind.PDF: "application/pdf",
            DocumentKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            DocumentKind.ODT: "application/vnd.oasis.opendocument.text",
        }[self]


@dataclass(frozen=True)
class CheckedDocument:
    kind: DocumentKind
    display_name: str


def check_document(upload, *, max_size: int | None = None) -> CheckedDocument:
    """Return what the uploaded file is, or raise ValidationError saying exactly why it is refused."""
    max_size = settings.APPLICATION_MAX_FILE_SIZE if max_size is None else max_size
    if upload.size == 0:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    if upload.size > max_size:
        raise ValidationError(
            _("Le fichier doit être un PDF, DOCX ou ODT de %(max)s Mo au plus : celui-ci fait %(size)s Mo."),
            code="too_large",
            params={"size": _megabytes(upload.size, rounding=math.ceil), "max": _megabytes(max_size)},
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        kind = DocumentKind.PDF
    elif head.startswith(b"PK\x03\x04"):
        try:
            kind = _check_office_document(upload)
        finally:
            upload.seek(0)
    else:
        raise ValidationError(GENERIC_REFUSAL, code="wrong_type")
    return CheckedDocument(kind=kind, display_name=display_name(upload.name, kind))


def _megabytes(size: int, *, rounding=round) -> str:
    """Size in MB with one decimal at most, rounded up for the file (5 MB + 1 byte shows as 5.1, not 5.0)."""
    tenths = rounding(size * 10 / (1024 * 1024)) / 10
    return number_format(tenths, decimal_pos=0 if tenths == int(tenths) else 1)


def _check_office_document(upload) -> DocumentKind:
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        raise ValidationError(
            _("Le fichier est endommagé : il ne peut pas être lu comme un document DOCX ou ODT."),
            code="corrupt",
        ) from error
    with archive:
        entries = archive.infolist()
        _refuse_zip_bombs(entries)
        names = {entry.filename for entry in entries}
        if entries and entries[0].filename == "mimetype":
            mimetype = _read_entry(archive, "mimetype").strip()
            if mimetype == ODT_MIMETYPE:
                if any(name.startswith(("Basic/", "Scripts/")) for name in names):
                    raise ValidationError(
                        _(
                            "Ce document contient des macros : enregistrez-le sans macros "
                            "(ou en PDF) puis envoyez-le à nouveau."
                        ),
                        code="macros",
                    )
                return DocumentKind.ODT
            raise ValidationError(GENERIC_REFUSAL, code="wrong_type")
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            content_types = _read_entry(archive, "[Content_Types].xml")
            has_vba = any(PurePosixPath(name).name.lower() == "vbaproject.bin" for name in names)
            if has_vba or b"macroenabled" in content_types.lower():
                raise ValidationError(
                    _(
                        "Ce document contient des macros : enregistrez-le au format DOCX sans macros "
                        "(ou en PDF) puis envoyez-le à nouveau."
                    ),
                    code="macros",
                )
            return DocumentKind.DOCX
    raise ValidationError(GENERIC_REFUSAL, code="wrong_type")


def _refuse_zip_bombs(entries: list[zipfile.ZipInfo]) -> None:
    refusal = ValidationError(
        _(
            "Ce document a une structure anormale (archive trop volumineuse une fois décompressée) : "
            "enregistrez-le à nouveau ou envoyez-le en PDF."
        ),
        code="zip_bomb",
    )
    if len(entries) > ZIP_MAX_ENTRIES:
        raise refusal
    total = 0
    for entry in entries:
        total += entry.file_size
        if total > ZIP_MAX_UNCOMPRESSED_SIZE:
            raise refusal
        if entry.file_size > ZIP_RATIO_CHECK_FROM and entry.file_size > ZIP_MAX_RATIO * max(
            entry.compress_size, 1
        ):
            raise refusal


def _read_entry(archive: zipfile.ZipFile, name: str) -> bytes:
    """Read at most ZIP_MAX_READ bytes of one entry: the declared sizes of a hostile archive may lie."""
    try:
        with archive.open(name) as stream:
            data = stream.read(ZIP_MAX_READ + 1)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as error:
        # RuntimeError: encrypted entry; NotImplementedError: unsupported compression method.
        raise ValidationError(
            _("Le fichier est endommagé ou protégé : il ne peut pas être lu comme un document DOCX ou ODT."),
            code="corrupt",
        ) from error
    if len(data) > ZIP_MAX_READ:
        raise ValidationError(
            _("Ce document a une structure anormale : enregistrez-le à nouveau ou envoyez-le en PDF."),
            code="zip_bomb",
        )
    return data


def sanitise_filename(name: str, *, max_length: int = DISPLAY_NAME_MAX_LENGTH) -> str:
    """A name safe to show and to offer as a download name: no folders, no control characters, capped."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        " " if char.isspace() else char
        for char in name
        if char.isspace() or not unicodedata.category(char).startswith("C")
    )
    name = " ".join(name.split()).strip(" .")
    if len(name) > max_length:
        stem, dot, suffix = name.rpartition(".")
        if dot and 0 < len(suffix) <= 8:
            name = f"{stem[: max_length - len(suffix) - 1].rstrip()}.{suffix}"
        else:
            name = name[:max_length].rstrip()
    return name


def display_name(original_name: str, kind: DocumentKind) -> str:
    """The sanitised original name with the extension of what the file really is."""
    name = sanitise_filename(original_name, max_length=DISPLAY_NAME_MAX_LENGTH - len(kind) - 1)
    stem, dot, _suffix = name.rpartition(".")
    stem = stem if dot else name
    return f"{stem or 'document'}.{kind.value}"
