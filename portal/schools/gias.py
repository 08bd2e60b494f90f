"""Import schools from a Get Information about Schools (GIAS) establishment CSV.

The DfE file is Windows-1252 with dates as dd-mm-yyyy. We take the open
establishments ("Open" and "Open, but proposed to close") of one LA code,
match on URN so a re-import updates rather than duplicates, and check every
row before writing anything: a bad row stops the whole import.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from portal import audit, clock
from portal.extensions import db
from portal.schools.models import LocalAuthority, School

REQUIRED_COLUMNS = [
    "URN",
    "EstablishmentName",
    "LA (code)",
    "LA (name)",
    "TypeOfEstablishment (name)",
    "PhaseOfEducation (name)",
    "EstablishmentStatus (name)",
    "OfstedRating (name)",
    "OfstedLastInsp",
    "HeadFirstName",
    "HeadLastName",
]
# Read when present (every full GIAS extract has it); "Not applicable" or blank leaves it unknown.
SIXTH_FORM_COLUMN = "OfficialSixthForm (name)"
SIXTH_FORM_VALUES = {"Has a sixth form": True, "Does not have a sixth form": False}
# The statutory age range, read when present; blank leaves it unknown. A junior school is 7 to 11.
AGE_COLUMNS = {"StatutoryLowAge": "statutory_low_age", "StatutoryHighAge": "statutory_high_age"}
# When a closed school closed, read when present: the LA's retention of its records counts from that day.
CLOSE_DATE_COLUMN = "CloseDate"
OPEN_STATUSES = {"Open", "Open, but proposed to close"}
CLOSED_STATUSES = {"Closed"}


class GiasImportError(Exception):
    """The file cannot be imported; nothing was written."""

    def __init__(self, message, line=None):
        super().__init__(f"Row {line}: {message}" if line else message)
        self.line = line


@dataclass
class GiasSchool:
    urn: int
    name: str
    la_code: str
    la_name: str
    establishment_type: str
    phase: str
    status: str
    ofsted_grade: str | None
    ofsted_inspected_on: date | None
    head_name: str
    has_sixth_form: bool | None = None
    statutory_low_age: int | None = None
    statutory_high_age: int | None = None
    closed_on: date | None = None


@dataclass
class ImportResult:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    closed: list = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0

    @property
    def summary(self) -> str:
        return (
            f"{len(self.created)} schools added, {len(self.updated)} updated, {len(self.closed)} marked closed, "
            f"{self.unchanged} unchanged, {self.skipped} not open and not imported"
        )


def decode(raw: bytes) -> str:
    """GIAS files are Windows-1252; a file re-saved as UTF-8 is accepted too."""
    if b"\x00" in raw[:4096]:
        raise GiasImportError("The file is not a CSV text file. Download the establishment CSV from GIAS again and upload it unchanged")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as error:
        raise GiasImportError(
            "The file is not in the Windows-1252 encoding GIAS uses. Download it from GIAS again and upload it unchanged"
        ) from error


def _date(value, column, line):
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.strptime(value, "%d-%m-%Y").date()
    except ValueError:
        raise GiasImportError(f"{column} '{value}' is not a date in the form dd-mm-yyyy", line) from None


def _age(row, column, line):
    """An age in years from the statutory age range columns, or None when the column is blank or absent."""
    value = row.get(column, "")
    if not value:
        return None
    if not value.isdigit():
        raise GiasImportError(f"{column} '{value}' is not an age in whole years", line)
    return int(value)


def parse(raw: bytes, la_code: str):
    """Every establishment of ``la_code`` in the file, checked: ([GiasSchool], count of rows not open)."""
    reader = csv.reader(io.StringIO(decode(raw), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise GiasImportError("The file is empty") from None
    except csv.Error as error:
        raise GiasImportError(f"The file is not a readable CSV ({error})", 1) from None
    header = [column.strip() for column in header]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise GiasImportError(
            "The file is missing the column" + ("s " if len(missing) > 1 else " ") + ", ".join(missing)
            + ". Upload an establishment CSV from GIAS", 1
        )
    optional = [SIXTH_FORM_COLUMN, *AGE_COLUMNS, CLOSE_DATE_COLUMN]
    position = {column: header.index(column) for column in REQUIRED_COLUMNS + optional if column in header}
    schools, not_open, seen = [], 0, {}
    line = 1
    try:
        for values in reader:
            line = reader.line_num
            if not any(value.strip() for value in values):
                continue
            if len(values) != len(header):
                raise GiasImportError(f"has {len(values)} columns but the header has {len(header)}", line)
            row = {column: values[index].strip() for column, index in position.items()}
            if row["LA (code)"] != la_code:
                continue
            if row["EstablishmentStatus (name)"] not in OPEN_STATUSES | CLOSED_STATUSES:
                not_open += 1
                continue
            if not row["URN"].isdigit():
                raise GiasImportError(f"URN '{row['URN']}' is not a number", line)
            urn = int(row["URN"])
            if urn in seen:
                raise GiasImportError(f"URN {urn} is also on row {seen[urn]}", line)
            seen[urn] = line
            if not row["EstablishmentName"]:
                raise GiasImportError("EstablishmentName is blank", line)
            schools.append(
                GiasSchool(
                    urn=urn,
                    name=row["EstablishmentName"],
                    la_code=la_code,
                    la_name=row["LA (name)"],
                    establishment_type=row["TypeOfEstablishment (name)"],
                    phase=row["PhaseOfEducation (name)"] or "Not applicable",
                    status=row["EstablishmentStatus (name)"],
                    ofsted_grade=row["OfstedRating (name)"] or None,
                    ofsted_inspected_on=_date(row["OfstedLastInsp"], "OfstedLastInsp", line),
                    head_name=" ".join(part for part in (row["HeadFirstName"], row["HeadLastName"]) if part),
                    has_sixth_form=SIXTH_FORM_VALUES.get(row.get(SIXTH_FORM_COLUMN, "")),
                    **{name: _age(row, column, line) for column, name in AGE_COLUMNS.items()},
                    closed_on=_date(row.get(CLOSE_DATE_COLUMN, ""), CLOSE_DATE_COLUMN, line),
                )
            )
    except csv.Error as error:
        raise GiasImportError(f"is not valid CSV ({error})", reader.line_num) from None
    if not schools and not not_open:
        raise GiasImportError(f"There are no establishments with LA code {la_code} in this file")
    return schools, not_open


def _closed_on(school: School, row: GiasSchool) -> date:
    """The day a closed school closed: GIAS's CloseDate, else the day an import first found it closed."""
    return row.closed_on or school.closed_on or clock.today()


