"""Reading and checking the LA's spreadsheet of school figures: what is read, and what a person is told to fix."""

import csv
import io
import time
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from portal.categories import spreadsheet
from portal.categories.spreadsheet import (
    MAX_BYTES,
    MAX_ROWS,
    SpreadsheetRefused,
    check_urns,
    numbers_in,
    parse_number,
    read_sheet,
)

GOOD_ROWS = [
    ["URN", "School", "Attendance %", "Suspensions"],
    ["100001", "Abbey Primary", "94.1", "3"],
    ["100002", "Brook Academy", "95.2%", ""],
    ["100003", "Castle School", "1,234", "0"],
]


def csv_bytes(rows, delimiter=",", encoding="utf-8"):
    """A CSV file as Excel would write it, in the given encoding."""
    text = io.StringIO(newline="")
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode(encoding)


def xlsx_bytes(rows, number_formats=None):
    """A one-sheet workbook; ``number_formats`` maps a cell ("C2") to its Excel number format."""
    workbook = Workbook()
    worksheet = workbook.active
    for row in rows:
        worksheet.append(row)
    for coordinate, number_format in (number_formats or {}).items():
        worksheet[coordinate].number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def refusal(filename, content):
    with pytest.raises(SpreadsheetRefused) as caught:
        read_sheet(filename, content)
    return caught.value


def sheet_of(rows):
    return read_sheet("figures.csv", csv_bytes(rows))


# CSV


def test_a_good_csv_is_read_as_stripped_text_with_excel_row_numbers():
    rows = [*GOOD_ROWS, ["100004", " Dale Infants ", " 96 "], ["", "", "", ""], [""]]

    sheet = read_sheet("figures.csv", csv_bytes(rows))

    assert sheet.filename == "figures.csv"
    assert sheet.headers == ["URN", "School", "Attendance %", "Suspensions"]
    assert sheet.rows[-1] == ["100004", "Dale Infants", "96", ""]  # short row padded, blank rows at the end dropped
    assert len(sheet.rows) == 4
    assert sheet.column("Attendance %") == ["94.1", "95.2%", "1,234", "96"]
    assert sheet.column("attendance  %") == sheet.column("Attendance %")  # case and spacing are not the person's intent
    assert sheet.row_number(0) == 2


def test_an_empty_row_between_schools_is_kept_so_row_numbers_match_excel():
    sheet = sheet_of([["URN", "Attendance %"], ["100001", "94"], [], ["100002", "bad"]])

    assert sheet.rows[1] == ["", ""]
    assert check_urns(sheet, "URN") == {100001: 0, 100002: 2}
    with pytest.raises(SpreadsheetRefused) as caught:
        numbers_in(sheet, "URN", ["Attendance %"])
    assert caught.value.row == 4


def test_a_csv_with_a_byte_order_mark_reads_its_first_heading_cleanly():
    sheet = read_sheet("figures.csv", csv_bytes(GOOD_ROWS, encoding="utf-8-sig"))

    assert sheet.headers[0] == "URN"
    assert check_urns(sheet, "URN") == {100001: 0, 100002: 1, 100003: 2}


def test_a_semicolon_csv_with_decimal_commas_splits_on_semicolons():
    sheet = read_sheet("figures.csv", csv_bytes([["URN", "Attendance %"], ["100001", "94,1"], ["100002", "95,5"]], delimiter=";"))

    assert sheet.headers == ["URN", "Attendance %"]
    assert sheet.column("Attendance %") == ["94,1", "95,5"]
    with pytest.raises(SpreadsheetRefused, match="full stop for decimals"):  # never read as 941
        numbers_in(sheet, "URN", ["Attendance %"])


def test_a_tab_separated_file_is_read():
    sheet = read_sheet("figures.csv", csv_bytes(GOOD_ROWS, delimiter="\t"))

    assert sheet.headers == GOOD_ROWS[0]
    assert sheet.rows[0] == GOOD_ROWS[1]


def test_a_comma_inside_quotes_does_not_split_the_cell():
    sheet = sheet_of([["URN", "School", "Spend"], ["100001", "St Mary's, Reading", "1,234"]])

    assert sheet.rows == [["100001", "St Mary's, Reading", "1,234"]]


