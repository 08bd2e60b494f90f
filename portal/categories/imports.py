"""Importing school-level figures from the LA's spreadsheet: keep the upload, map columns, preview, import.

The uploaded file is kept under the instance folder between the steps, so changing the mapping never means
uploading again.  Either every figure of the file goes in, or none does.
"""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from portal import clock
from portal.audit import record
from portal.categories.models import DataImport, IndicatorSource, SchoolFigure
from portal.categories.spreadsheet import MAX_BYTES, SpreadsheetRefused, check_urns, numbers_in, read_sheet
from portal.extensions import db
from portal.schools.models import School

KEEP_UPLOADS_FOR = timedelta(days=1)


def importable_indicators(version):
    """Indicators whose rating is suggested from imported figures."""
    return [i for i in version.indicators if i.source == IndicatorSource.IMPORTED] if version else []


def _folder() -> Path:
    folder = Path(current_app.config["IMPORT_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def find_upload(upload_id) -> str | None:
    """The kept file's name for an upload id (a UUID), or None when it has gone."""
    for suffix in ("csv", "xlsx"):
        if (_folder() / f"{upload_id.hex}.{suffix}").is_file():
            return f"{upload_id.hex}.{suffix}"
    return None


def keep_upload(filename: str, content: bytes) -> str:
    """Check the file reads, keep it, and return the name the next steps use to find it."""
    if len(content) > MAX_BYTES:
        raise SpreadsheetRefused(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    read_sheet(filename, content)
    _forget_old_uploads()
    name = f"{uuid.uuid4().hex}.{'xlsx' if filename.lower().endswith('.xlsx') else 'csv'}"
    (_folder() / name).write_bytes(content)
    (_folder() / f"{name}.name").write_text(Path(filename).name[:200], encoding="utf-8")
    return name


def open_upload(name: str):
    """The kept file as a Sheet, or None when it has gone (older than a day, or already imported)."""
    path = _folder() / name
    if not path.is_file():
        return None
    original = (_folder() / f"{name}.name")
    filename = original.read_text(encoding="utf-8") if original.is_file() else name
    return read_sheet(filename if filename.lower().endswith(path.suffix) else name, path.read_bytes())


def _forget_old_uploads():
    cutoff = clock.now().timestamp() - KEEP_UPLOADS_FOR.total_seconds()
    for path in _folder().iterdir():
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def forget_upload(name: str):
    for path in (_folder() / name, _folder() / f"{name}.name"):
        path.unlink(missing_ok=True)


def remembered_mapping(headers):
    """The URN column and column-to-indicator choices of the last import, for the columns this file also has."""
    last = db.session.scalar(select(DataImport).order_by(DataImport.id.desc()).limit(1))
    if last is None:
        return {}
    mapping = last.mapping or {}
    urn = mapping.get("urn_column")
    return {"urn_column": urn if urn in headers else None,
            "columns": {h: key for h, key in (mapping.get("columns") or {}).items() if h in headers}}


@dataclass
class FigureChange:
    school: School
    indicator_key: str
    indicator_name: str
    column: str
    before: float | None
    after: float

    @property
    def changed(self):
        return self.before != self.after


@dataclass
class Preview:
    changes: list = field(default_factory=list)
    unmatched: list = field(default_factory=list)  # [(row number, URN)]
    blanks: int = 0

    @property
    def schools(self):
        return len({c.school.id for c in self.changes})


def preview(sheet, urn_column, columns: dict, indicators):
    """What importing would change (``columns``: {header: indicator key}); refuses a bad cell naming row and column."""
    if not columns:
        raise SpreadsheetRefused("Choose at least one column to import")
    names = {i.key: i.name for i in indicators}
    unknown = [key for key in columns.values() if key not in names]
    if unknown:
        raise SpreadsheetRefused("A column is mapped to an indicator that does not take imported figures")
    rows = check_urns(sheet, urn_column)
    values = numbers_in(sheet, urn_column, list(columns))
    schools = {s.urn: s for s in db.session.scalars(select(School).where(School.urn.in_(list(rows))))}
    existing = {(f.school_id, f.indicator_key): f.value for f in db.session.scalars(
        select(SchoolFigure).where(SchoolFigure.school_id.in_([s.id for s in schools.values()])))}
    result = Preview()
    for urn, index in rows.items():
        school = schools.get(urn)
        if school is None:
            result.unmatched.append((sheet.row_number(index), urn))
            continue
        for header, key in columns.items():
            value = values[urn][header]
            if value is None:
                result.blanks += 1
                continue
            result.changes.append(FigureChange(school, key, names[key], header, existing.get((school.id, key)), value))
    result.changes.sort(key=lambda c: (c.school.name, c.column))
    return result


def apply(sheet, result: Preview, urn_column, columns: dict, user):
    """Write every figure of a preview in one transaction (the caller commits); returns the DataImport."""
    data_import = DataImport(filename=sheet.filename, mapping={"urn_column": urn_column, "columns": columns},
                             schools=result.schools, figures=len(result.changes), imported_by=user)
    db.session.add(data_import)
    existing = {(f.school_id, f.indicator_key): f for f in db.session.scalars(
        select(SchoolFigure).where(SchoolFigure.school_id.in_({c.school.id for c in result.changes})))}
    for change in result.changes:
        figure = existing.get((change.school.id, change.indicator_key))
        if figure is None:
            figure = SchoolFigure(school_id=change.school.id, indicator_key=change.indicator_key)
            db.session.add(figure)
            existing[(change.school.id, change.indicator_key)] = figure
        figure.column, figure.value, figure.data_import = change.column, change.after, data_import
    record("figures-imported", f"Imported {len(result.changes)} figures for {result.schools} schools from {sheet.filename}"
           + (f"; {len(result.unmatched)} rows matched no school" if result.unmatched else ""))
    return data_import
