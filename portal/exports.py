"""Downloads of a table exactly as filtered on the page: CSV and XLSX, with the filters named in the file.

Both start with the table's title, when it was made and the filters used, then a blank row, then the columns:
whoever opens the file later can tell what it shows.
"""

import csv
import io
import re

from flask import Response
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from portal import clock

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _preamble(title, filters):
    made = clock.as_london(clock.now()).strftime("%d %B %Y at %H:%M")
    described = "; ".join(f"{label}: {value}" for label, value in filters) or "none (every row)"
    return [[title], [f"Made {made}"], [f"Filters: {described}"], []]


def _filename(title, extension):
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "export"
    return f"{slug}-{clock.today().isoformat()}.{extension}"


def _cell(value):
    """Text a spreadsheet will not run as a formula (a cell starting with = + - @ is a formula in Excel)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _xlsx_cell(value):
    """A cell openpyxl can write: control characters (which a search box can carry) are not allowed in XLSX."""
    value = _cell(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def csv_response(title, filters, columns, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(_preamble(title, filters))
    writer.writerow(columns)
    writer.writerows([[_cell(value) for value in row] for row in rows])
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",  # the BOM tells Excel it is UTF-8
                    headers={"Content-Disposition": f'attachment; filename="{_filename(title, "csv")}"',
                             "Cache-Control": "no-store"})


def xlsx_response(title, filters, columns, rows):
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31] or "Export")
    for line in _preamble(title, filters):
        sheet.append([_xlsx_cell(value) for value in line])
    sheet.append(columns)
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(buffer.getvalue(), mimetype=XLSX_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{_filename(title, "xlsx")}"',
                             "Cache-Control": "no-store"})


def table_response(kind, title, filters, columns, rows):
    """``kind`` "csv" or "xlsx"; ``rows`` plain values (text, numbers, dates)."""
    return (xlsx_response if kind == "xlsx" else csv_response)(title, filters, columns, rows)


def filters_in_words(args, fields, default_sort="name"):
    """[(label, value in words)] of the filters in use, for a download's heading.

    ``fields``: [(name, label, [(value, text)])]; a value without options (a search) is shown as typed, and the
    default sort is not worth saying."""
    named = []
    for name, label, options in fields:
        value = args.get(name, "")
        if not value or (name == "sort" and value == default_sort):
            continue
        named.append((label, dict(options).get(value, value)))
    return named
