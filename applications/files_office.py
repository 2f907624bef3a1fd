"""Is this DOCX or ODT a plain document? Office documents are zip packages: the package is read in memory
(never extracted to disk), its structure checked, then its parts and relationships parsed.

The package: a bounded number of entries, no duplicate names, no entry overlapping another, no encrypted
entry, only the two compression methods office suites write, and every entry decompressed (in bounded
chunks, up to the declared size plus one byte) to check that what it holds is exactly what the central
directory and the local header declare: a zip whose declared sizes lie is how a bomb hides from a check
that only reads the directory.

DOCX: macros (`vbaProject.bin`, macro-enabled content types), embedded OLE objects and ActiveX controls
(`word/embeddings/`, `activeX` parts, their content types and relationships), a template or any part fetched
from outside (`attachedTemplate`, `TargetMode="External"` other than an ordinary hyperlink) and DDE fields
are refused. ODT: Basic and script libraries, `office:event-listeners`, OLE objects, applets and plug-ins,
macro links and images or sections loaded from outside are refused. XML is parsed by defusedxml (no DTD, no
entities), streamed, with a cap on bytes and elements; the whole check has a time budget.

One module for the package and both formats (a little over 400 lines): they share the package reader, the
XML reader and the limits, and a reviewer reads what a DOCX or an ODT may hold side by side.
"""

import struct
import time
import zipfile
import zlib
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# An ordinary CV in DOCX or ODT holds a few dozen entries and a few MB.
ZIP_MAX_ENTRIES = 1000
ZIP_MAX_UNCOMPRESSED_SIZE = 50 * 1024 * 1024
# XML compresses well (10-20x is common); beyond this ratio on a large entry the archive is a bomb.
ZIP_MAX_RATIO = 100
ZIP_RATIO_CHECK_FROM = 1024 * 1024
# The parts we parse are XML; none of an ordinary document comes near this.
XML_MAX_BYTES = 20 * 1024 * 1024
XML_MAX_ELEMENTS = 1_000_000
OFFICE_MAX_SECONDS = 5.0
INFLATE_CHUNK = 256 * 1024

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
# A local file header: signature, version, flags, method, time, date, CRC-32, sizes, name and extra lengths.
LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
LOCAL_HEADER_SIGNATURE = b"PK\x03\x04"
ZIP64_MARKER = 0xFFFFFFFF

CORRUPT = _("Le fichier est endommagé : il ne peut pas être lu comme un document DOCX ou ODT.")
PROTECTED = _(
    "Ce document est protégé par un mot de passe : enregistrez-le sans protection (ou en PDF), puis "
    "envoyez-le."
)
ZIP_BOMB = _(
    "Ce document a une structure anormale (archive trop volumineuse une fois décompressée) : "
    "enregistrez-le à nouveau ou envoyez-le en PDF."
)
SIZES_LIE = _(
    "Ce document a une structure anormale (les tailles annoncées ne correspondent pas au contenu) : "
    "enregistrez-le à nouveau depuis votre traitement de texte ou envoyez-le en PDF."
)
DOCX_MACROS = _(
    "Ce document contient des macros : enregistrez-le au format DOCX sans macros (ou en PDF) puis "
    "envoyez-le à nouveau."
)
ODT_MACROS = _(
    "Ce document contient des macros : enregistrez-le sans macros (ou en PDF) puis envoyez-le à nouveau."
)
EMBEDDED_OBJECTS = _(
    "Ce document contient des objets intégrés (OLE, ActiveX, applets) qui peuvent exécuter du code. "
    "Retirez-les ou exportez votre document en PDF, puis envoyez-le."
)
EXTERNAL_CONTENT = _(
    "Ce document va chercher un modèle ou un contenu sur Internet ou sur un autre ordinateur à son "
    "ouverture. Enregistrez-le à nouveau comme document simple ou exportez-le en PDF, puis envoyez-le."
)
AUTOMATIC_ACTIONS = _(
    "Ce document contient des actions automatiques (scripts lancés à l'ouverture, champs qui lancent un "
    "programme). Exportez-le en PDF ou enregistrez-le sans ces éléments, puis envoyez-le."
)

# Relationship types (the last segment of their URI) that embed code or objects.
DOCX_EMBEDDING_RELATIONSHIPS = {
    "oleobject",
    "activex",
    "control",
    "activexcontrolbinary",
    "afchunk",
    "package",
}
DOCX_MACRO_RELATIONSHIPS = {"vbaproject", "wordvbadata", "keymapcustomizations"}
# The only relationship an ordinary document points outside with: a link the reader may click.
LINK_SCHEMES = {"http", "https", "mailto", "tel"}
# Field codes that run a program or pull content in when the document is opened or updated.
DOCX_ACTIVE_FIELDS = ("DDE", "DDEAUTO")
DOCX_FETCHING_FIELDS = ("INCLUDETEXT", "INCLUDEPICTURE", "IMPORT", "LINK")

