"""The audit log: who changed what, on which record, when, and what it was before.

Every flush writes one audit event per inserted, changed or deleted row of an
audited model (``__audited__ = True``), so no write can skip the log.  Events
that are not row changes (signing in, an import's summary) use ``record()``.
"""

import contextvars
import enum
from datetime import date, datetime, time
from decimal import Decimal

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, String, event, inspect, insert
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from portal.extensions import db
from portal import clock

# Who is acting outside a request (CLI commands, the scheduler): an email or "system".
cli_actor = contextvars.ContextVar("cli_actor", default="system")


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(80))
    record_type: Mapped[str | None] = mapped_column(String(60))
    record_id: Mapped[int | None]
    school_id: Mapped[int | None] = mapped_column(index=True)
    summary: Mapped[str] = mapped_column(String(500), default="")
    changes: Mapped[dict | None] = mapped_column(JSON)

    user = relationship("User", foreign_keys=[user_id])


def _actor():
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id, current_user.email
    return None, cli_actor.get()


def _plain(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _school_id(obj):
    return getattr(obj, "audit_school_id", None)


def _snapshot(obj, secret, ignored):
    state = inspect(obj)
    values = {}
    for column_attr in state.mapper.column_attrs:
        if column_attr.key in ignored or column_attr.key == "id":
            continue
        value = state.attrs[column_attr.key].value
        values[column_attr.key] = "(set)" if column_attr.key in secret and value is not None else _plain(value)
    return values


def _differences(obj, secret, ignored):
    state = inspect(obj)
    changes = {}
    for column_attr in state.mapper.column_attrs:
        key = column_attr.key
        if key in ignored:
            continue
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if before == after:
            continue
        changes[key] = ["(hidden)", "(changed)"] if key in secret else [_plain(before), _plain(after)]
    return changes


@event.listens_for(Session, "after_flush")
def _audit_row_changes(session, flush_context):
    user_id, actor = _actor()
    rows = []
    for kind, objects in (("created", session.new), ("updated", session.dirty), ("deleted", session.deleted)):
        for obj in objects:
            if not getattr(obj, "__audited__", False):
                continue
            secret = getattr(obj, "__audit_secret__", set())
            ignored = {"updated_at", "created_at"} | getattr(obj, "__audit_ignore__", set())
            if kind == "updated":
                changes = _differences(obj, secret, ignored)
                if not changes:
                    continue
            else:
                changes = _snapshot(obj, secret, ignored)
            table = obj.__tablename__
            rows.append(
                dict(
                    at=clock.now(),
                    user_id=user_id,
                    actor=actor,
                    action=f"{table}.{kind}",
                    record_type=table,
                    record_id=getattr(obj, "id", None),
                    school_id=_school_id(obj),
                    summary=f"{table.replace('_', ' ').capitalize()} {kind}",
                    changes=changes,
                )
            )
    if rows:
        session.connection().execute(insert(AuditEvent.__table__), rows)


def record(action: str, summary: str, *, record_type=None, record_id=None, school_id=None, changes=None, user=None):
    """Add an event that is not a row change, e.g. a sign-in or an import's totals."""
    user_id, actor = _actor()
    if user is not None:
        user_id, actor = user.id, user.email
    db.session.add(
        AuditEvent(
            user_id=user_id,
            actor=actor,
            action=action,
            record_type=record_type,
            record_id=record_id,
            school_id=school_id,
            summary=summary,
            changes=changes,
        )
    )
