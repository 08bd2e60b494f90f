"""The outbox: every email the portal sends, with a unique key so none is ever sent twice."""

import enum
from datetime import date, datetime

from sqlalchemy import Enum, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal import clock


class MessageStatus(enum.Enum):
    QUEUED = "queued"
    SENDING = "sending"    # claimed by one delivery run; no other run may take it
    SENT = "sent"
    FAILED = "failed"      # gave up after several attempts: the LA admin can retry
    CANCELLED = "cancelled"  # no longer applies (e.g. the evidence arrived, the meeting moved)

    @property
    def label(self):
        return self.value.capitalize()

    @property
    def colour(self):
        return {"queued": "blue", "sending": "purple", "sent": "green", "failed": "red", "cancelled": "grey"}[self.value]


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    # kind : object : recipient : occurrence — the database refuses a second row with the same key.
    key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    recipient_email: Mapped[str] = mapped_column(String(254))
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    attachment_name: Mapped[str | None] = mapped_column(String(120))
    attachment_type: Mapped[str | None] = mapped_column(String(80))
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary)
    due_on: Mapped[date | None]
    status: Mapped[MessageStatus] = mapped_column(
        Enum(MessageStatus, name="outbox_status", values_callable=lambda e: [m.value for m in e], native_enum=False, length=20),
        default=MessageStatus.QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    sent_at: Mapped[datetime | None]
    cancelled_reason: Mapped[str] = mapped_column(String(200), default="")
    eml_path: Mapped[str | None] = mapped_column(String(500))


class SchedulerRun(db.Model):
    """One row: when the reminder scheduler last started and finished a run, and what it did (``/healthz``)."""

    __tablename__ = "scheduler_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    queued: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
