"""Grading scales and versioned self-evaluation frameworks: data the LA admin maintains.

Ofsted's report cards (from 10 November 2025) grade each area on five points with
safeguarding met / not met and no overall grade; older LA frameworks use 1-4.
Neither is code: both are rows here.
"""

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.versioning import VersionStatusMixin


class VersionStatus(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"

    @property
    def label(self):
        return {"draft": "Draft", "published": "Published", "superseded": "Superseded"}[self.value]


# The early years area's key in the ready-made frameworks (keys stay the same across versions).
EARLY_YEARS_KEY = "early-years"
# Early years is nursery and reception: a school whose youngest pupils are 5 or older has none.
EARLY_YEARS_END_AGE = 5
# Pupils stay in a sixth form until 18: a school whose oldest pupils are 16 has none.
LAST_AGE_WITHOUT_SIXTH_FORM = 16

# GOV.UK tag colours a grade may use.
GRADE_COLOURS = ["green", "teal", "blue", "light-blue", "purple", "yellow", "orange", "red", "pink", "grey"]


class GradingScale(db.Model):
    __tablename__ = "grading_scale"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")

    grades = relationship("ScaleGrade", back_populates="scale", order_by="ScaleGrade.position", cascade="all, delete-orphan")


class ScaleGrade(db.Model):
    """One point on a scale; position 1 is the best."""

    __tablename__ = "scale_grade"
    __audited__ = True
    __table_args__ = (UniqueConstraint("scale_id", "position", name="uq_scale_grade_scale_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scale_id: Mapped[int] = mapped_column(ForeignKey("grading_scale.id"), index=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(80))
    descriptor: Mapped[str] = mapped_column(Text, default="")
    colour: Mapped[str] = mapped_column(String(20), default="grey")
    # Grades at or below this line are "weakest": they suggest plan priorities.
    is_concern: Mapped[bool] = mapped_column(default=False)

    scale = relationship("GradingScale", back_populates="grades")


class Framework(VersionStatusMixin, db.Model):
    __tablename__ = "framework"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # The framework new self-evaluations are written against.
    is_current: Mapped[bool] = mapped_column(default=False)

    versions = relationship("FrameworkVersion", back_populates="framework", order_by="FrameworkVersion.number",
                            cascade="all, delete-orphan")


class FrameworkVersion(db.Model):
    """A frozen set of areas and a scale. A published version in use is never edited, only superseded."""

    __tablename__ = "framework_version"
    __audited__ = True
    __table_args__ = (UniqueConstraint("framework_id", "number", name="uq_framework_version_framework_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("framework.id"), index=True)
    number: Mapped[int]
    scale_id: Mapped[int] = mapped_column(ForeignKey("grading_scale.id"))
    status: Mapped[VersionStatus] = mapped_column(
        Enum(VersionStatus, name="framework_version_status", values_callable=lambda e: [m.value for m in e], native_enum=False, length=20),
        default=VersionStatus.DRAFT,
    )
    has_safeguarding: Mapped[bool] = mapped_column(default=True)
    change_note: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None]

    framework = relationship("Framework", back_populates="versions")
    scale = relationship("GradingScale")
    areas = relationship("EvaluationArea", back_populates="version", order_by="EvaluationArea.position",
                         cascade="all, delete-orphan")

    @property
    def label(self):
        return f"{self.framework.name}, version {self.number}"

    def areas_for_phase(self, phase: str):
        return [area for area in self.areas if area.applies_to(phase)]

    def areas_for_school(self, school):
        return [area for area in self.areas if area.applies_to_school(school)]


class EvaluationArea(db.Model):
    """An area schools grade themselves in. ``key`` is stable across versions so history lines up."""

    __tablename__ = "evaluation_area"
    __audited__ = True
    __table_args__ = (UniqueConstraint("version_id", "key", name="uq_evaluation_area_version_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("framework_version.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(160))
    position: Mapped[int] = mapped_column(default=0)
    criteria: Mapped[str] = mapped_column(Text, default="")
    # Comma-separated GIAS phases it applies to; blank means every phase.
    phases: Mapped[str] = mapped_column(String(300), default="")
    # Only for schools with a sixth form, when GIAS says whether a school has one (else the phases decide).
    needs_sixth_form: Mapped[bool] = mapped_column(default=False, server_default=false())

    version = relationship("FrameworkVersion", back_populates="areas")
    descriptors = relationship("AreaDescriptor", back_populates="area", cascade="all, delete-orphan")

    @property
    def phase_list(self):
        return [p.strip() for p in self.phases.split(",") if p.strip()]

    def applies_to(self, phase: str) -> bool:
        return not self.phase_list or phase in self.phase_list

    def applies_to_school(self, school) -> bool:
        """What GIAS (or the LA admin) knows about the school decides before its phase does: a junior school (7 to 11)
        is not asked about early years, an 11 to 16 secondary not about a sixth form."""
        if self.key == EARLY_YEARS_KEY and school.statutory_low_age is not None:
            return school.statutory_low_age < EARLY_YEARS_END_AGE
        if self.needs_sixth_form:
            if school.has_sixth_form is not None:
                return school.has_sixth_form
            if school.statutory_high_age is not None and school.statutory_high_age <= LAST_AGE_WITHOUT_SIXTH_FORM:
                return False
        return self.applies_to(school.phase)

    def descriptor_for(self, grade) -> str:
        return next((d.text for d in self.descriptors if d.grade_id == grade.id), "")


class AreaDescriptor(db.Model):
    """What a grade looks like in one area."""

    __tablename__ = "area_descriptor"
    __audited__ = True
    __table_args__ = (UniqueConstraint("area_id", "grade_id", name="uq_area_descriptor_area_grade"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("evaluation_area.id"), index=True)
    grade_id: Mapped[int] = mapped_column(ForeignKey("scale_grade.id"))
    text: Mapped[str] = mapped_column(Text, default="")

    area = relationship("EvaluationArea", back_populates="descriptors")
    grade = relationship("ScaleGrade")
