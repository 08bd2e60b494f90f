"""What the LA's retention periods remove, and removing it.

Two rules, each counted in whole years back from ``today``, a file going only once its full period has passed:
- a stored file (evidence, a visit attachment, an intervention document) goes ``evidence_file_years`` after upload;
- every file of a school that has closed, meeting papers included, goes ``closed_school_years`` after it closed.

A run records each removal (``RemovedFile``) and marks the file's row before it deletes any bytes, so a crash between
the two leaves an unreferenced file behind, never a record naming a file that silently vanished."""

from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from sqlalchemy import Integer, case, cast, literal, null, select, union_all, update

from portal import audit, clock
from portal.errors_domain import RuleBroken
from portal.evidence.models import EvidenceFile
from portal.evidence.storage import human_size
from portal.extensions import db
from portal.meetings.models import ReviewMeeting
from portal.minutes.models import MinutesVersion
from portal.retention.models import RemovedFile, RetentionSettings
from portal.schools.models import School

DEFAULT_YEARS = 6  # the usual schedule for school improvement records: six years
YEARS_RANGE = (1, 50)
BATCH = 500  # files recorded, committed and then deleted at a time
BELONGS_TO = {"evidence": "Evidence", "visit": "Notes of visit", "intervention": "Intervention step",
              "agenda": "Meeting agenda", "minutes": "Minutes", "unattached": "Upload never attached"}


@dataclass(frozen=True)
class DueFile:
    """One stored file the retention rules remove now, and why."""

    storage_key: str
    sha256: str | None
    size: int | None
    display_name: str
    belonged_to: str
    school_id: int
    school_name: str
    evidence_file_id: int | None  # None for meeting papers (an agenda, a minutes document)
    reason: str

    @property
    def belonged_to_label(self) -> str:
        return BELONGS_TO.get(self.belonged_to, self.belonged_to)


def settings() -> RetentionSettings | None:
    """The LA's saved retention periods; None until an LA admin saves them (and until then nothing is removed)."""
    return db.session.scalar(select(RetentionSettings).order_by(RetentionSettings.id).limit(1))


def settings_or_defaults() -> RetentionSettings:
    return settings() or RetentionSettings(evidence_file_years=DEFAULT_YEARS, closed_school_years=DEFAULT_YEARS)


def save_settings(*, evidence_file_years: int, closed_school_years: int) -> RetentionSettings:
    low, high = YEARS_RANGE
    for field, years in (("evidence_file_years", evidence_file_years), ("closed_school_years", closed_school_years)):
        if not low <= years <= high:
            raise RuleBroken(f"Enter a whole number of years from {low} to {high}", field)
    saved = settings()
    if saved is None:
        saved = RetentionSettings()
        db.session.add(saved)
    saved.evidence_file_years, saved.closed_school_years = evidence_file_years, closed_school_years
    return saved


