"""The model-layer guard: circulated or confirmed minutes cannot change, whatever code tries.

Every flush checks each changed MinutesVersion: if its stored status was not draft, any change to
the content a confirmation covers is refused with ``MinutesLocked``. The refusal is written to the
audit log in its own transaction (the failed one is rolled back) and to the application log.
"""

import logging

from sqlalchemy import event, inspect, insert
from sqlalchemy.orm import Session

from portal.minutes.models import CONTENT_FIELDS, MinutesStatus, MinutesVersion
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
        changed += [name for name in ("digest", "confirmed_at", "confirmed_by_id") if state.attrs[name].history.has_changes()]
        history = state.attrs["status"].history
        if history.has_changes():
            changed.append("status")
    return changed


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_locked_minutes(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, MinutesVersion):
            continue
        fields = ["deleted"] if obj in session.deleted else _locked_changes(obj)
        if fields:
            log.warning("Refused a change to locked minutes version %s: %s", obj.id, fields)
            raise MinutesLocked(obj.id, obj.school_id, fields)


def record_refusal(engine, refusal: MinutesLocked, user_id=None, actor="system"):
    """Write the refused attempt to the audit log in a transaction of its own."""
    from portal.audit import AuditEvent

    with engine.begin() as connection:
        connection.execute(insert(AuditEvent.__table__).values(
            at=clock.now(), user_id=user_id, actor=actor, action="minutes.change_refused", record_type="minutes_version",
            record_id=refusal.version_id, school_id=refusal.school_id,
            summary="Refused: an attempt to change circulated or confirmed minutes", changes={"fields": refusal.fields}))
