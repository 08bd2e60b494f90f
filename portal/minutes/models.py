"""Minutes: versions, their confirmation with a SHA-256 digest, actions, and the full governing body date.

A circulated or confirmed version never changes: a correction is a new version with its own
confirmation. The guard is at the model layer (``portal.minutes.guard``), not only in the views.
"""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Enum, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal import clock


class MinutesStatus(enum.Enum):
    DRAFT = "draft"
    CIRCULATED = "circulated"          # awaiting confirmation
    CHANGES_REQUESTED = "changes_requested"
    CONFIRMED = "confirmed"

    @property
    def label(self):
        return {"draft": "Draft", "circulated": "Awaiting confirmation", "changes_requested": "Changes requested",
                "confirmed": "Confirmed"}[self.value]

    @property
    def colour(self):
        return {"draft": "grey", "circulated": "blue", "changes_requested": "orange", "confirmed": "green"}[self.value]


# What a confirmation covers: these columns can never change once circulated.
CONTENT_FIELDS = ("attendance", "apologies", "discussion", "decisions", "summary", "actions_text", "document_name",
                  "document_key", "document_sha256")
# The confirmation itself: once confirmed, these never change either.
CONFIRMATION_FIELDS = ("digest", "canonical_form", "confirmed_at", "confirmed_by_id")
# An action row as the minutes show it (wording, owner, due date, which minutes): fixed once circulated.
# Marking it done (done_at, done_by_id) stays allowed.
ACTION_CONTENT_FIELDS = ("description", "owner_id", "owner_name", "due_on", "version_id")


class MinutesVersion(db.Model):
    __tablename__ = "minutes_version"
    __audited__ = True
    # The LA's list of confirmed minutes the governing body has not yet received (oldest first, and how many) is
    # read from the second index alone: in a shared deployment that is tens of thousands of versions.
    __table_args__ = (UniqueConstraint("meeting_id", "number", name="uq_minutes_version_meeting_number"),
                      Index("ix_minutes_version_for_governing_body", "status", "governing_body_on", "confirmed_at",
                            "meeting_id", "number"))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("review_meeting.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    number: Mapped[int]
    status: Mapped[MinutesStatus] = mapped_column(
        Enum(MinutesStatus, name="minutes_status", values_callable=lambda e: [m.value for m in e], native_enum=False, length=30),
        default=MinutesStatus.DRAFT, active_history=True)
    attendance: Mapped[str] = mapped_column(Text, default="")
    apologies: Mapped[str] = mapped_column(Text, default="")
    # [{"priority": title, "text": discussion}] in plan order
    discussion: Mapped[list] = mapped_column(JSON, default=list)
    decisions: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    # The actions exactly as minuted (the tracked copies are MinutesAction rows).
    actions_text: Mapped[str] = mapped_column(Text, default="")
    document_name: Mapped[str | None] = mapped_column(String(255))
    document_key: Mapped[str | None] = mapped_column(String(120))
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    circulated_at: Mapped[datetime | None]
    change_request: Mapped[str] = mapped_column(Text, default="")
    change_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    digest: Mapped[str | None] = mapped_column(String(64))
    # Which canonical form the digest was made with (portal.minutes.rules.CANONICAL_FORMS): 1 for confirmations
    # made before the action rows were covered, so their digests keep verifying; set on confirmation.
    canonical_form: Mapped[int] = mapped_column(SmallInteger, default=1, server_default="1")
    governing_body_on: Mapped[date | None]
    governing_body_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    meeting = relationship("ReviewMeeting")
    written_by = relationship("User", foreign_keys=[written_by_id])
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id])
    change_requested_by = relationship("User", foreign_keys=[change_requested_by_id])
    actions = relationship("MinutesAction", back_populates="version", order_by="MinutesAction.id", cascade="all, delete-orphan")

    @property
    def audit_school_id(self):
        return self.school_id

    @property
    def is_locked(self):
        return self.status != MinutesStatus.DRAFT


class MinutesAction(db.Model):
    """An action from the minutes; on its owner's home page until marked done."""

    __tablename__ = "minutes_action"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    # active_history: the guard needs the version an action is moved away from, even if it was not loaded.
    version_id: Mapped[int] = mapped_column(ForeignKey("minutes_version.id"), index=True, active_history=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    owner_name: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date | None]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    version = relationship("MinutesVersion", back_populates="actions")
    owner = relationship("User", foreign_keys=[owner_id])

    @property
    def audit_school_id(self):
        return self.school_id


class ConfirmerNomination(db.Model):
    """The chair of governors names another governor to confirm one meeting's minutes."""

    __tablename__ = "confirmer_nomination"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("review_meeting.id"), unique=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    nominated_at: Mapped[datetime] = mapped_column(default=clock.now)

    user = relationship("User", foreign_keys=[user_id])

    @property
    def audit_school_id(self):
        return self.school_id
