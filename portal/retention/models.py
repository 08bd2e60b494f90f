"""The LA's retention periods (one row) and the record each removed file leaves behind."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal import clock
from portal.extensions import db


class RetentionSettings(db.Model):
    """How many years the LA keeps files: one row, the LA admin's to set. No row: nothing is removed yet."""

    __tablename__ = "retention_settings"
    __audited__ = True
    __table_args__ = (
        CheckConstraint("evidence_file_years BETWEEN 1 AND 50", name="evidence_file_years_range"),
        CheckConstraint("closed_school_years BETWEEN 1 AND 50", name="closed_school_years_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_file_years: Mapped[int] = mapped_column(default=6)  # counted from upload
    closed_school_years: Mapped[int] = mapped_column(default=6)  # counted from the day the school closed

    @property
    def audit_school_id(self):
        return None


class RemovedFile(db.Model):
    """A stored file removed under the retention rules: what it was, what it belonged to, when and why it went.

    The bytes are gone; this row is the record that they were removed on purpose (not lost), so a download or a
    check of confirmed minutes can say so instead of reporting a mismatch."""

    __tablename__ = "removed_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    storage_key: Mapped[str] = mapped_column(String(120), unique=True)
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None]
    display_name: Mapped[str] = mapped_column(String(255))
    belonged_to: Mapped[str] = mapped_column(String(40))  # evidence, visit, intervention, agenda, minutes
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    removed_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
