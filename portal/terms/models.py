"""The academic year's terms and half terms, entered by the LA admin."""

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db

HALF_TERM_NAMES = ["Autumn 1", "Autumn 2", "Spring 1", "Spring 2", "Summer 1", "Summer 2"]


class AcademicYear(db.Model):
    __tablename__ = "academic_year"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    start_year: Mapped[int] = mapped_column(unique=True)

    half_terms = relationship(
        "HalfTerm", back_populates="academic_year", order_by="HalfTerm.number", cascade="all, delete-orphan"
    )

    @property
    def label(self) -> str:
        return f"{self.start_year} to {self.start_year + 1}"

    @property
    def starts_on(self):
        return self.half_terms[0].starts_on if self.half_terms else None

    @property
    def ends_on(self):
        return self.half_terms[-1].ends_on if self.half_terms else None


class HalfTerm(db.Model):
    __tablename__ = "half_term"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("academic_year_id", "number", name="uq_half_term_year_number"),
        CheckConstraint("number BETWEEN 1 AND 6", name="number_1_to_6"),
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    academic_year_id: Mapped[int] = mapped_column(ForeignKey("academic_year.id"), index=True)
    number: Mapped[int]
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    academic_year = relationship("AcademicYear", back_populates="half_terms")

    @property
    def name(self) -> str:
        return HALF_TERM_NAMES[self.number - 1]


class ClosureDay(db.Model):
    """A day the LA's schools are closed (e.g. an INSET day shared by all): not a working day."""

    __tablename__ = "closure_day"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    reason: Mapped[str] = mapped_column(String(200), default="")


class DeadlineSettings(db.Model):
    """The LA's deadline offsets in working days; one row. Defaults follow Reading's RAP process."""

    __tablename__ = "deadline_settings"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("agenda_days BETWEEN 0 AND 60", name="agenda_days_range"),
        CheckConstraint("evidence_days BETWEEN 0 AND 60", name="evidence_days_range"),
        CheckConstraint("minutes_days BETWEEN 0 AND 60", name="minutes_days_range"),
        CheckConstraint("notes_days BETWEEN 0 AND 60", name="notes_days_range"),
        CheckConstraint("notes_response_days BETWEEN 0 AND 60", name="notes_response_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_days: Mapped[int] = mapped_column(default=10)
    evidence_days: Mapped[int] = mapped_column(default=5)
    minutes_days: Mapped[int] = mapped_column(default=10)
    notes_days: Mapped[int] = mapped_column(default=5, server_default="5")  # notes of visit after the visit
    notes_response_days: Mapped[int] = mapped_column(default=5, server_default="5")  # the school's accuracy check
