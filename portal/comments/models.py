"""A comment on one part of a plan and the thread that answers it.

The comment keeps a copy of what it was about (``target_label``): if the priority, action or criterion
is later deleted from the plan the conversation still reads sensibly (its link becomes empty).
"""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db, stored_enum
from portal import clock


class CommentKind(enum.Enum):
    QUESTION = "question"
    CHALLENGE = "challenge"
    PRAISE = "praise"

    @property
    def label(self):
        return {"question": "Question", "challenge": "Challenge", "praise": "Praise"}[self.value]

    @property
    def colour(self):
        return {"question": "blue", "challenge": "orange", "praise": "green"}[self.value]


class CommentStatus(enum.Enum):
    OPEN = "open"
    RESOLVED = "resolved"

    @property
    def label(self):
        return {"open": "Open", "resolved": "Resolved"}[self.value]


class PlanComment(db.Model):
    __tablename__ = "plan_comment"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    priority_id: Mapped[int | None] = mapped_column(ForeignKey("priority.id", ondelete="SET NULL"), index=True)
    action_id: Mapped[int | None] = mapped_column(ForeignKey("plan_action.id", ondelete="SET NULL"), index=True)
    criterion_id: Mapped[int | None] = mapped_column(ForeignKey("success_criterion.id", ondelete="SET NULL"), index=True)
    target_label: Mapped[str] = mapped_column(String(400))
    kind: Mapped[CommentKind] = mapped_column(stored_enum(CommentKind, "comment_kind"))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[CommentStatus] = mapped_column(stored_enum(CommentStatus, "comment_status"), default=CommentStatus.OPEN,
                                                  index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    resolved_at: Mapped[datetime | None]

    plan = relationship("Plan")
    school = relationship("School")
    created_by = relationship("User", foreign_keys=[created_by_id])
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])
    replies = relationship("CommentReply", back_populates="comment", order_by="CommentReply.created_at",
                           cascade="all, delete-orphan")

    @property
    def audit_school_id(self):
        return self.school_id


class CommentReply(db.Model):
    __tablename__ = "comment_reply"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("plan_comment.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    comment = relationship("PlanComment", back_populates="replies")
    author = relationship("User")

    @property
    def audit_school_id(self):
        return self.school_id
