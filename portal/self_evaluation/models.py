"""Self-evaluations: the school's judgement per area, then the adviser's."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db, stored_enum
from portal import clock


class EvaluationStatus(enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    VALIDATED = "validated"

    @property
    def label(self):
        return {"draft": "Draft", "submitted": "Submitted", "returned": "Returned to school", "validated": "Validated"}[self.value]

    @property
    def colour(self):
        return {"draft": "grey", "submitted": "blue", "returned": "orange", "validated": "green"}[self.value]



class SelfEvaluation(db.Model):
    __tablename__ = "self_evaluation"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("framework_version.id"), index=True)
    academic_year_id: Mapped[int | None] = mapped_column(ForeignKey("academic_year.id"))
    title: Mapped[str] = mapped_column(String(120))
    status: Mapped[EvaluationStatus] = mapped_column(stored_enum(EvaluationStatus, "self_evaluation_status", length=20), default=EvaluationStatus.DRAFT)
    safeguarding_met: Mapped[bool | None]
    safeguarding_note: Mapped[str] = mapped_column(Text, default="")
    adviser_summary: Mapped[str] = mapped_column(Text, default="")
    adviser_safeguarding_agrees: Mapped[bool | None]
    return_comments: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    school = relationship("School")
    version = relationship("FrameworkVersion")
    academic_year = relationship("AcademicYear")
    judgements = relationship("AreaJudgement", back_populates="self_evaluation", cascade="all, delete-orphan")
    created_by = relationship("User", foreign_keys=[created_by_id])
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def audit_school_id(self):
        return self.school_id

    @property
    def is_open_to_school(self):
        return self.status in (EvaluationStatus.DRAFT, EvaluationStatus.RETURNED)

    def judgement_for(self, area):
        return next((j for j in self.judgements if j.area_id == area.id), None)


class AreaJudgement(db.Model):
    """The school's grade and commentary for one area, and the adviser's view of it."""

    __tablename__ = "area_judgement"
    __audited__ = True
    __table_args__ = (UniqueConstraint("self_evaluation_id", "area_id", name="uq_area_judgement_evaluation_area"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    self_evaluation_id: Mapped[int] = mapped_column(ForeignKey("self_evaluation.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("evaluation_area.id"))
    grade_id: Mapped[int | None] = mapped_column(ForeignKey("scale_grade.id"))
    strengths: Mapped[str] = mapped_column(Text, default="")
    areas_for_development: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    # Bumped on every save so two people editing the same area never overwrite each other unseen.
    revision: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime | None]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    adviser_agrees: Mapped[bool | None]
    adviser_grade_id: Mapped[int | None] = mapped_column(ForeignKey("scale_grade.id"))
    adviser_reason: Mapped[str] = mapped_column(Text, default="")

    self_evaluation = relationship("SelfEvaluation", back_populates="judgements")
    area = relationship("EvaluationArea")
    grade = relationship("ScaleGrade", foreign_keys=[grade_id])
    adviser_grade = relationship("ScaleGrade", foreign_keys=[adviser_grade_id])
    updated_by = relationship("User", foreign_keys=[updated_by_id])

    @property
    def audit_school_id(self):
        return self.self_evaluation.school_id if self.self_evaluation else None

    @property
    def validated_grade(self):
        """The grade the adviser stands behind: the school's when agreed, otherwise the adviser's."""
        if self.adviser_agrees:
            return self.grade
        return self.adviser_grade if self.adviser_agrees is False else None
