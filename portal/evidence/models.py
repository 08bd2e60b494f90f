"""Evidence a school submits against its plan's success criteria, its files, and the adviser's verification."""

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db, stored_enum
from portal import clock



class EvidenceStatus(enum.Enum):
    SUBMITTED = "submitted"        # waiting in the adviser's verification queue
    QUERIED = "queried"            # the adviser asked a question; the school answers
    VERIFIED = "verified"
    NOT_ACCEPTED = "not_accepted"
    WITHDRAWN = "withdrawn"        # by the school, before verification; kept, never deleted

    @property
    def label(self):
        return {"submitted": "Awaiting verification", "queried": "Query raised", "verified": "Verified",
                "not_accepted": "Not accepted", "withdrawn": "Withdrawn"}[self.value]

    @property
    def colour(self):
        return {"submitted": "blue", "queried": "orange", "verified": "green", "not_accepted": "red",
                "withdrawn": "grey"}[self.value]


class Decision(enum.Enum):
    VERIFIED = "verified"
    QUERY = "query"
    NOT_ACCEPTED = "not_accepted"

    @property
    def label(self):
        return {"verified": "Verified", "query": "Query raised", "not_accepted": "Not accepted"}[self.value]


evidence_criterion = Table(
    "evidence_criterion",
    db.metadata,
    Column("evidence_id", Integer, ForeignKey("evidence_item.id"), primary_key=True),
    Column("criterion_id", Integer, ForeignKey("success_criterion.id"), primary_key=True),
)


class EvidenceItem(db.Model):
    __tablename__ = "evidence_item"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("review_meeting.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[EvidenceStatus] = mapped_column(stored_enum(EvidenceStatus, "evidence_status"), default=EvidenceStatus.SUBMITTED,
                                                   index=True)
    late: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())
    withdrawn_at: Mapped[datetime | None]

    school = relationship("School")
    meeting = relationship("ReviewMeeting")
    criteria = relationship("SuccessCriterion", secondary=evidence_criterion)
    versions = relationship("EvidenceVersion", back_populates="item", order_by="EvidenceVersion.number",
                            cascade="all, delete-orphan")
    decisions = relationship("Verification", back_populates="item", order_by="Verification.decided_at",
                             cascade="all, delete-orphan")
    created_by = relationship("User")

    @property
    def audit_school_id(self):
        return self.school_id

    @property
    def latest_version(self):
        return self.versions[-1] if self.versions else None

    @property
    def latest_decision(self):
        return self.decisions[-1] if self.decisions else None


class EvidenceVersion(db.Model):
    """What the school sent: the first submission, then each answer to a query. Never changed afterwards."""

    __tablename__ = "evidence_version"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_item.id"), index=True)
    number: Mapped[int]
    narrative: Mapped[str] = mapped_column(Text, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=clock.now)

    item = relationship("EvidenceItem", back_populates="versions")
    files = relationship("EvidenceFile", back_populates="version", order_by="EvidenceFile.id")
    submitted_by = relationship("User")

    @property
    def audit_school_id(self):
        return self.item.school_id if self.item else None


class EvidenceFile(db.Model):
    """A stored file. Uploaded before the form is complete it waits, owned by its uploader, with no version (nor visit,
    nor intervention step)."""

    __tablename__ = "evidence_file"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_version.id"), index=True)
    # Or attached to an adviser's notes of visit (same storage and file rules); neither while its form is incomplete.
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"), index=True)
    # Or a document of an LA intervention step (portal.intervention), the same way.
    intervention_step_id: Mapped[int | None] = mapped_column(ForeignKey("intervention_step.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=clock.now)
    display_name: Mapped[str] = mapped_column(String(255))
    storage_key: Mapped[str] = mapped_column(String(120), unique=True)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    mime_type: Mapped[str] = mapped_column(String(120))
    kind_label: Mapped[str] = mapped_column(String(80), default="")
    # The bytes were removed under the LA's retention rules (portal.retention): the row stays, as the record.
    removed_at: Mapped[datetime | None]

    version = relationship("EvidenceVersion", back_populates="files")

    @property
    def audit_school_id(self):
        return self.school_id


class Verification(db.Model):
    """The adviser's decision on the latest version: verified, a query, or not accepted with a reason."""

    __tablename__ = "verification"
    __audited__ = True
    # "Has this school had anything verified this half term?" is asked of every school on the LA's pages.
    __table_args__ = (Index("ix_verification_school_half_term", "school_id", "half_term_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_item.id"), index=True)
    version_number: Mapped[int]
    decision: Mapped[Decision] = mapped_column(stored_enum(Decision, "verification_decision"))
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(default=clock.now)
    half_term_id: Mapped[int | None] = mapped_column(ForeignKey("half_term.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"), index=True)  # made during this visit

    item = relationship("EvidenceItem", back_populates="decisions")
    visit = relationship("Visit", foreign_keys=[visit_id])
    decided_by = relationship("User")
    half_term = relationship("HalfTerm")

    @property
    def audit_school_id(self):
        return self.school_id