def test_a_windows_1252_csv_is_refused_naming_the_row_and_how_to_save_it():
    rows = [["URN", "School"], ["100001", "Abbey"], ["100002", "Café Lane Primary"]]

    refused = refusal("figures.csv", csv_bytes(rows, encoding="cp1252"))

    assert refused.row == 3
    assert refused.column == "School"
    assert refused.message.startswith('Row 3, column "School": "Caf\ufffd Lane Primary" is not saved as UTF-8 text.')
    assert '"CSV UTF-8 (Comma delimited)"' in refused.message


def test_an_excel_workbook_named_csv_is_refused_saying_what_it_is():
    refused = refusal("figures.csv", xlsx_bytes(GOOD_ROWS))

    assert refused.message.startswith('"figures.csv" is an Excel workbook, not a CSV file.')


# Excel


def test_a_good_workbook_gives_cells_as_the_person_sees_them():
    rows = [
        ["URN", "Attendance %", "Persistent absence", "Spend", "Inspected", "Pupils", "Note"],
        [100001, 0.941, "12.5%", 1234.5, datetime(2026, 3, 4), 210, None],
        [100002, 0.95, 94.10, 1200.0, date(2025, 11, 20), 0.1 + 0.2, "  late  "],
    ]
    content = xlsx_bytes(rows, number_formats={"B2": "0.0%", "B3": "0%"})

    sheet = read_sheet("figures.xlsx", content)

    assert sheet.headers == rows[0]
    assert sheet.rows == [
        ["100001", "94.1%", "12.5%", "1234.5", "2026-03-04", "210", ""],
        ["100002", "95%", "94.1", "1200", "2025-11-20", "0.3", "late"],
    ]
    assert numbers_in(sheet, "URN", ["Attendance %", "Persistent absence", "Spend"]) == {
        100001: {"Attendance %": 94.1, "Persistent absence": 12.5, "Spend": 1234.5},
        100002: {"Attendance %": 95.0, "Persistent absence": 94.1, "Spend": 1200.0},
    }


def test_the_first_worksheet_is_read_even_when_another_is_active():
    workbook = Workbook()
    workbook.active.append(["URN", "Attendance %"])
    workbook.active.append([100001, 94])
    other = workbook.create_sheet("Notes")
    other.append(["not the figures"])
    workbook.active = 1
    buffer = io.BytesIO()
    workbook.save(buffer)

    sheet = read_sheet("figures.xlsx", buffer.getvalue())

    assert sheet.headers == ["URN", "Attendance %"]


def test_a_text_file_renamed_to_xlsx_is_refused_clearly():
    refused = refusal("figures.xlsx", csv_bytes(GOOD_ROWS))

    assert refused.message.startswith('"figures.xlsx" is not an Excel workbook, although its name ends in .xlsx.')


def test_a_zip_that_is_not_a_workbook_is_refused_clearly():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")

    refused = refusal("figures.xlsx", buffer.getvalue())

    assert refused.message.startswith('"figures.xlsx" could not be opened as an Excel workbook.')


