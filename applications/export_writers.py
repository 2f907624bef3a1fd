"""Writing an export's rows to a file: CSV in two dialects, XLSX for people. No database, no HTTP.

Formula guard, CSV only. A CSV cell carries no type: a spreadsheet that opens it reads `=HYPERLINK(...)` or
`+33 6...` as a formula, so a text that would start one gets a leading single quote (OWASP's advice). In XLSX
every text is written as a string cell, which no spreadsheet evaluates: the text goes in as typed, with no
visible apostrophe (docs/exports.md).
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import batched
from typing import IO, Any

from django.utils import timezone

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# CSV lines joined into one piece of a streamed response.
CSV_LINES_PER_CHUNK = 500
CSV_BOM = "\ufeff"
# The line end csv.writer writes by default, and RFC 4180's.
CSV_LINE_END = "\r\n"
XLSX_SHEET_TITLE = "Candidatures"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel refuses a cell longer than this (a typed cover letter could be).
XLSX_MAX_CELL = 32_767
XLSX_DATE_FORMAT = "dd/mm/yyyy hh:mm"
# openpyxl keeps every hyperlink of a sheet in memory until the file is closed (~1.5 kB each): past this many,
# a link is written as its text (the same address, not clickable), so a large export's memory stays flat.
XLSX_MAX_LINKS = 5_000
# Column widths in characters: wide enough for most values, never the whole of a long letter.
XLSX_MIN_WIDTH, XLSX_MAX_WIDTH = 10, 50


class Link(str):
    """A URL that the XLSX writer makes clickable (in CSV, plain text)."""


@dataclass(frozen=True)
class CsvDialect:
    """One CSV flavour: its separator and whether the file starts with a byte order mark.

    `excel-fr`: `;` and a BOM. Excel in French (and Belgian) locales uses `,` as the decimal separator and `;`
    as the list separator: such a file opens straight into columns, accents intact, on a double click.
    `rfc4180`: `,` and no BOM, the standard form for other programs.
    """

    name: str
    delimiter: str
    bom: bool

    def text(self, text: str) -> str:
        """A text as a cell: neutralised, then quoted exactly as csv.writer (QUOTE_MINIMAL) quotes it.

        Writing the cells ourselves lets a line be a plain join (tests/applications/test_exports.py checks
        this against csv.writer). Plain `in` tests rather than a regular expression: this runs for several
        cells of every row, and nearly every cell needs nothing.
        """
        if text.startswith(DANGEROUS_PREFIXES):
            text = "'" + text
        if '"' in text or self.delimiter in text or "\n" in text or "\r" in text:
            return '"' + text.replace('"', '""') + '"'
        return text

    def texts(self, *texts: str) -> tuple[str, ...]:
        """text() of each; the texts themselves, unchanged, when none needs anything (nearly every row)."""
        delimiter = self.delimiter
        for text in texts:
            if (
                text.startswith(DANGEROUS_PREFIXES)
                or '"' in text
                or delimiter in text
                or "\n" in text
                or "\r" in text
            ):
                return tuple(map(self.text, texts))
        return texts

    def lines(self, header: Iterable[str], rows: Iterable[list[str]]) -> Iterator[str]:
        """The file as text chunks: the BOM if any, the header line, then rows of finished cells."""
        first = (CSV_BOM if self.bom else "") + self.delimiter.join(map(self.text, header)) + CSV_LINE_END
        yield first
        # Lines are sent in batches: one yield per line would cost more than formatting it.
        for batch in batched(rows, CSV_LINES_PER_CHUNK):
            yield "".join([self.delimiter.join(row) + CSV_LINE_END for row in batch])


EXCEL_FR = CsvDialect("excel-fr", ";", bom=True)
RFC4180 = CsvDialect("rfc4180", ",", bom=False)
CSV_DIALECTS = {dialect.name: dialect for dialect in (EXCEL_FR, RFC4180)}


def neutralise(text: str) -> str:
    """Make a text inert in a CSV file: one that would start a formula gets a leading single quote."""
    if text.startswith(DANGEROUS_PREFIXES):
        return "'" + text
    return text


def write_csv(header: Iterable[str], rows: Iterable[list[str]], stream: IO[str], dialect=EXCEL_FR) -> None:
    """Write the CSV to a text stream opened with newline="" (lines end with CSV_LINE_END as written)."""
    for chunk in dialect.lines(header, rows):
        stream.write(chunk)


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len("00/00/0000 00:00")
    return max((len(line) for line in str(value).splitlines()), default=0)


def write_xlsx(header: list[str], rows: Iterable[list[Any]], stream: IO[bytes]) -> None:
    """Write the XLSX with openpyxl's write-only mode: rows go to a temporary file, not to memory.

    A bold header row, frozen, with an autofilter; texts as text, dates as dates, links clickable. Column
    widths come from the header and the first rows (styles must be set before any row is written).
    """
    # Imported here: openpyxl takes ~0.1 s to import, which every process loading the admin would otherwise
    # pay at start-up for a format few of them write.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=XLSX_SHEET_TITLE)
    link_font = Font(color="0563C1", underline="single")
    links_left = XLSX_MAX_LINKS

    def cell(value: Any):
        nonlocal links_left
        if value is None or value == "":
            return None
        if isinstance(value, datetime):
            # Excel has no time zones: local (Europe/Paris) wall-clock time, as people read it.
            written = WriteOnlyCell(sheet, value=timezone.localtime(value).replace(tzinfo=None))
            written.number_format = XLSX_DATE_FORMAT
            return written
        text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:XLSX_MAX_CELL]
        written = WriteOnlyCell(sheet, value=text)
        # A string cell: never evaluated as a formula nor read as an error code, whatever it holds.
        written.data_type = "s"
        if isinstance(value, Link) and links_left > 0:
            links_left -= 1
            written.hyperlink = text
            written.font = link_font
        return written

    # The first rows decide the widths; they are then written like the rest.
    rows = iter(rows)
    first_rows = [row for _row, row in zip(range(50), rows, strict=False)]
    for index, title in enumerate(header, start=1):
        widest = max([len(title), *(_width(row[index - 1]) for row in first_rows)])
        width = min(max(widest + 2, XLSX_MIN_WIDTH), XLSX_MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}1"

    bold = Font(bold=True)
    titles = []
    for title in header:
        written = WriteOnlyCell(sheet, value=title)
        written.font = bold
        titles.append(written)
    sheet.append(titles)
    count = 0
    for row in first_rows:
        sheet.append([cell(value) for value in row])
        count += 1
    for row in rows:
        sheet.append([cell(value) for value in row])
        count += 1
    # The filter covers every row written (a filter over the header alone would do too, but Excel and
    # LibreOffice then guess the range).
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    workbook.save(stream)


def write_export(fmt: str, header: list[str], rows: Iterable[list[Any]], stream, *, dialect=EXCEL_FR) -> int:
    """Write `rows` (from `export_rows.rows_for(..., fmt)`) to `stream` (text for csv, binary for xlsx);
    return the number of rows."""
    count = 0

    def counted() -> Iterator[list[Any]]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    if fmt == "csv":
        write_csv(header, counted(), stream, dialect)
    elif fmt == "xlsx":
        write_xlsx(header, counted(), stream)
    else:
        raise ValueError(f"Unknown export format: {fmt!r}")
    return count
