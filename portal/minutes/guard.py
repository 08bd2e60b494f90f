"""The model-layer guard: circulated or confirmed minutes cannot change, whatever code tries.

Every flush checks each changed MinutesVersion: if its stored status was not draft, any change to
the content a confirmation covers is refused with ``MinutesLocked``. The same goes for its action rows
(wording, owner, due date; adding or deleting one); marking an action done stays allowed. The refusal is
written to the audit log in its own transaction (the failed one is rolled back) and to the application log.
"""

import logging

from sqlalchemy import event, inspect, insert
from sqlalchemy.orm import Session

from portal.minutes.models import (ACTION_CONTENT_FIELDS, CONFIRMATION_FIELDS, CONTENT_FIELDS, MinutesAction, MinutesStatus,
                                   MinutesVersion)
from portal import clock

log = logging.getLogger(__name__)


class MinutesLocked(Exception):
    def __init__(self, version_id, school_id, fields):
        super().__init__(f"Minutes version {version_id} is circulated or confirmed and cannot change ({', '.join(fields)})")
        self.version_id, self.school_id, self.fields = version_id, school_id, fields


def _stored_status(state):
    history = state.attrs["status"].history
    if history.deleted:
        return history.deleted[0]
    return state.attrs["status"].value if not history.added else None


def _locked_changes(version):
    state = inspect(version)
    status_before = _stored_status(state)
    if status_before is None or status_before == MinutesStatus.DRAFT:
        return []
    changed = [name for name in CONTENT_FIELDS if state.attrs[name].history.has_changes()]
    if status_before == MinutesStatus.CONFIRMED:
        changed += [name for name in CONFIRMATION_FIELDS if state.attrs[name].history.has_changes()]
        history = state.attrs["status"].history
        if history.has_changes():
            changed.append("status")
    return changed


def _was_locked(version):
    """Whether this version was circulated or confirmed before this flush (a new one never was)."""
    if version is None or inspect(version).pending:
        return False
    status = _stored_status(inspect(version))
    return status is not None and status != MinutesStatus.DRAFT


def _locked_action_changes(session, action):
    """(locked version, fields) for a change to an action row of circulated or confirmed minutes, else None."""
    state = inspect(action)
    version_ids = set(state.attrs["version_id"].history.deleted) | {action.version_id}
    versions = {session.get(MinutesVersion, version_id) for version_id in version_ids if version_id is not None}
    versions.add(action.version)
    locked = next((v for v in versions if _was_locked(v)), None)
    if locked is None:
        return None
    if action in session.deleted:
        fields = ["deleted"]
    elif state.pending:
        fields = ["added"]
    else:
        fields = [name for name in ACTION_CONTENT_FIELDS if state.attrs[name].history.has_changes()]
    return (locked, [f"action {action.id or 'new'}: {name}" for name in fields]) if fields else None


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_locked_minutes(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, MinutesVersion):
            continue
        fields = ["deleted"] if obj in session.deleted else _locked_changes(obj)
        if fields:
            log.warning("Refused a change to locked minutes version %s: %s", obj.id, fields)
            raise MinutesLocked(obj.id, obj.school_id, fields)
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if not isinstance(obj, MinutesAction):
            continue
        refused = _locked_action_changes(session, obj)
        if refused:
            version, fields = refused
            log.warning("Refused a change to the actions of locked minutes version %s: %s", version.id, fields)
            raise MinutesLocked(version.id, version.school_id, fields)


def record_refusal(engine, refusal: MinutesLocked, user_id=None, actor="system"):
    """Write the refused attempt to the audit log in a transaction of its own."""
    from portal.audit import AuditEvent

    with engine.begin() as connection:
        connection.execute(insert(AuditEvent.__table__).values(
            at=clock.now(), user_id=user_id, actor=actor, action="minutes.change_refused", record_type="minutes_version",
            record_id=refusal.version_id, school_id=refusal.school_id,
            summary="Refused: an attempt to change circulated or confirmed minutes", changes={"fields": refusal.fields}))


def record_mismatch(engine, version, check, *, shown_on, user_id=None, actor="system"):
    """Write to the audit log that minutes (or their document) no longer match what was recorded.

    In a transaction of its own, as pages that find it are only read. A page logs each distinct finding once
    (reloading it adds nothing); every refused download is logged (``shown_on="download"``)."""
    from sqlalchemy import select

    from portal.audit import AuditEvent
    from portal.minutes.rules import digest_of

    finding = {"digest_matches": check.digest_matches, "document_matches": check.document_matches,
               "digest_now": digest_of(version) if check.digest_matches is False else None,
               "document_sha256_recorded": version.document_sha256 if check.document_matches is False else None,
               "document_sha256_found": check.found_document_sha256 if check.document_matches is False else None}
    action = "minutes.document_refused" if shown_on == "download" else "minutes.mismatch_found"
    summary = ("Refused to download a minutes document that no longer matches its recorded SHA-256" if shown_on == "download"
               else "Found: stored minutes or their document no longer match what was recorded")
    with engine.begin() as connection:
        if shown_on != "download":
            earlier = connection.execute(select(AuditEvent.changes).where(
                AuditEvent.action == action, AuditEvent.record_type == "minutes_version",
                AuditEvent.record_id == version.id)).scalars()
            if any({k: v for k, v in (changes or {}).items() if k != "shown_on"} == finding for changes in earlier):
                return
        log.warning("Minutes version %s no longer matches what was recorded: %s", version.id, finding)
        connection.execute(insert(AuditEvent.__table__).values(
            at=clock.now(), user_id=user_id, actor=actor, action=action, record_type="minutes_version",
            record_id=version.id, school_id=version.school_id, summary=summary, changes={**finding, "shown_on": shown_on}))
