"""Subject access (UK GDPR, article 15): everything the portal holds about one person, as a ZIP of JSON and files.

What counts is found from the schema, not listed by hand: every row of every table with a column that refers to
the person (``user.id``: what they wrote, submitted, uploaded, decided, confirmed, were given as an action, and
their roles, stars and tokens), the audit entries about their account, and the emails sent to their address. A
table added later is included without touching this file. Secrets are left out: password hashes and the hashes
of one-use tokens are never exported."""

import json
import zipfile
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum

from sqlalchemy import or_, select

from portal import clock
from portal.extensions import db

# Columns never exported, whoever asks: they prove nothing to the person and would help an attacker.
SECRET_COLUMNS = {"password_hash", "token_hash", "session_generation", "secret", "code_hash"}
CHUNK = 1024 * 1024


def tables_about_people():
    """[(table, [columns referring to user.id])] of every table, in the schema's order."""
    found = []
    for table in db.metadata.sorted_tables:
        columns = [column for column in table.columns
                   if any(key.column.table.name == "user" and key.column.name == "id" for key in column.foreign_keys)]
        if columns:
            found.append((table, columns))
    return found


def _plain(value):
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def _rows(table, condition):
    keep = [column for column in table.columns if column.name not in SECRET_COLUMNS]
    return [{column.name: _plain(value) for column, value in zip(keep, row)}
            for row in db.session.execute(select(*keep).where(condition).order_by(*table.primary_key.columns))]


def held_about(user) -> dict:
    """{file name in the ZIP: JSON-ready rows} of everything held about ``user``."""
    from portal.audit import AuditEvent
    from portal.auth.models import User
    from portal.reminders.models import OutboxMessage

    held = {"account.json": _rows(User.__table__, User.__table__.c.id == user.id)}
    for table, columns in tables_about_people():
        if table.name == "user":
            continue
        rows = _rows(table, or_(*(column == user.id for column in columns)))
        if table.name == "audit_event":  # also what was done to their account by others
            rows = _rows(table, or_(AuditEvent.user_id == user.id,
                                    (AuditEvent.record_type == "user") & (AuditEvent.record_id == user.id)))
        if table.name == "outbox_message":  # also emails to their address before it was linked to the account
            rows = _rows(table, or_(OutboxMessage.recipient_user_id == user.id,
                                    OutboxMessage.recipient_email == user.email))
        if rows:
            held[f"{table.name}.json"] = rows
    return held


def subject_access_zip(user, storage, out) -> dict:
    """Write the ZIP to the binary file ``out``: a README, one JSON file per table and the files the person
    uploaded. Returns {"tables": n, "rows": n, "files": n} for the audit entry."""
    from portal.evidence.models import EvidenceFile

    held = held_about(user)
    uploads = db.session.scalars(select(EvidenceFile).where(EvidenceFile.uploaded_by_id == user.id,
                                                            EvidenceFile.removed_at.is_(None))
                                 .order_by(EvidenceFile.id)).all()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", (
            f"Everything the school improvement portal held about {user.name} <{user.email}> on "
            f"{clock.now().astimezone(clock.LONDON):%d %B %Y at %H:%M} (UK time).\n\n"
            "Each JSON file holds the rows of one table of the portal's database that refer to this person, "
            "column by column. files/ holds the files they uploaded, named by the evidence_file row's id; a file removed "
            "under the council's retention rules is not there (its evidence_file row says when it was removed).\n"))
        for name, rows in held.items():
            archive.writestr(name, json.dumps(rows, indent=1, ensure_ascii=False, sort_keys=True))
        for upload in uploads:
            with storage.open(upload.storage_key) as stored, archive.open(
                    f"files/{upload.id}-{_safe(upload.display_name)}", "w") as target:
                while chunk := stored.read(CHUNK):
                    target.write(chunk)
    return {"tables": len(held), "rows": sum(len(rows) for rows in held.values()), "files": len(uploads)}


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._- " else "_" for c in name)[:120] or "file"