ODT_EMBEDDING_ELEMENTS = {"object-ole", "applet", "plugin"}
ODT_LISTENER_ELEMENTS = {"event-listeners", "event-listener"}
# Elements whose xlink:href loads something when the document opens (unlike a text link, clicked).
ODT_LOADING_ELEMENTS = {
    "image",
    "object",
    "section-source",
    "floating-frame",
    "fill-image",
    "background-image",
}
MACRO_SCHEMES = ("vnd.sun.star.script:", "macro:", "javascript:", "vbscript:", "basic:")
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


class NotAnOfficeDocument(Exception):
    """A sound zip that is neither a DOCX nor an ODT (a spreadsheet, a plain archive...)."""


def check_office_document(upload) -> str:
    """ "docx" or "odt", or ValidationError saying why the package is refused, or NotAnOfficeDocument."""
    upload.seek(0)
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as error:
        raise ValidationError(CORRUPT, code="corrupt") from error
    deadline = time.monotonic() + OFFICE_MAX_SECONDS
    try:
        with archive:
            entries = archive.infolist()
            _check_package(upload, archive, entries, deadline)
            names = {entry.filename for entry in entries}
            if entries[0].filename == "mimetype":
                if _read_small(archive, "mimetype").strip() != ODT_MIMETYPE:
                    raise NotAnOfficeDocument
                _check_odt(archive, names, deadline)
                return "odt"
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                _check_docx(archive, names, deadline)
                return "docx"
            raise NotAnOfficeDocument
    finally:
        upload.seek(0)


# The package ---------------------------------------------------------------------------------------------


def _check_package(upload, archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], deadline: float) -> None:
    if not entries:
        raise ValidationError(CORRUPT, code="corrupt")
    if len(entries) > ZIP_MAX_ENTRIES:
        raise ValidationError(ZIP_BOMB, code="zip_bomb")
    if len({entry.filename for entry in entries}) != len(entries):
        # Two parts of one name: each program would read a different one.
        raise ValidationError(SIZES_LIE, code="zip_sizes")
    total = 0
    for entry in entries:
        total += entry.file_size
        if total > ZIP_MAX_UNCOMPRESSED_SIZE:
            raise ValidationError(ZIP_BOMB, code="zip_bomb")
        if entry.file_size > ZIP_RATIO_CHECK_FROM and entry.file_size > ZIP_MAX_RATIO * max(
            entry.compress_size, 1
        ):
            raise ValidationError(ZIP_BOMB, code="zip_bomb")
        if entry.flag_bits & 0x1:
            raise ValidationError(PROTECTED, code="encrypted")
        if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ValidationError(CORRUPT, code="corrupt")
    ordered = sorted(entries, key=lambda entry: entry.header_offset)
    ends = [entry.header_offset for entry in ordered[1:]] + [archive.start_dir]
    for entry, next_start in zip(ordered, ends, strict=True):
        data_start = _data_start(upload, entry)
        if data_start + entry.compress_size > next_start:
            # Entries sharing their compressed bytes: the overlapping-files bomb.
            raise ValidationError(SIZES_LIE, code="zip_sizes")
        _check_declared_size(upload, entry, data_start, deadline)


def _data_start(upload, entry: zipfile.ZipInfo) -> int:
    upload.seek(entry.header_offset)
    header = upload.read(LOCAL_HEADER.size)
    if len(header) != LOCAL_HEADER.size:
        raise ValidationError(CORRUPT, code="corrupt")
    signature, _v, _s, flags, method, _t, _d, crc, compress_size, file_size, name_length, extra_length = (
        LOCAL_HEADER.unpack(header)
    )
    if signature != LOCAL_HEADER_SIGNATURE or method != entry.compress_type:
        raise ValidationError(CORRUPT, code="corrupt")
    # Without a data descriptor (flag bit 3) the local header repeats the sizes: they must agree.
    if not flags & 0x8 and ZIP64_MARKER not in (compress_size, file_size):
        if (crc, compress_size, file_size) != (entry.CRC, entry.compress_size, entry.file_size):
            raise ValidationError(SIZES_LIE, code="zip_sizes")
    return entry.header_offset + LOCAL_HEADER.size + name_length + extra_length


