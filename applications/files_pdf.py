"""Is this PDF a plain document? Decided by parsing it with pypdf and walking every object it holds.

A CV needs pages, text, images, fonts and links. Refused: anything that runs or opens by itself or on an
event (JavaScript, launch, form submission, additional actions `/AA`, an `/OpenAction` other than showing a
page), embedded files and rich media, XFA forms (which carry scripts), and any file
pypdf cannot read as a PDF. Links (`/URI`), page jumps (`/GoTo`) and viewer commands (`/Named`) stay: every
exported CV has them.

Every object of the cross-reference table is read, not only those reachable from the catalogue, since a
reader that repairs a file may find the others. The walk stops at a number of objects, a nesting depth and
a time budget; pypdf's own limits bound what a stream may inflate to.
"""

import time

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from pypdf import PdfReader
from pypdf._configuration import apply_configuration
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

# An ordinary CV of a few pages holds a few hundred to a few thousand objects.
PDF_MAX_OBJECTS = 50_000
PDF_MAX_DEPTH = 64
PDF_MAX_SECONDS = 5.0
# What any single stream may inflate to while the objects are read (object streams, cross-reference streams).
PDF_MAX_INFLATED = 50 * 1024 * 1024

# Actions that run code, open or fetch something else, or send data: refused wherever they are. Links
# (`/URI`), jumps inside the document (`/GoTo`) and viewer commands (`/Named`) are what CVs hold.
DANGEROUS_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/SubmitForm",
    "/ImportData",
    "/GoToR",
    "/GoToE",
    "/RichMediaExecute",
    "/Rendition",
    "/Movie",
    "/Sound",
}
# Keys that mean code, an automatic trigger or a file carried inside, wherever they appear.
ACTIVE_KEYS = {"/JS", "/JavaScript", "/AA", "/Launch", "/RichMedia", "/XFA"}
EMBEDDED_KEYS = {"/EmbeddedFile", "/EmbeddedFiles", "/EF"}

ACTIVE_CONTENT = _(
    "Ce PDF contient du code ou des actions automatiques (JavaScript, lancement d'un programme, envoi de "
    "formulaire). Exportez à nouveau votre document en PDF simple (« Enregistrer sous » ou « Imprimer » "
    "vers PDF), puis envoyez-le."
)
EMBEDDED_FILES = _(
    "Ce PDF contient des fichiers joints. Exportez à nouveau votre document en PDF simple, sans pièce "
    "jointe, puis envoyez-le."
)
UNREADABLE = _(
    "Ce fichier n'est pas un PDF lisible. Exportez à nouveau votre document en PDF depuis votre traitement "
    "de texte, puis envoyez-le."
)
ENCRYPTED = _("Ce PDF est protégé par un mot de passe : enregistrez-le sans protection, puis envoyez-le.")
TOO_COMPLEX = _(
    "Ce PDF est trop complexe pour être vérifié. Exportez à nouveau votre document en PDF simple, puis "
    "envoyez-le."
)


class _TooComplex(Exception):
    pass


def check_pdf(upload) -> None:
    """Raise ValidationError unless the upload parses as a PDF with pages and no active content."""
    upload.seek(0)
    try:
        with apply_configuration(
            zlib_maximum_output_length=PDF_MAX_INFLATED,
            lzw_maximum_output_length=PDF_MAX_INFLATED,
            run_length_maximum_output_length=PDF_MAX_INFLATED,
            array_based_stream_maximum_output_length=PDF_MAX_INFLATED,
        ):
            reader = PdfReader(upload, strict=False)
            if reader.is_encrypted:
                raise ValidationError(ENCRYPTED, code="encrypted")
            _Walk(reader).run()
            if len(reader.pages) == 0:
                raise ValidationError(UNREADABLE, code="corrupt")
    except ValidationError:
        raise
    except _TooComplex as error:
        raise ValidationError(TOO_COMPLEX, code="too_complex") from error
    except Exception as error:
        # pypdf's limits raise LimitReachedError (a PdfReadError); a hostile file breaks a parser in many other
        # ways (ValueError, KeyError, RecursionError...): whatever pypdf cannot read is not accepted as a PDF.
        raise ValidationError(UNREADABLE, code="corrupt") from error
    finally:
        upload.seek(0)


class _Walk:
    def __init__(self, reader: PdfReader):
        self.reader = reader
        self.deadline = time.monotonic() + PDF_MAX_SECONDS
        self.seen = 0

    def run(self) -> None:
        self._visit(self.reader.trailer, depth=0)
        references = [
            (generation, idnum) for generation, table in self.reader.xref.items() for idnum in table
        ] + [(0, idnum) for idnum in self.reader.xref_objStm]
        if len(references) > PDF_MAX_OBJECTS:
            raise _TooComplex
        for generation, idnum in references:
            if time.monotonic() > self.deadline:
                raise _TooComplex
            obj = self.reader.get_object(IndirectObject(idnum, generation, self.reader))
            self._visit(obj, depth=0)
        catalogue = self.reader.trailer["/Root"].get_object()
        self._visit(catalogue, depth=0)
        self._check_open_action(catalogue)

    def _visit(self, obj, *, depth: int) -> None:
        """Look at one object and its direct children; indirect ones are visited from the table."""
        if depth > PDF_MAX_DEPTH:
            raise _TooComplex
        self.seen += 1
        if self.seen > PDF_MAX_OBJECTS * 20:
            raise _TooComplex
        if isinstance(obj, DictionaryObject):
            keys = set(obj.keys())
            if keys & EMBEDDED_KEYS or obj.get("/Type") == "/EmbeddedFile":
                raise ValidationError(EMBEDDED_FILES, code="embedded_files")
            if keys & ACTIVE_KEYS:
                raise ValidationError(ACTIVE_CONTENT, code="active_content")
            # `/S` also names a structure element's type, a blend group, a page label style...: only the
            # names of dangerous actions are looked for, and they mean nothing else.
            if obj.get("/S") in DANGEROUS_ACTIONS:
                raise ValidationError(ACTIVE_CONTENT, code="active_content")
            for value in obj.values():
                if not isinstance(value, IndirectObject):
                    self._visit(value, depth=depth + 1)
        elif isinstance(obj, ArrayObject):
            for value in obj:
                if not isinstance(value, IndirectObject):
                    self._visit(value, depth=depth + 1)

    def _check_open_action(self, catalogue: DictionaryObject) -> None:
        """What the viewer does on opening: showing a page (an array) or jumping to one, nothing else."""
        open_action = catalogue.get("/OpenAction")
        if open_action is None:
            return
        open_action = open_action.get_object()
        if isinstance(open_action, DictionaryObject) and open_action.get("/S") != "/GoTo":
            raise ValidationError(ACTIVE_CONTENT, code="active_content")
