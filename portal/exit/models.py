"""Exit criteria (the LA's list), a school's exit checklist with an answer per criterion, and the LA's decisions on it.

A checklist's answers keep the criterion's title and meaning as they were when the checklist was closed: a criterion
changed or retired later still reads as it was asked on old checklists.
"""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock
from portal.extensions import db, stored_enum


class ExitCriterion(db.Model):
    """One of the LA's exit criteria. Retired ones are offered on no new checklist but stay on those that have them."""

    __tablename__ = "exit_criterion"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    meaning: Mapped[str] = mapped_column(Text, default="")  # what meeting it looks like, in the LA's words
    position: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())

    @property
    def audit_school_id(self):
        return None  # the LA's list, no one school's

    @property
    def is_retired(self):
        return self.retired_at is not None


class ChecklistStatus(enum.Enum):
    OPEN = "open"                # the adviser is gathering the evidence (again, after a decline)
    RECOMMENDED = "recommended"  # the adviser recommends exit: waiting for the LA admin
    APPROVED = "approved"        # exit approved: the school moved category; the checklist is closed

    @property
    def label(self):
        return {"open": "Open", "recommended": "Exit recommended", "approved": "Exit approved"}[self.value]

    @property
    def colour(self):
        return {"open": "blue", "recommended": "purple", "approved": "green"}[self.value]


class Answer(enum.Enum):
    MET = "met"
    NOT_YET = "not_yet"

    @property
    def label(self):
        return {"met": "Met", "not_yet": "Not yet"}[self.value]

    @property
    def colour(self):
        return {"met": "green", "not_yet": "orange"}[self.value]


class ExitChecklist(db.Model):
    __tablename__ = "exit_checklist"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    status: Mapped[ChecklistStatus] = mapped_column(stored_enum(ChecklistStatus, "exit_checklist_status", 20),
                                                    default=ChecklistStatus.OPEN, index=True)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    started_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())
    # The adviser's recommendation (kept after a decline, for the next try).
    recommended_category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    recommendation: Mapped[str] = mapped_column(Text, default="")
    recommended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recommended_at: Mapped[datetime | None]
    # Set on approval: the category history entry it made, and light-touch monitoring.
    category_entry_id: Mapped[int | None] = mapped_column(ForeignKey("school_category.id"))
    light_touch_terms: Mapped[int | None]
    light_touch_ends_on: Mapped[date | None]
    closed_on: Mapped[date | None]

    school = relationship("School")
    started_by = relationship("User", foreign_keys=[started_by_id])
    recommended_by = relationship("User", foreign_keys=[recommended_by_id])
    recommended_category = relationship("Category")
    category_entry = relationship("SchoolCategory")
    answers = relationship("ExitAnswer", back_populates="checklist", order_by="ExitAnswer.position",
                           cascade="all, delete-orphan")
    decisions = relationship("ExitDecision", back_populates="checklist", order_by="ExitDecision.id",
                             cascade="all, delete-orphan")

    @property
    def audit_school_id(self):
        return self.school_id

    @property
    def is_closed(self):
        return self.status == ChecklistStatus.APPROVED

    @property
    def unanswered(self):
        return [answer for answer in self.answers if answer.answer is None]

    @property
    def latest_decision(self):
        return self.decisions[-1] if self.decisions else None


class ExitAnswer(db.Model):
    """Met or not yet for one criterion on one checklist, a note, and links to evidence held in the portal."""

    __tablename__ = "exit_answer"
    __audited__ = True
    __table_args__ = (UniqueConstraint("checklist_id", "criterion_id", name="uq_exit_answer_checklist_criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("exit_checklist.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("exit_criterion.id"))
    position: Mapped[int] = mapped_column(default=0)
    # The criterion as asked (kept up to date while the checklist is open, fixed once it closes).
    title: Mapped[str] = mapped_column(String(200))
    meaning: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[Answer | None] = mapped_column(stored_enum(Answer, "exit_answer_value", 10))
    note: Mapped[str] = mapped_column(Text, default="")
    # [{"kind": "self_evaluation" | "plan" | "verification" | "minutes" | "visit", "id": int}]
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    answered_at: Mapped[datetime | None]

    checklist = relationship("ExitChecklist", back_populates="answers")
    criterion = relationship("ExitCriterion")
    answered_by = relationship("User")

    @property
    def audit_school_id(self):
        return self.checklist.school_id if self.checklist else None

    @property
    def is_blank(self):
        return self.answer is None and not (self.note or "").strip() and not self.evidence


class DecisionOutcome(enum.Enum):
    APPROVED = "approved"
    DECLINED = "declined"

    @property
    def label(self):
        return {"approved": "Approved", "declined": "Declined"}[self.value]

    @property
    def colour(self):
        return {"approved": "green", "declined": "red"}[self.value]


class ExitDecision(db.Model):
    """The LA admin's answer to one recommendation: approved (with light-touch monitoring) or declined, and why."""

    __tablename__ = "exit_decision"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("exit_checklist.id"), index=True)
    outcome: Mapped[DecisionOutcome] = mapped_column(stored_enum(DecisionOutcome, "exit_decision_outcome", 20))
    reason: Mapped[str] = mapped_column(Text)
    recommended_category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    light_touch_terms: Mapped[int | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())

    checklist = relationship("ExitChecklist", back_populates="decisions")
    recommended_category = relationship("Category")
    decided_by = relationship("User")

    @property
    def audit_school_id(self):
        return self.checklist.school_id if self.checklist else None