def years_before(today: date, years: int) -> date:
    """The same day ``years`` years earlier (29 February becomes 28 February)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def _start_of_day_utc(day: date) -> datetime:
    """Midnight in London on ``day``, in UTC as timestamps are stored."""
    return datetime.combine(day, time(), tzinfo=clock.LONDON).astimezone(timezone.utc)


def _long_date(day) -> str:
    return f"{day.day} {day:%B %Y}"


def files_due(today: date, periods: RetentionSettings) -> list[DueFile]:
    """Every stored file the periods remove on ``today``, oldest first; each once, with its first reason."""
    uploaded_before = years_before(today, periods.evidence_file_years)
    closed_before = years_before(today, periods.closed_school_years)
    due: dict[str, DueFile] = {}
    for row in db.session.execute(_old_uploads(uploaded_before)):
        uploaded_on = clock.as_london(row.uploaded_at).date()
        due[row.storage_key] = _due(row, f"Uploaded on {_long_date(uploaded_on)}: the LA keeps files for "
                                         f"{_years(periods.evidence_file_years)} after upload")
    for row in db.session.execute(_closed_schools_files(closed_before)):
        if row.storage_key not in due:
            due[row.storage_key] = _due(row, f"{row.school_name} closed on {_long_date(row.closed_on)}: the LA keeps "
                                             f"a closed school's files for {_years(periods.closed_school_years)}")
    return list(due.values())


def _years(count: int) -> str:
    return "1 year" if count == 1 else f"{count} years"


def _due(row, reason: str) -> DueFile:
    return DueFile(row.storage_key, row.sha256, row.size, row.display_name, row.belonged_to, row.school_id,
                   row.school_name, row.evidence_file_id, reason)


def _belonged_to_column():
    return case((EvidenceFile.version_id.is_not(None), "evidence"), (EvidenceFile.visit_id.is_not(None), "visit"),
                (EvidenceFile.intervention_step_id.is_not(None), "intervention"), else_="unattached")


def _stored_files():
    return (select(EvidenceFile.storage_key, EvidenceFile.sha256, EvidenceFile.size, EvidenceFile.display_name,
                   _belonged_to_column().label("belonged_to"), EvidenceFile.school_id, School.name.label("school_name"),
                   EvidenceFile.id.label("evidence_file_id"), EvidenceFile.uploaded_at, School.closed_on)
            .join(School, School.id == EvidenceFile.school_id)
            .where(EvidenceFile.removed_at.is_(None)))


def _old_uploads(uploaded_before: date):
    return _stored_files().where(EvidenceFile.uploaded_at < _start_of_day_utc(uploaded_before)).order_by(
        EvidenceFile.uploaded_at, EvidenceFile.id)


def _closed_schools_files(closed_before: date):
    """A closed school's stored files and meeting papers (those not already removed)."""
    closed = (School.active.is_(False), School.closed_on < closed_before)
    not_removed = ~select(RemovedFile.id).where(RemovedFile.storage_key == ReviewMeeting.agenda_document_key).exists()
    agendas = (select(ReviewMeeting.agenda_document_key.label("storage_key"), ReviewMeeting.agenda_document_sha256,
                      cast(null(), Integer).label("size"), ReviewMeeting.agenda_document_name, literal("agenda"),
                      ReviewMeeting.school_id, School.name, cast(null(), Integer), ReviewMeeting.agenda_sent_at, School.closed_on)
               .join(School, School.id == ReviewMeeting.school_id)
               .where(ReviewMeeting.agenda_document_key.is_not(None), not_removed, *closed))
    minutes_not_removed = ~select(RemovedFile.id).where(RemovedFile.storage_key == MinutesVersion.document_key).exists()
    minutes = (select(MinutesVersion.document_key, MinutesVersion.document_sha256, cast(null(), Integer),
                      MinutesVersion.document_name, literal("minutes"), MinutesVersion.school_id, School.name,
                      cast(null(), Integer), MinutesVersion.created_at, School.closed_on)
               .join(School, School.id == MinutesVersion.school_id)
               .where(MinutesVersion.document_key.is_not(None), minutes_not_removed, *closed))
    files = _stored_files().where(*closed)
    everything = union_all(files, agendas, minutes).subquery()
    return select(everything).order_by(everything.c.school_id, everything.c.storage_key)


def remove(due: list[DueFile], storage, today: date) -> dict:
    """Record and remove ``due`` in batches: {"files": n, "bytes": n}. One audit entry for the run."""
    removed_at = clock.now()
    total_bytes = 0
    for start in range(0, len(due), BATCH):
        batch = due[start:start + BATCH]
        db.session.add_all(RemovedFile(storage_key=file.storage_key, sha256=file.sha256, size=file.size,
                                       display_name=file.display_name, belonged_to=file.belonged_to,
                                       school_id=file.school_id, reason=file.reason, removed_at=removed_at)
                           for file in batch)
        # A bulk update, not one row change per file: the run's audit entry and the removed_file rows are the record.
        ids = [file.evidence_file_id for file in batch if file.evidence_file_id is not None]
        if ids:
            db.session.execute(update(EvidenceFile).where(EvidenceFile.id.in_(ids)).values(removed_at=removed_at),
                               execution_options={"synchronize_session": False})
        db.session.commit()
        for file in batch:
            storage.delete(file.storage_key)
            total_bytes += file.size or 0
    if due:
        schools = len({file.school_id for file in due})
        audit.record("retention.removed", f"Retention run removed {len(due)} stored files "
                     f"({human_size(total_bytes)}) of {schools} schools, as of {_long_date(today)}",
                     record_type="retention_settings",
                     changes={"files": len(due), "bytes": total_bytes, "schools": schools})
        db.session.commit()
    return {"files": len(due), "bytes": total_bytes}


def removal_of(storage_key: str) -> RemovedFile | None:
    """The record of a file removed under retention, if it was."""
    return db.session.scalar(select(RemovedFile).where(RemovedFile.storage_key == storage_key))


def recent_removals(limit: int = 50) -> list[RemovedFile]:
    return db.session.scalars(select(RemovedFile).order_by(RemovedFile.removed_at.desc(), RemovedFile.id.desc())
                              .limit(limit)).all()


def removed_page(storage_key: str, display_name: str):
    """The 410 page for a file removed under retention, or None when ``storage_key`` was not removed that way."""
    from flask import render_template

    removal = removal_of(storage_key)
    if removal is None:
        return None
    removed_on = clock.as_london(removal.removed_at)
    return render_template(
        "errors/error.html", status=410, title="This file has been removed",
        advice=f"{display_name} was removed on {_long_date(removed_on)} under the local authority's retention "
               f"rules. {removal.reason}. The record it belonged to is kept, with the file's name, size and "
               "SHA-256."), 410
