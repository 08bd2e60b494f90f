"""Read and check the spreadsheet of school-level figures an LA admin uploads (CSV or Excel).

This module only reads the file and says, in words a person can act on, what is wrong with it and where;
mapping columns to indicators and writing to the database belong to the import. Every refusal names the
row as Excel numbers it (headings in row 1) and the column by its heading, so the admin can open the file,
go to the cell and fix it.
"""

import csv
import io
import logging
import math
import re
import zipfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

log = logging.getLogger(__name__)

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024

ACCEPTED = "a CSV file (.csv) or an Excel workbook (.xlsx)"
SAVE_AS_CSV_UTF8 = 'In Excel, choose File, Save As and the type "CSV UTF-8 (Comma delimited)", then upload the new file.'

# Every .xlsx is a zip archive; .xls files and password-protected workbooks are OLE2 compound files.
_ZIP_SIGNATURE = b"PK\x03\x04"
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_DELIMITERS = (",", ";", "\t")
_ROWS_TO_SNIFF = 50
_LAST_EXCEL_COLUMN = 16_384
# Bytes that were not UTF-8, kept by the "surrogateescape" error handler so we can find where they are.
_UNDECODABLE = re.compile("[\udc80-\udcff]")
_URN = re.compile(r"[0-9]{5,7}")
_NUMBER = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+")
# What publications and MIS exports put where there is no figure: refused, because the import cannot tell
# "suppressed" from "not applicable" from "zero", and a blank cell already means "no figure".
_NO_FIGURE_MARKERS = {
    "n/a", "na", "n.a.", "-", "--", "x", "c", "z", "u", ".", "..", ":", "*",
    "supp", "suppressed", "nil", "none", "null", "nan", "#n/a",
}


class SpreadsheetRefused(Exception):
    """A problem a person can fix, with where it is.

    ``row`` is the row number as Excel shows it (headings are row 1); ``column`` is the column's heading.
    """

    def __init__(self, message, row=None, column=None):
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column

    def __str__(self):
        return self.message


@dataclass
class Sheet:
    """The file's headings and rows as text: what the person sees, before anything is interpreted."""

    filename: str
    headers: list[str]
    rows: list[list[str]]

    def column_index(self, header: str) -> int:
        """Find a column by heading, ignoring case and spacing, which people change without meaning to."""
        wanted = _heading_key(header)
        for index, existing in enumerate(self.headers):
            if _heading_key(existing) == wanted:
                return index
        raise SpreadsheetRefused(_no_such_column(header, self.headers), column=header)

    def column(self, header: str) -> list[str]:
        """Every data row's cell under ``header``, in row order."""
        index = self.column_index(header)
        return [row[index] for row in self.rows]

    def row_number(self, index: int) -> int:
        """The row number Excel shows for ``rows[index]``: headings are row 1 and no row is skipped."""
        return index + 2


def read_sheet(filename: str, content: bytes) -> Sheet:
    """Read an uploaded file into a ``Sheet``, refusing anything the admin must fix before it can be imported.

    The kind of file is decided by its extension, then checked against the content, so a renamed file is
    refused with a message saying what it really is rather than a parser's error.
    """
    if len(content) > MAX_BYTES:
        raise SpreadsheetRefused(
            f"The file is {len(content) / 1024 / 1024:.1f} MB; the largest file we accept is {MAX_BYTES / 1024 / 1024:g} MB."
        )
    name = _base_name(filename)
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    if extension == "csv":
        rows = _csv_rows(name, content)
    elif extension == "xlsx":
        rows = _xlsx_rows(name, content)
    else:
        raise SpreadsheetRefused(
            f'Upload the figures as {ACCEPTED}; "{name}" is neither. In Excel, use Save As to save it as one of these.'
        )
    with closing(rows):
        return _sheet_from_rows(name, rows)


def parse_number(text: str) -> float | None:
    """Read a figure the way a person typed it: '94.1%', '1,234', '£1,234.50', '(1,200)' for -1200.

    A blank cell is ``None`` (no figure). Anything else that is not plainly a number raises ``ValueError``
    with a short reason, so the caller can name the row and column: guessing would import wrong figures.
    """
    stripped = text.strip()
    if not stripped:
        return None
    body, negative = stripped, False
    if body.startswith("(") and body.endswith(")"):
        body, negative = body[1:-1].strip(), True
    elif body[0] in "+-\u2212":
        body, negative = body[1:].lstrip(), body[0] != "+"
    if body.startswith("£"):
        body = body[1:].lstrip()
    elif body.endswith("%"):
        body = body[:-1].rstrip()
    if not _NUMBER.fullmatch(body):
        raise ValueError(_why_not_a_number(stripped))
    value = float(body.replace(",", ""))
    return (-value if negative else value) or 0.0  # no -0.0


