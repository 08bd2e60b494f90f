"""Backups an operator can trust: a consistent snapshot of the database and every stored file, taken while the
portal runs, and a restore into an empty instance that checks everything it brings back.

A backup is a folder::

    manifest.json       what is in it: the database's kind and SHA-256, each file's key, size and SHA-256
    database.sqlite3    SQLite: a copy by SQLite's online backup API (consistent while others write)
    database.dump       PostgreSQL: pg_dump's custom format (one consistent snapshot)
    files/ab/ab12...    every stored file a record refers to, under its storage key

The database is copied first, then the files. Stored files never change once a record refers to them and are
never deleted while one does, so every file the snapshot refers to is still there to copy; a file recorded after
the snapshot is copied too and does no harm.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from portal import clock

MANIFEST = "manifest.json"
FORMAT = 1
CHUNK = 1024 * 1024


class BackupError(RuntimeError):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass
class RestoreReport:
    """What a restore brought back and checked."""

    tables: dict = field(default_factory=dict)  # table: rows
    files: int = 0
    problems: list = field(default_factory=list)
    confirmed_minutes: int = 0


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def referenced_files(session):
    """{storage key: SHA-256 recorded when it was kept} of every file a record refers to and still keeps (not those
    removed under retention)."""
    from portal.evidence.models import EvidenceFile
    from portal.meetings.models import ReviewMeeting
    from portal.minutes.models import MinutesVersion
    from portal.retention.models import RemovedFile

    files = dict(session.execute(select(EvidenceFile.storage_key, EvidenceFile.sha256)
                                 .where(EvidenceFile.removed_at.is_(None))).all())
    for key, sha256 in session.execute(select(ReviewMeeting.agenda_document_key, ReviewMeeting.agenda_document_sha256)
                                       .where(ReviewMeeting.agenda_document_key.is_not(None))):
        files[key] = sha256
    for key, sha256 in session.execute(select(MinutesVersion.document_key, MinutesVersion.document_sha256)
                                       .where(MinutesVersion.document_key.is_not(None))):
        files[key] = sha256
    for key in session.scalars(select(RemovedFile.storage_key)):
        files.pop(key, None)
    return files


# --- backing up -----------------------------------------------------------------------------------------------------

def back_up(database_url: str, session, storage, folder: Path) -> dict:
    """Write a backup into ``folder`` (new, or empty) and return its manifest."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: back up into a new folder")
    folder.mkdir(parents=True, exist_ok=True)
    url = make_url(database_url)
    started = clock.now()
    if url.get_backend_name() == "sqlite":
        database = _copy_sqlite(url.database, folder / "database.sqlite3")
    elif url.get_backend_name() == "postgresql":
        database = _dump_postgresql(url, folder / "database.dump")
    else:
        raise BackupError(f"Cannot back up a {url.get_backend_name()} database")
    session.rollback()  # a fresh transaction: it sees at least what the snapshot saw
    files = {}
    for key, recorded_sha256 in sorted(referenced_files(session).items()):
        target = folder / "files" / key
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with storage.open(key) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out, CHUNK)
        except FileNotFoundError:
            raise BackupError(f"A record refers to stored file {key}, which is missing from storage") from None
        files[key] = {"bytes": target.stat().st_size, "sha256": sha256_of(target), "recorded_sha256": recorded_sha256}
    manifest = {"format": FORMAT, "started_at": started.isoformat(), "finished_at": clock.now().isoformat(),
                "database": database, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def _copy_sqlite(path: str, target: Path) -> dict:
    source = sqlite3.connect(path)
    copy = sqlite3.connect(target)
    try:
        with copy:
            source.backup(copy)
    finally:
        copy.close()
        source.close()
    return {"kind": "sqlite", "file": target.name, "sha256": sha256_of(target)}


def _libpq(url):
    """pg_dump / pg_restore arguments and environment for ``url`` (the password in the environment, not argv)."""
    arguments = ["--dbname", url.database or "postgres"]
    if url.host:
        arguments += ["--host", url.host]
    if url.port:
        arguments += ["--port", str(url.port)]
    if url.username:
        arguments += ["--username", url.username]
    environment = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    return arguments, environment


def _dump_postgresql(url, target: Path) -> dict:
    arguments, environment = _libpq(url)
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), *arguments], environment)
    return {"kind": "postgresql", "file": target.name, "sha256": sha256_of(target)}