def import_schools(raw: bytes, la_code: str) -> ImportResult:
    """Check the whole file, then add or update its open schools of ``la_code`` (closing closed ones)."""
    parsed, not_open = parse(raw, la_code)
    result = ImportResult(skipped=not_open)
    local_authority = db.session.scalar(select(LocalAuthority).where(LocalAuthority.code == la_code))
    if local_authority is None:
        la_name = next((s.la_name for s in parsed), "") or f"LA {la_code}"
        local_authority = LocalAuthority(code=la_code, name=la_name)
        db.session.add(local_authority)
    existing = {
        school.urn: school
        for school in db.session.scalars(select(School).where(School.urn.in_([s.urn for s in parsed])))
    }
    for row in parsed:
        school = existing.get(row.urn)
        is_open = row.status in OPEN_STATUSES
        if school is None:
            if not is_open:
                result.skipped += 1
                continue
            school = School(urn=row.urn, local_authority=local_authority)
            db.session.add(school)
            result.created.append(row.urn)
        values = dict(
            name=row.name,
            establishment_type=row.establishment_type,
            phase=row.phase,
            status=row.status,
            ofsted_grade=row.ofsted_grade,
            ofsted_inspected_on=row.ofsted_inspected_on,
            head_name=row.head_name,
            active=is_open,
            # What GIAS does not say (blank, or an extract without the column) leaves what the LA admin entered.
            **{name: getattr(row, name) for name in ("has_sixth_form", *AGE_COLUMNS.values()) if getattr(row, name) is not None},
        )
        changed = any(getattr(school, key) != value for key, value in values.items())
        for key, value in values.items():
            setattr(school, key, value)
        school.closed_on = None if is_open else _closed_on(school, row)
        if row.urn in result.created:
            continue
        if not is_open and changed:
            result.closed.append(row.urn)
        elif changed:
            result.updated.append(row.urn)
        else:
            result.unchanged += 1
    audit.record("gias.imported", f"GIAS import for LA {la_code}: {result.summary}", changes={"la_code": la_code})
    return result