def check_urns(sheet: Sheet, urn_column: str) -> dict[int, int]:
    """Map each school's URN to its row index, refusing blanks, malformed URNs and a school listed twice.

    Every figure is matched to a school by URN, so one bad URN would put figures on the wrong school or
    none. Completely empty rows between schools are skipped: they hold nothing to import.
    """
    index = sheet.column_index(urn_column)
    header = sheet.headers[index]
    found: dict[int, int] = {}
    for row_index, row in enumerate(sheet.rows):
        if not any(row):
            continue
        row_number = sheet.row_number(row_index)
        urn = _urn(row[index], row_number, header)
        if urn in found:
            raise SpreadsheetRefused(
                f"{_where(row_number, header)}: URN {urn} is also on row {sheet.row_number(found[urn])}. "
                "Each school can only have one row.",
                row=row_number,
                column=header,
            )
        found[urn] = row_index
    return found


def numbers_in(sheet: Sheet, urn_column: str, columns: list[str]) -> dict[int, dict[str, float | None]]:
    """The chosen columns' figures for each school, ``{urn: {column: value}}``; a blank cell is ``None``.

    All or nothing: the first cell that is not a number refuses the whole file, so an import never
    leaves some schools updated and others not.
    """
    indexes = {column: sheet.column_index(column) for column in columns}
    figures: dict[int, dict[str, float | None]] = {}
    for urn, row_index in check_urns(sheet, urn_column).items():
        row = sheet.rows[row_index]
        figures[urn] = {column: _number_at(sheet, row_index, index, row[index]) for column, index in indexes.items()}
    return figures


# Building the sheet


def _sheet_from_rows(filename: str, rows: Iterator[list[str]]) -> Sheet:
    """Turn raw rows (headings first) into a ``Sheet``: the checks are the same for CSV and Excel.

    Rows are taken one at a time so a huge file is refused as soon as it passes ``MAX_ROWS``, without
    holding it all. Empty rows between figures are kept so row numbers stay those Excel shows; empty rows
    after the last figures are dropped (Excel leaves formatted empty rows behind).
    """
    raw_headers = [cell.strip() for cell in next(rows, [])]
    kept = [index for index, heading in enumerate(raw_headers) if heading]
    headers = [raw_headers[index] for index in kept]
    _refuse_duplicate_headings(headers, kept)
    data: list[list[str]] = []
    empty_run = 0
    for position, cells in enumerate(rows, start=1):
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            empty_run += 1
            if position > 2 * MAX_ROWS:
                raise SpreadsheetRefused(_too_many_rows(counting_empty=True))
            continue
        if position > MAX_ROWS:
            raise SpreadsheetRefused(_too_many_rows(counting_empty=False))
        _refuse_figures_without_heading(cells, raw_headers, row_number=position + 1)
        data.extend([""] * len(headers) for _ in range(empty_run))
        empty_run = 0
        data.append([cells[index] if index < len(cells) else "" for index in kept])
    if not data:
        raise SpreadsheetRefused(
            "The file has no rows of figures under its headings. Put the headings in row 1 and one row for each school under them."
        )
    return Sheet(filename=filename, headers=headers, rows=data)


def _refuse_duplicate_headings(headers: list[str], columns: list[int]) -> None:
    """Two columns with one heading cannot be told apart when the admin maps columns to indicators."""
    positions: dict[str, list[int]] = {}
    first_heading: dict[str, str] = {}
    for heading, column in zip(headers, columns, strict=True):
        key = _heading_key(heading)
        positions.setdefault(key, []).append(column + 1)
        first_heading.setdefault(key, heading)
    repeated = [key for key, found in positions.items() if len(found) > 1]
    if not repeated:
        return
    described = "; ".join(
        f'"{first_heading[key]}" (columns {", ".join(_column_name(number) for number in positions[key])})' for key in repeated
    )
    raise SpreadsheetRefused(
        f"More than one column has the same heading: {described}. Give each column its own heading in row 1.",
        row=1,
        column=first_heading[repeated[0]],
    )