def _check_declared_size(upload, entry: zipfile.ZipInfo, data_start: int, deadline: float) -> None:
    """Decompress the entry's bytes, never more than its declared size plus one byte, and compare."""
    upload.seek(data_start)
    remaining = entry.compress_size
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if entry.compress_type == zipfile.ZIP_DEFLATED else None
    produced = 0
    crc = 0
    while remaining > 0:
        if time.monotonic() > deadline:
            raise ValidationError(ZIP_BOMB, code="zip_bomb")
        chunk = upload.read(min(INFLATE_CHUNK, remaining))
        if not chunk:
            raise ValidationError(SIZES_LIE, code="zip_sizes")
        remaining -= len(chunk)
        if inflater is None:
            produced += len(chunk)
            crc = zlib.crc32(chunk, crc)
            continue
        while chunk:
            try:
                output = inflater.decompress(chunk, entry.file_size + 1 - produced)
            except zlib.error as error:
                raise ValidationError(CORRUPT, code="corrupt") from error
            produced += len(output)
            crc = zlib.crc32(output, crc)
            if produced > entry.file_size:
                raise ValidationError(SIZES_LIE, code="zip_sizes")
            chunk = inflater.unconsumed_tail
            if inflater.eof:
                break
    if inflater is not None and (not inflater.eof or inflater.unused_data or inflater.unconsumed_tail):
        raise ValidationError(SIZES_LIE, code="zip_sizes")
    if produced != entry.file_size or crc != entry.CRC:
        raise ValidationError(SIZES_LIE, code="zip_sizes")


def _read_small(archive: zipfile.ZipFile, name: str, limit: int = 1024) -> bytes:
    with _open(archive, name) as stream:
        return stream.read(limit)


def _open(archive: zipfile.ZipFile, name: str):
    try:
        return archive.open(name)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError, KeyError) as error:
        raise ValidationError(CORRUPT, code="corrupt") from error


class _Capped:
    """A read-only stream that refuses to give more than `limit` bytes."""

    def __init__(self, stream, limit: int):
        self.stream = stream
        self.left = limit

    def read(self, size: int = -1) -> bytes:
        size = self.left + 1 if size is None or size < 0 else min(size, self.left + 1)
        data = self.stream.read(size)
        self.left -= len(data)
        if self.left < 0:
            raise ValidationError(ZIP_BOMB, code="zip_bomb")
        return data


def _elements(archive: zipfile.ZipFile, name: str, deadline: float):
    """(local tag name, element) for each element of one XML part, in document order of their ends (so its
    text is there), parsed without DTDs or entities."""
    with _open(archive, name) as stream:
        try:
            for count, (_event, element) in enumerate(iterparse(_Capped(stream, XML_MAX_BYTES), ("end",))):
                if count > XML_MAX_ELEMENTS or (count % 1000 == 0 and time.monotonic() > deadline):
                    raise ValidationError(ZIP_BOMB, code="zip_bomb")
                yield element.tag.rpartition("}")[2], element
                # Seen: keep memory flat on a long part (the element stays in its parent, empty).
                element.clear()
        except (SyntaxError, DefusedXmlException, zipfile.BadZipFile, EOFError, zlib.error) as error:
            # ElementTree's ParseError is a SyntaxError; DefusedXmlException: a DTD or an entity.
            raise ValidationError(CORRUPT, code="corrupt") from error


# DOCX ----------------------------------------------------------------------------------------------------


def _check_docx(archive: zipfile.ZipFile, names: set[str], deadline: float) -> None:
    for name in names:
        lowered = name.lower()
        base = PurePosixPath(lowered).name
        if base in {"vbaproject.bin", "vbadata.xml"}:
            raise ValidationError(DOCX_MACROS, code="macros")
        if "/activex/" in lowered or "/embeddings/" in lowered or base.startswith("oleobject"):
            raise ValidationError(EMBEDDED_OBJECTS, code="embedded_objects")
    for tag, element in _elements(archive, "[Content_Types].xml", deadline):
        content_type = element.get("ContentType", "").lower()
        if tag in {"Default", "Override"}:
            if "macroenabled" in content_type or "vbaproject" in content_type:
                raise ValidationError(DOCX_MACROS, code="macros")
            if "activex" in content_type or "oleobject" in content_type:
                raise ValidationError(EMBEDDED_OBJECTS, code="embedded_objects")
    for name in sorted(names):
        if name.endswith(".rels"):
            _check_relationships(archive, name, deadline)
    field_code = ""
    for tag, element in _elements(archive, "word/document.xml", deadline):
        if tag == "instrText":
            # A field code may be split over several runs: DDEAUTO can arrive as "DD" + "EAUTO".
            field_code += element.text or ""
            _check_field_code(field_code)
        elif tag == "fldSimple":
            _check_field_code(
                element.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}instr", "")
            )
        elif tag == "fldChar":
            field_code = ""


