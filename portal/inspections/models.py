"""Ofsted inspections: report-card grades per area (from November 2025) or a legacy overall grade."""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal import clock

INSPECTION_TYPES = [
    "Report card inspection",
    "Monitoring inspection",
    "Graded inspection (before November 2025)",
    "Ungraded inspection (before November 2025)",
]
LEGACY_GRADES = ["Outstanding", "Good", "Requires improvement", "Inadequate", "Serious weaknesses", "Special measures"]
REPORT_CARD_START = date(2025, 11, 10)


class Inspection(db.Model):
    __tablename__ = "inspection"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    inspected_on: Mapped[date]
    inspection_type: Mapped[str] = mapped_column(String(80))
    # Report cards: {area key: grade name} on the report-card scale; legacy: one overall grade.
    area_grades: Mapped[dict] = mapped_column(JSON, default=dict)
    legacy_grade: Mapped[str | None] = mapped_column(String(40))
    safeguarding_met: Mapped[bool | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())

    school = relationship("School")
    recorded_by = relationship("User")

    @property
    def audit_school_id(self):
        return self.school_id

    @property
    def is_report_card(self):
        return self.legacy_grade is None