def _refuse_figures_without_heading(cells: list[str], raw_headers: list[str], row_number: int) -> None:
    """Figures in a column with no heading cannot be mapped to anything; an empty, unheaded column is ignored."""
    for index, cell in enumerate(cells):
        if cell and (index >= len(raw_headers) or not raw_headers[index]):
            raise SpreadsheetRefused(
                f'Column {_column_name(index + 1)} has no heading in row 1, but row {row_number} has "{_shorten(cell)}" in it. '
                "Give the column a heading, or delete it.",
                row=row_number,
            )


def _too_many_rows(counting_empty: bool) -> str:
    if counting_empty:
        return (
            f"The file goes on for more than {2 * MAX_ROWS:,} rows, counting empty ones; one file can have at most "
            f"{MAX_ROWS:,} rows of figures. Delete the empty rows under the figures, or split the file."
        )
    return (
        f"The file has more than {MAX_ROWS:,} rows of figures; one file can have at most {MAX_ROWS:,}. "
        "Split it into smaller files and upload each one."
    )


# CSV


def _csv_rows(filename: str, content: bytes) -> Iterator[list[str]]:
    """Rows of a CSV file saved by Excel or a MIS: UTF-8 (with or without a byte order mark), comma, semicolon or tab."""
    _refuse_workbook_named_csv(filename, content)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _not_utf8(content) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    row_number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise SpreadsheetRefused(
                f"Row {row_number + 1} could not be read as CSV, so the file may not be a CSV file. {SAVE_AS_CSV_UTF8}",
                row=row_number + 1,
            ) from None
        row_number += 1
        yield cells


def _refuse_workbook_named_csv(filename: str, content: bytes) -> None:
    if content.startswith(_ZIP_SIGNATURE):
        raise SpreadsheetRefused(
            f'"{filename}" is an Excel workbook, not a CSV file. Rename it to end in .xlsx and upload it again.'
        )
    if content.startswith(_OLE2_SIGNATURE):
        raise SpreadsheetRefused(f'"{filename}" is an older Excel file (.xls), not a CSV file. {SAVE_AS_CSV_UTF8}')


def _not_utf8(content: bytes) -> SpreadsheetRefused:
    """Find the first row holding bytes that are not UTF-8 (usually a Windows-1252 'é' or '£') and say how to fix it."""
    text = content.decode("utf-8-sig", errors="surrogateescape")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    headers: list[str] = []
    try:
        for row_number, cells in enumerate(reader, start=1):
            if row_number == 1:
                headers = [cell.strip() for cell in cells]
            for index, cell in enumerate(cells):
                if _UNDECODABLE.search(cell):
                    column = headers[index] if row_number > 1 and index < len(headers) and headers[index] else None
                    shown = cell.strip().encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                    return SpreadsheetRefused(
                        f'{_where(row_number, column)}: "{_shorten(shown)}" is not saved as UTF-8 text. {SAVE_AS_CSV_UTF8}',
                        row=row_number,
                        column=column,
                    )
    except csv.Error:
        pass
    return SpreadsheetRefused(f"The file is not saved as UTF-8 text. {SAVE_AS_CSV_UTF8}")