def _run(command, environment):
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed: install PostgreSQL's client programs (postgresql-client)")
    finished = subprocess.run(command, env=environment, capture_output=True, text=True)
    if finished.returncode != 0:
        raise BackupError(f"{command[0]} failed: {finished.stderr.strip()[:500]}")


# --- restoring ------------------------------------------------------------------------------------------------------

def read_manifest(folder: Path) -> dict:
    """The backup's manifest, after checking the database copy and every file against it."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{folder} has no {MANIFEST}: is it a backup made by 'flask backup'?") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder} was made by a different version of the portal (format {manifest.get('format')})")
    database = folder / manifest["database"]["file"]
    if not database.is_file() or sha256_of(database) != manifest["database"]["sha256"]:
        raise BackupError(f"The database copy in {folder} is missing or damaged (its SHA-256 does not match)")
    for key, expected in manifest["files"].items():
        path = folder / "files" / key
        if not path.is_file() or sha256_of(path) != expected["sha256"]:
            raise BackupError(f"Stored file {key} in {folder} is missing or damaged (its SHA-256 does not match)")
    return manifest


def restore(folder: Path, database_url: str, storage) -> RestoreReport:
    """Restore the backup in ``folder`` into an empty database and storage, then check what came back."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    url = make_url(database_url)
    kind = manifest["database"]["kind"]
    if kind != url.get_backend_name():
        raise BackupError(f"This is a {kind} backup: restore it into a {kind} database (DATABASE_URL)")
    _require_empty(database_url)
    taken = [key for key in manifest["files"] if storage.exists(key)]
    if taken:
        raise BackupError(f"Evidence storage already holds {len(taken)} of the backup's files: restore into empty storage")
    database = folder / manifest["database"]["file"]
    if kind == "sqlite":
        _restore_sqlite(database, url.database)
    else:
        arguments, environment = _libpq(url)
        _run(["pg_restore", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", *arguments,
              str(database)], environment)
    for key in manifest["files"]:
        with open(folder / "files" / key, "rb") as source:
            storage.put(key, source)
    return check_restored(database_url, storage, manifest)


def _require_empty(database_url):
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            tables = inspect(connection).get_table_names()
    finally:
        engine.dispose()
    if tables:
        raise BackupError(f"The database already has {len(tables)} tables: restore into an empty database")


def _restore_sqlite(database: Path, path: str):
    if not path:
        raise BackupError("Restore SQLite into a file (DATABASE_URL=sqlite:////path/to/portal.sqlite3)")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    source, target = sqlite3.connect(database), sqlite3.connect(path)
    try:
        with target:
            source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
        source.close()


def check_restored(database_url, storage, manifest) -> RestoreReport:
    """Count every table's rows, check every referenced file against the SHA-256 its record holds, and every
    confirmed minutes version against its digest: what the governors confirmed is still exactly what is stored."""
    from sqlalchemy.orm import Session, selectinload

    from portal.documents import stored_sha256
    from portal.minutes.models import MinutesVersion
    from portal.minutes.rules import matches_confirmed

    report = RestoreReport()
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            for table in inspect(session.connection()).get_table_names():
                report.tables[table] = session.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()
            for key, recorded_sha256 in referenced_files(session).items():
                found_sha256 = stored_sha256(key, storage)
                if found_sha256 is None:
                    report.problems.append(f"Stored file {key} is missing")
                    continue
                if recorded_sha256 and found_sha256 != recorded_sha256:
                    report.problems.append(f"Stored file {key} does not match the SHA-256 its record holds")
                report.files += 1
            confirmed = session.scalars(select(MinutesVersion).where(MinutesVersion.digest.is_not(None))
                                        .options(selectinload(MinutesVersion.actions))).all()
            for version in confirmed:
                if not matches_confirmed(version):
                    report.problems.append(f"Confirmed minutes {version.id} no longer match their digest")
            report.confirmed_minutes = len(confirmed)
    finally:
        engine.dispose()
    return report
