"""A school's improvement plan, drafted by its leaders and agreed by its adviser."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db, stored_enum
from portal import clock


class PlanKind(enum.Enum):
    RAP = "rap"
    STATEMENT_OF_ACTION = "statement_of_action"
    POST_INSPECTION = "post_inspection"

    @property
    def label(self):
        return {"rap": "Raising Achievement Plan", "statement_of_action": "Statement of Action",
                "post_inspection": "Post-inspection action plan"}[self.value]


class PlanStatus(enum.Enum):
    DRAFT = "draft"
    AGREED = "agreed"
    AMENDED = "amended"  # changed since the adviser agreed it: the agreed version is kept

    @property
    def label(self):
        return {"draft": "Draft", "agreed": "Agreed", "amended": "Changed since agreed"}[self.value]

    @property
    def colour(self):
        return {"draft": "grey", "agreed": "green", "amended": "orange"}[self.value]



class Plan(db.Model):
    __tablename__ = "plan"
    __audited__ = True
    # Each school's plan for a year, asked of every school on the LA's pages.
    __table_args__ = (Index("ix_plan_school_year", "school_id", "academic_year_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id"))
    kind: Mapped[PlanKind] = mapped_column(stored_enum(PlanKind, "plan_kind"), default=PlanKind.RAP)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[PlanStatus] = mapped_column(stored_enum(PlanStatus, "plan_status"), default=PlanStatus.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())

    school = relationship("School")
    academic_year = relationship("AcademicYear")
    priorities = relationship("Priority", back_populates="plan", order_by="Priority.position", cascade="all, delete-orphan")
    agreements = relationship("PlanAgreement", back_populates="plan", order_by="PlanAgreement.agreed_at",
                              cascade="all, delete-orphan")

    @property
    def audit_school_id(self):
        return self.school_id

    @property
    def latest_agreement(self):
        return self.agreements[-1] if self.agreements else None

    @property
    def success_criteria(self):
        return [criterion for priority in self.priorities for criterion in priority.success_criteria]


class PlanAgreement(db.Model):
    """The plan exactly as the adviser agreed it: every agreed version is kept."""

    __tablename__ = "plan_agreement"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    agreed_at: Mapped[datetime] = mapped_column(default=clock.now)
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    snapshot: Mapped[dict] = mapped_column(JSON)

    plan = relationship("Plan", back_populates="agreements")
    agreed_by = relationship("User")

    @property
    def audit_school_id(self):
        return self.plan.school_id if self.plan else None


class Priority(db.Model):
    __tablename__ = "priority"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")

    plan = relationship("Plan", back_populates="priorities")
    actions = relationship("PlanAction", back_populates="priority", order_by="PlanAction.position", cascade="all, delete-orphan")
    success_criteria = relationship("SuccessCriterion", back_populates="priority", order_by="SuccessCriterion.position",
                                    cascade="all, delete-orphan")

    @property
    def audit_school_id(self):
        return self.plan.school_id if self.plan else None


class PlanAction(db.Model):
    """What will be done, by whom, by when, at what cost."""

    __tablename__ = "plan_action"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    priority_id: Mapped[int] = mapped_column(ForeignKey("priority.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200), default="")
    starts_on: Mapped[date | None]
    due_on: Mapped[date | None]
    cost: Mapped[str] = mapped_column(String(200), default="")

    priority = relationship("Priority", back_populates="actions")

    @property
    def audit_school_id(self):
        return self.priority.plan.school_id if self.priority and self.priority.plan else None


class SuccessCriterion(db.Model):
    """A measurable sign of success, with a milestone for each half term of the plan."""

    __tablename__ = "success_criterion"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    priority_id: Mapped[int] = mapped_column(ForeignKey("priority.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(Text)

    priority = relationship("Priority", back_populates="success_criteria")
    milestones = relationship("Milestone", back_populates="criterion", cascade="all, delete-orphan")

    @property
    def audit_school_id(self):
        return self.priority.plan.school_id if self.priority and self.priority.plan else None

    def milestone_for(self, half_term):
        return next((m.text for m in self.milestones if m.half_term_id == half_term.id), "")


class Milestone(db.Model):
    __tablename__ = "milestone"
    __audited__ = True
    __table_args__ = (UniqueConstraint("criterion_id", "half_term_id", name="uq_milestone_criterion_half_term"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("success_criterion.id"), index=True)
    half_term_id: Mapped[int] = mapped_column(ForeignKey("half_term.id"))
    text: Mapped[str] = mapped_column(Text, default="")

    criterion = relationship("SuccessCriterion", back_populates="milestones")
    half_term = relationship("HalfTerm")

    @property
    def audit_school_id(self):
        return self.criterion.audit_school_id if self.criterion else None