def _check_relationships(archive: zipfile.ZipFile, name: str, deadline: float) -> None:
    for tag, element in _elements(archive, name, deadline):
        if tag != "Relationship":
            continue
        kind = element.get("Type", "").rstrip("/").rpartition("/")[2].lower()
        external = element.get("TargetMode", "").lower() == "external"
        if kind in DOCX_MACRO_RELATIONSHIPS:
            raise ValidationError(DOCX_MACROS, code="macros")
        if kind in DOCX_EMBEDDING_RELATIONSHIPS:
            raise ValidationError(EMBEDDED_OBJECTS, code="embedded_objects")
        if kind == "attachedtemplate":
            # Documents made from a template keep its local path (C:/Users/.../CV.dotx): Word looks for it and
            # moves on. A template on a server is fetched on opening: a remote template attack.
            if _is_remote(element.get("Target", "")):
                raise ValidationError(EXTERNAL_CONTENT, code="external_content")
            continue
        if kind == "subdocument":
            raise ValidationError(EXTERNAL_CONTENT, code="external_content")
        if external and not (kind == "hyperlink" and _is_link(element.get("Target", ""))):
            raise ValidationError(EXTERNAL_CONTENT, code="external_content")


def _is_link(target: str) -> bool:
    try:
        return urlsplit(target.strip()).scheme.lower() in LINK_SCHEMES
    except ValueError:
        return False


def _is_remote(target: str) -> bool:
    """A path on another machine: a URL with a host, or a Windows share (which leaks the reader's login)."""
    target = target.strip().replace("\\", "/")
    if target.startswith("//"):
        return True
    try:
        parts = urlsplit(target)
    except ValueError:
        return True
    scheme = parts.scheme.lower()
    if not scheme or len(scheme) == 1:  # a relative path, or a drive letter (C:/...)
        return False
    if scheme == "file":
        return parts.netloc.lower() not in ("", "localhost")
    return True


def _check_field_code(code: str) -> None:
    words = code.strip().upper().split()
    if not words:
        return
    if words[0] in DOCX_ACTIVE_FIELDS:
        raise ValidationError(AUTOMATIC_ACTIONS, code="automatic_actions")
    if words[0] in DOCX_FETCHING_FIELDS:
        raise ValidationError(EXTERNAL_CONTENT, code="external_content")


# ODT -----------------------------------------------------------------------------------------------------


def _check_odt(archive: zipfile.ZipFile, names: set[str], deadline: float) -> None:
    if any(name.startswith(("Basic/", "Scripts/")) for name in names):
        raise ValidationError(ODT_MACROS, code="macros")
    if "content.xml" not in names:
        raise ValidationError(CORRUPT, code="corrupt")
    if "META-INF/manifest.xml" in names:
        for tag, element in _elements(archive, "META-INF/manifest.xml", deadline):
            if tag == "encryption-data":
                raise ValidationError(PROTECTED, code="encrypted")
            media_type = (
                element.get("{urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}media-type") or ""
            ).lower()
            if "basic" in media_type or "script" in media_type:
                raise ValidationError(ODT_MACROS, code="macros")
    for part in ("content.xml", "styles.xml", "settings.xml", "meta.xml"):
        if part in names:
            _check_odf_part(archive, part, deadline)


def _check_odf_part(archive: zipfile.ZipFile, name: str, deadline: float) -> None:
    for tag, element in _elements(archive, name, deadline):
        if tag in ODT_LISTENER_ELEMENTS:
            raise ValidationError(AUTOMATIC_ACTIONS, code="automatic_actions")
        if tag == "script" and element.tag.startswith("{urn:oasis:names:tc:opendocument:xmlns:office"):
            raise ValidationError(ODT_MACROS, code="macros")
        if tag in ODT_EMBEDDING_ELEMENTS:
            raise ValidationError(EMBEDDED_OBJECTS, code="embedded_objects")
        href = (element.get(XLINK_HREF) or "").strip()
        if not href:
            continue
        if href.lower().startswith(MACRO_SCHEMES):
            raise ValidationError(ODT_MACROS, code="macros")
        if tag in ODT_LOADING_ELEMENTS and _points_outside(href):
            raise ValidationError(EXTERNAL_CONTENT, code="external_content")


def _points_outside(href: str) -> bool:
    """A reference that is not a part of the package (`Pictures/x.png`, `./Object 1`)."""
    if href.startswith(("/", "\\", "../")):
        return True
    try:
        return bool(urlsplit(href).scheme)
    except ValueError:
        return True