def test_an_old_xls_or_password_protected_workbook_is_refused_saying_so():
    refused = refusal("figures.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)

    assert "older Excel file (.xls) or is protected by a password" in refused.message


# What the file as a whole must be


@pytest.mark.parametrize("filename", ["figures.txt", "figures.xls", "figures.ods", "figures", "figures.csv.exe"])
def test_other_kinds_of_file_are_refused_listing_what_is_accepted(filename):
    refused = refusal(filename, csv_bytes(GOOD_ROWS))

    assert refused.message.startswith(f'Upload the figures as a CSV file (.csv) or an Excel workbook (.xlsx); "{filename}" is neither.')


def test_a_path_sent_by_the_browser_is_not_repeated_in_messages():
    refused = refusal("C:\\fakepath\\figures.txt", b"URN")

    assert '"figures.txt" is neither' in refused.message


def test_the_extension_is_read_whatever_its_case():
    assert read_sheet("Figures.CSV", csv_bytes(GOOD_ROWS)).headers == GOOD_ROWS[0]


@pytest.mark.parametrize(
    "filename, content",
    [
        ("empty.csv", b""),
        ("headings.csv", csv_bytes([GOOD_ROWS[0]])),
        ("headings.csv", csv_bytes([GOOD_ROWS[0], [], ["", ""]])),
        ("empty.xlsx", xlsx_bytes([])),
        ("headings.xlsx", xlsx_bytes([GOOD_ROWS[0]])),
    ],
)
def test_a_file_without_rows_of_figures_is_refused(filename, content):
    refused = refusal(filename, content)

    assert refused.message.startswith("The file has no rows of figures under its headings.")


def test_repeated_headings_are_refused_naming_them():
    refused = refusal("figures.csv", csv_bytes([["URN", "Attendance %", "Spend", "attendance %"], ["100001", "1", "2", "3"]]))

    assert refused.message == (
        'More than one column has the same heading: "Attendance %" (columns 2 (B), 4 (D)). '
        "Give each column its own heading in row 1."
    )
    assert (refused.row, refused.column) == (1, "Attendance %")


def test_figures_under_a_blank_heading_are_refused_naming_the_column_and_row():
    refused = refusal("figures.csv", csv_bytes([["URN", "Attendance %", "", "Spend"], ["100001", "94", "", "5"], ["100002", "95", "7", "6"]]))

    assert refused.message.startswith('Column 3 (C) has no heading in row 1, but row 3 has "7" in it.')
    assert refused.row == 3


def test_figures_past_the_last_heading_are_refused():
    refused = refusal("figures.csv", csv_bytes([["URN", "Attendance %"], ["100001", "94", "extra"]]))

    assert refused.message.startswith('Column 3 (C) has no heading in row 1, but row 2 has "extra" in it.')


def test_an_empty_column_with_no_heading_is_ignored():
    sheet = sheet_of([["URN", "", "Spend"], ["100001", "", "5"]])

    assert sheet.headers == ["URN", "Spend"]
    assert sheet.rows == [["100001", "5"]]


def test_a_file_over_the_size_limit_is_refused():
    refused = refusal("figures.csv", b"1" * (MAX_BYTES + 1))

    assert "the largest file we accept is 10 MB" in refused.message


def test_the_row_limit_itself_is_allowed_and_one_more_is_refused():
    rows = [["URN", "Attendance %"]] + [[str(100000 + number), "94"] for number in range(MAX_ROWS)]

    assert len(read_sheet("figures.csv", csv_bytes(rows)).rows) == MAX_ROWS
    refused = refusal("figures.csv", csv_bytes([*rows, ["999999", "1"]]))
    assert refused.message.startswith(f"The file has more than {MAX_ROWS:,} rows of figures; one file can have at most {MAX_ROWS:,}.")


def test_a_100000_row_csv_is_refused_quickly():
    content = "URN,Attendance %\r\n".encode() + b"".join(f"{100000 + number},94.1\r\n".encode() for number in range(100_000))
    started = time.perf_counter()

    refused = refusal("figures.csv", content)

    assert time.perf_counter() - started < 2
    assert "more than 20,000 rows of figures" in refused.message


def test_a_100000_row_workbook_is_refused_without_reading_it_all(monkeypatch):
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet()
    worksheet.append(["URN"])
    for number in range(100_000):
        worksheet.append([100000 + number])
    buffer = io.BytesIO()
    workbook.save(buffer)
    cells_read = []
    monkeypatch.setattr(spreadsheet, "_cell_text", lambda cell: cells_read.append(1) or str(cell.value))

    refused = refusal("figures.xlsx", buffer.getvalue())

    assert "more than 20,000 rows of figures" in refused.message
    assert len(cells_read) == MAX_ROWS + 2  # the headings, the allowed rows and the one too many: no further


def test_a_sea_of_empty_rows_is_not_read_for_ever():
    content = b"URN,Spend\r\n100001,5\r\n" + b",\r\n" * (2 * MAX_ROWS + 1) + b"100002,6\r\n"

    refused = refusal("figures.csv", content)

    assert "counting empty ones" in refused.message


# URNs


def test_a_missing_urn_column_is_refused_listing_the_headings():
    sheet = sheet_of([["School", "Attendance %"], ["Abbey", "94"]])

    with pytest.raises(SpreadsheetRefused) as caught:
        check_urns(sheet, "URN")

    assert caught.value.message == 'There is no column called "URN" in the file. Its headings are: "School", "Attendance %".'
    assert caught.value.column == "URN"


def test_a_school_listed_twice_is_refused_naming_both_rows():
    sheet = sheet_of([["URN", "Attendance %"], ["123456", "94"], ["100002", "95"], ["123456", "96"]])

    with pytest.raises(SpreadsheetRefused) as caught:
        check_urns(sheet, "URN")

    assert caught.value.message.startswith('Row 4, column "URN": URN 123456 is also on row 2.')
    assert (caught.value.row, caught.value.column) == (4, "URN")


def test_a_blank_urn_is_refused_naming_the_row():
    sheet = sheet_of([["URN", "Attendance %"], ["100001", "94"], ["", "95"]])

    with pytest.raises(SpreadsheetRefused) as caught:
        check_urns(sheet, "urn")

    assert caught.value.message.startswith('Row 3, column "URN": the URN is missing.')
    assert (caught.value.row, caught.value.column) == (3, "URN")


@pytest.mark.parametrize("urn", ["1234", "12345678", "12345A", "123456.5", "-123456", "１２３４５６"])
def test_a_urn_that_is_not_5_to_7_digits_is_refused(urn):
    sheet = sheet_of([["URN", "Attendance %"], [urn, "94"]])

    with pytest.raises(SpreadsheetRefused) as caught:
        check_urns(sheet, "URN")

    assert caught.value.message.startswith(f'Row 2, column "URN": "{urn}" is not a URN.')


def test_urns_of_5_6_and_7_digits_are_accepted():
    sheet = sheet_of([["URN"], ["12345"], ["123456"], ["1234567"]])

    assert check_urns(sheet, "URN") == {12345: 0, 123456: 1, 1234567: 2}


# Figures


def test_figures_come_back_per_school_with_blanks_as_none():
    sheet = sheet_of(GOOD_ROWS)

    assert numbers_in(sheet, "URN", ["Attendance %", "Suspensions"]) == {
        100001: {"Attendance %": 94.1, "Suspensions": 3.0},
        100002: {"Attendance %": 95.2, "Suspensions": None},
        100003: {"Attendance %": 1234.0, "Suspensions": 0.0},
    }


def test_stray_text_in_a_figure_is_refused_naming_row_and_column_and_quoting_the_cell():
    sheet = sheet_of([["URN", "Attendance %"], ["100001", "94"], ["100002", "94.1%x"], ["100003", "n/a"]])

    with pytest.raises(SpreadsheetRefused) as caught:
        numbers_in(sheet, "URN", ["Attendance %"])

    assert caught.value.message == 'Row 3, column "Attendance %": "94.1%x" is not a number'
    assert (caught.value.row, caught.value.column) == (3, "Attendance %")


def test_a_chosen_column_that_is_not_in_the_file_is_refused():
    with pytest.raises(SpreadsheetRefused) as caught:
        numbers_in(sheet_of(GOOD_ROWS), "URN", ["Attendance %", "Exclusions"])

    assert caught.value.message.startswith('There is no column called "Exclusions" in the file.')


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", None),
        ("   ", None),
        ("94.1", 94.1),
        (" 94.1 ", 94.1),
        ("94.1%", 94.1),
        ("94.1 %", 94.1),
        ("1,234", 1234.0),
        ("1,234,567.5", 1234567.5),
        ("£1,234.50", 1234.5),
        ("-£3", -3.0),
        ("-3", -3.0),
        ("+3", 3.0),
        ("(1,200)", -1200.0),
        ("(£1,200.00)", -1200.0),
        ("0", 0.0),
        ("-0", 0.0),
        (".5", 0.5),
        ("12", 12.0),
    ],
)
def test_parse_number_reads_figures_as_people_type_them(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    "text, reason",
    [
        ("94.1x", '"94.1x" is not a number'),
        ("12 pupils", '"12 pupils" is not a number'),
        ("n/a", '"n/a" is not a number: leave the cell empty if there is no figure'),
        ("-", '"-" is not a number: leave the cell empty if there is no figure'),
        ("x", '"x" is not a number: leave the cell empty if there is no figure'),
        ("supp", '"supp" is not a number: leave the cell empty if there is no figure'),
        ("c", '"c" is not a number: leave the cell empty if there is no figure'),
        ("94,1", '"94,1" is not a number: use commas only between thousands'),
        ("1,23,456", '"1,23,456" is not a number: use commas only between thousands'),
        ("nan", '"nan" is not a number'),
        ("inf", '"inf" is not a number'),
        ("1e5", '"1e5" is not a number'),
        ("£12%", '"£12%" is not a number'),
        ("(-3)", '"(-3)" is not a number'),
        ("--3", '"--3" is not a number'),
        ("1 234", '"1 234" is not a number'),
        ("#DIV/0!", '"#DIV/0!" is not a number'),
    ],
)
def test_parse_number_refuses_anything_else_with_a_reason(text, reason):
    with pytest.raises(ValueError) as caught:
        parse_number(text)

    assert str(caught.value).startswith(reason)
