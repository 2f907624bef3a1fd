"""Checks on the documents candidates upload: what they are is decided by their content, never their name.

The one place uploads are checked: the apply form (through `DocumentField`) and the service that stores an
application (through `checked`) both come here, and a file is parsed once per request.

Accepted: PDF, DOCX and ODT of at most `settings.APPLICATION_MAX_FILE_SIZE` bytes, with no active content.
A PDF is parsed by pypdf and walked object by object (`files_pdf`); an office document is a zip package
read in memory, its declared sizes verified, its parts and relationships parsed (`files_office`). Each
refusal says what to do instead (most often: export the document again as a plain PDF).
"""

import math
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from applications.files_office import NotAnOfficeDocument, check_office_document
from applications.files_pdf import check_pdf

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
    """Return what the uploaded file is, or raise ValidationError saying exactly why it is refused.

    The result is kept on the upload (`checked(upload)` returns it): a file is parsed once per request,
    whoever asks."""
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
        check_pdf(upload)
        kind = DocumentKind.PDF
    elif head.startswith(b"PK\x03\x04"):
        try:
            kind = DocumentKind(check_office_document(upload))
        except NotAnOfficeDocument:
            raise _wrong_type(max_size) from None
    else:
        raise _wrong_type(max_size)
    upload.seek(0)
    document = CheckedDocument(kind=kind, display_name=display_name(upload.name, kind))
    upload.checked_document = document
    return document


def checked(upload) -> CheckedDocument:
    """What `check_document` found for this upload, checking it now if nothing has yet."""
    return getattr(upload, "checked_document", None) or check_document(upload)


def _wrong_type(max_size: int) -> ValidationError:
    return ValidationError(
        _("Le fichier doit être un PDF, DOCX ou ODT de %(max)s Mo au plus."),
        code="wrong_type",
        params={"max": _megabytes(max_size)},
    )


class DocumentField(forms.FileField):
    """A file field accepting the documents `check_document` accepts: every form taking a CV or a letter
    uses it, so the checks live here once."""

    def __init__(self, *, max_size: int | None = None, **kwargs):
        self.max_size = max_size
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ".pdf,.docx,.odt"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload:
            check_document(upload, max_size=self.max_size)
        return upload


def _megabytes(size: int, *, rounding=round) -> str:
    """Size in MB with one decimal at most, rounded up for the file (5 MB + 1 byte shows as 5.1, not 5.0)."""
    tenths = rounding(size * 10 / (1024 * 1024)) / 10
    return number_format(tenths, decimal_pos=0 if tenths == int(tenths) else 1)


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
