"""Records written once and never changed: a model-layer guard no view, script or shell can get round."""

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


def append_only(model, refusal):
    """Refuse any flush that changes or deletes a row of ``model``; ``refusal(row id)`` is the exception raised."""

    @event.listens_for(Session, "before_flush")
    def _refuse(session, flush_context, instances):
        for obj in list(session.dirty) + list(session.deleted):
            if isinstance(obj, model) and (obj in session.deleted or session.is_modified(obj, include_collections=False)):
                log.warning("Refused a change to %s %s", model.__tablename__, obj.id)
                raise refusal(obj.id)

    return _refuse
