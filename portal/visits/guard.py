"""Issued notes of visit never change in place: a version is written once and never updated or deleted.

Like the minutes guard, this sits at the model layer so no view, script or shell can rewrite the record.
"""

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.visits.models import NotesVersion

log = logging.getLogger(__name__)


class NotesLocked(Exception):
    def __init__(self, version_id):
        super().__init__(f"Notes of visit version {version_id} was issued and cannot change: write a new version")
        self.version_id = version_id


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_issued_notes(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, NotesVersion) and (obj in session.deleted or session.is_modified(obj, include_collections=False)):
            log.warning("Refused a change to notes of visit version %s", obj.id)
            raise NotesLocked(obj.id)