def _delimiter(text: str) -> str:
    """Pick the separator: Excel writes ';' where the comma is the decimal mark, and tabs for 'Text (Tab delimited)'.

    The one that splits the heading row into the most columns and gives every row that many wins; a
    one-column file has none, so ',' is as good as any. (csv.Sniffer guesses oddly on short files and
    fails on one-column ones.)
    """
    best, best_score = ",", (False, 1)
    for delimiter in _DELIMITERS:
        try:
            records = [row for row in _first_records(text, delimiter) if any(cell.strip() for cell in row)]
        except csv.Error:
            continue
        if not records or len(records[0]) < 2:
            continue
        score = (all(len(row) == len(records[0]) for row in records), len(records[0]))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _first_records(text: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [row for _, row in zip(range(_ROWS_TO_SNIFF), reader)]


# Excel


def _xlsx_rows(filename: str, content: bytes) -> Iterator[list[str]]:
    """Rows of the workbook's first worksheet as text, streamed so a huge sheet is never held in memory.

    Cached values are read (``data_only``), so a formula cell gives the figure Excel last showed.
    """
    _refuse_not_a_workbook(filename, content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file; all mean "cannot open it"
        log.info("Could not open uploaded workbook %r", filename, exc_info=True)
        raise SpreadsheetRefused(_cannot_open(filename)) from None
    try:
        if not workbook.worksheets:
            raise SpreadsheetRefused(f'"{filename}" has no worksheets. Put the figures on the first worksheet.')
        worksheet = workbook.worksheets[0]
        # The stored size can be wrong (some programs write "A1"), and read-only mode would stop there.
        worksheet.reset_dimensions()
        for cells in worksheet.iter_rows():
            yield [_cell_text(cell) for cell in cells]
    except SpreadsheetRefused:
        raise
    except Exception:
        log.info("Could not read uploaded workbook %r", filename, exc_info=True)
        raise SpreadsheetRefused(_cannot_open(filename)) from None
    finally:
        workbook.close()


def _refuse_not_a_workbook(filename: str, content: bytes) -> None:
    if content.startswith(_OLE2_SIGNATURE):
        raise SpreadsheetRefused(
            f'"{filename}" is an older Excel file (.xls) or is protected by a password. Open it in Excel, remove any '
            'password, and save it as "Excel Workbook (.xlsx)".'
        )
    if not content.startswith(_ZIP_SIGNATURE) or not zipfile.is_zipfile(io.BytesIO(content)):
        raise SpreadsheetRefused(
            f'"{filename}" is not an Excel workbook, although its name ends in .xlsx. Open it in Excel and save it as '
            f'"Excel Workbook (.xlsx)", or upload it as a CSV file with a name ending in .csv.'
        )


def _cannot_open(filename: str) -> str:
    return f'"{filename}" could not be opened as an Excel workbook. Open it in Excel and save it again as "Excel Workbook (.xlsx)".'


def _cell_text(cell) -> str:
    """A cell as the person sees it: 12 not 12.0, 94.1 not 94.10000000000001, 94.1% for a percentage-formatted 0.941."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        if _is_percentage(cell.number_format):
            return f"{_number_text(value * 100)}%"
        return _number_text(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def _number_text(value: int | float) -> str:
    """Excel keeps 15 significant digits; showing more would turn 0.1 + 0.2 into 0.30000000000000004."""
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    return format(Decimal(format(value, ".15g")), "f")


def _is_percentage(number_format: str) -> bool:
    """A % outside quotes multiplies the shown value by 100; a quoted or escaped one is just text."""
    return "%" in re.sub(r'"[^"]*"|\\.', "", number_format or "")


# Small helpers


def _urn(text: str, row_number: int, header: str) -> int:
    if not text:
        raise SpreadsheetRefused(
            f"{_where(row_number, header)}: the URN is missing. Enter the school's URN, or delete the row.",
            row=row_number,
            column=header,
        )
    if not _URN.fullmatch(text):
        raise SpreadsheetRefused(
            f'{_where(row_number, header)}: "{_shorten(text)}" is not a URN. A URN is a whole number of 5 to 7 digits, such as 123456.',
            row=row_number,
            column=header,
        )
    return int(text)


def _number_at(sheet: Sheet, row_index: int, column_index: int, text: str) -> float | None:
    try:
        return parse_number(text)
    except ValueError as error:
        row_number, header = sheet.row_number(row_index), sheet.headers[column_index]
        raise SpreadsheetRefused(f"{_where(row_number, header)}: {error}", row=row_number, column=header) from None


def _why_not_a_number(text: str) -> str:
    quoted = f'"{_shorten(text)}" is not a number'
    if text.lower() in _NO_FIGURE_MARKERS or not any(character.isdigit() for character in text):
        return f"{quoted}: leave the cell empty if there is no figure"
    if re.fullmatch(r"[-+(£\s]*[0-9][0-9,.]*[%)\s]*", text) and "," in text:
        return f"{quoted}: use commas only between thousands (1,234) and a full stop for decimals (94.1)"
    return quoted


def _where(row_number: int, column: str | None) -> str:
    return f'Row {row_number}, column "{column}"' if column else f"Row {row_number}"


def _no_such_column(header: str, headers: list[str]) -> str:
    listed = ", ".join(f'"{heading}"' for heading in headers[:12]) + (", …" if len(headers) > 12 else "")
    return f'There is no column called "{header}" in the file. Its headings are: {listed}.'


def _heading_key(heading: str) -> str:
    return " ".join(heading.split()).casefold()


def _column_name(number: int) -> str:
    """Column 4 (D): the number for a CSV opened in a text editor, the letter Excel shows (it has none past XFD)."""
    return f"{number} ({get_column_letter(number)})" if number <= _LAST_EXCEL_COLUMN else str(number)


def _base_name(filename: str) -> str:
    """Browsers may send a path (old Internet Explorer sent C:\\...); messages should name just the file."""
    return re.split(r"[\\/]", filename or "")[-1]


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else f"{text[: limit - 1]}…"
