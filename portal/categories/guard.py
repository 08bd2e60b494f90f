"""A school's category history is append-only: an entry is written once and never changed or deleted.

Like the minutes guard, this sits at the model layer so no view, script or shell can rewrite history;
a correction is a new entry with its reason.
"""

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.categories.models import SchoolCategory

log = logging.getLogger(__name__)


class CategoryHistoryLocked(Exception):
    def __init__(self, entry_id):
        super().__init__(f"Category history entry {entry_id} cannot change: record a new change with its reason")
        self.entry_id = entry_id


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_category_history(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, SchoolCategory) and (obj in session.deleted or session.is_modified(obj, include_collections=False)):
            log.warning("Refused a change to category history entry %s", obj.id)
            raise CategoryHistoryLocked(obj.id)
