"""A visit, the notes the adviser writes about it, and the school's answer on their accuracy.

The draft lives on the visit and changes freely until it is issued. Issuing writes version 1; every
later change (an accepted correction) is a new version with who, when and why. Versions are never
updated or deleted: ``portal.visits.guard`` refuses it at the model layer.
"""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db, stored_enum
from portal import clock


class VisitKind(enum.Enum):
    MONITORING = "monitoring"
    VERIFICATION = "verification"
    SUPPORT = "support"
    FOCUS = "focus"

    @property
    def label(self):
        return {"monitoring": "Monitoring visit", "verification": "Verification visit", "support": "Support visit",
                "focus": "Focus visit"}[self.value]


class NotesStatus(enum.Enum):
    DRAFT = "draft"                # the adviser is writing them
    ISSUED = "issued"              # with the school for a factual accuracy check
    CORRECTIONS = "corrections"    # the school said inaccurate: the adviser considers the corrections
    FINAL = "final"

    @property
    def label(self):
        return {"draft": "Draft", "issued": "Awaiting the school's accuracy check",
                "corrections": "Corrections to consider", "final": "Final"}[self.value]

    @property
    def colour(self):
        return {"draft": "grey", "issued": "blue", "corrections": "orange", "final": "green"}[self.value]


class FinalReason(enum.Enum):
    ACCURATE = "accurate"
    NO_RESPONSE = "no_response"
    CORRECTIONS_CONSIDERED = "corrections_considered"


class Verdict(enum.Enum):
    ACCURATE = "accurate"
    INACCURATE = "inaccurate"

    @property
    def label(self):
        return {"accurate": "Accurate", "inaccurate": "Inaccurate"}[self.value]


class CorrectionOutcome(enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"   # the notes were changed: a new version
    KEPT = "kept"           # the adviser kept the text and replied

    @property
    def label(self):
        return {"pending": "To consider", "accepted": "Correction accepted", "kept": "Text kept, with a reply"}[self.value]


class Visit(db.Model):
    __tablename__ = "visit"
    __audited__ = True
    # Each school's visits in a half term, asked of every school on the LA's pages.
    __table_args__ = (Index("ix_visit_school_visited_on", "school_id", "visited_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id", ondelete="SET NULL"), index=True)
    visited_on: Mapped[date] = mapped_column(index=True)
    kind: Mapped[VisitKind] = mapped_column(stored_enum(VisitKind, "visit_kind"))
    focus_priority_id: Mapped[int | None] = mapped_column(ForeignKey("priority.id", ondelete="SET NULL"))
    focus: Mapped[str] = mapped_column(String(300), default="")  # the focus priority's title when chosen
    people_seen: Mapped[str] = mapped_column(Text, default="")
    adviser_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())
    status: Mapped[NotesStatus] = mapped_column(stored_enum(NotesStatus, "notes_status"), default=NotesStatus.DRAFT, index=True)
    # The notes while they are a draft: {"summary": str, "sections": [{key, heading, priority_id, criterion_id,
    # seen, strengths, next_steps: [{description, owner, due_on}]}]}
    draft: Mapped[dict] = mapped_column(JSON, default=dict)
    issued_at: Mapped[datetime | None]
    response_due_on: Mapped[date | None]
    final_at: Mapped[datetime | None]
    final_reason: Mapped[FinalReason | None] = mapped_column(stored_enum(FinalReason, "notes_final_reason"))
    # The support activity this visit delivered, and the days of the adviser's time it used (counted in its days used).
    support_activity_id: Mapped[int | None] = mapped_column(ForeignKey("support_activity.id", ondelete="SET NULL"), index=True)
    support_days: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))

    school = relationship("School")
    plan = relationship("Plan")
    adviser = relationship("User")
    support_activity = relationship("SupportActivity")
    versions = relationship("NotesVersion", back_populates="visit", order_by="NotesVersion.number")
    responses = relationship("AccuracyResponse", back_populates="visit", order_by="AccuracyResponse.responded_at")
    attachments = relationship("EvidenceFile", primaryjoin="Visit.id == foreign(EvidenceFile.visit_id)",
                               order_by="EvidenceFile.id", viewonly=True)
    verifications = relationship("Verification", primaryjoin="Visit.id == foreign(Verification.visit_id)",
                                 order_by="Verification.decided_at", viewonly=True)

    @property
    def audit_school_id(self):
        return self.school_id

    @property
    def latest_version(self):
        return self.versions[-1] if self.versions else None

    @property
    def latest_response(self):
        return self.responses[-1] if self.responses else None

    @property
    def title(self):
        return f"{self.kind.label} on {self.visited_on.day} {self.visited_on:%B %Y}"

    @property
    def in_sentence(self):
        """The title inside a sentence: "the focus visit on 24 November 2026"."""
        return f"{self.kind.label.lower()} on {self.visited_on.day} {self.visited_on:%B %Y}"


class NotesVersion(db.Model):
    """The notes exactly as issued (number 1) or as changed afterwards. Insert-only."""

    __tablename__ = "notes_version"
    __audited__ = True
    __table_args__ = (UniqueConstraint("visit_id", "number", name="uq_notes_version_visit_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    number: Mapped[int]
    content: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    visit = relationship("Visit", back_populates="versions")
    created_by = relationship("User")

    @property
    def audit_school_id(self):
        return self.school_id


class AccuracyResponse(db.Model):
    """The headteacher's (or a senior leader's) answer to issued notes: accurate, or inaccurate with corrections."""

    __tablename__ = "accuracy_response"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    version_number: Mapped[int]
    verdict: Mapped[Verdict] = mapped_column(stored_enum(Verdict, "accuracy_verdict"))
    comment: Mapped[str] = mapped_column(Text, default="")
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    responded_at: Mapped[datetime] = mapped_column(default=clock.now)

    visit = relationship("Visit", back_populates="responses")
    responded_by = relationship("User")
    corrections = relationship("Correction", back_populates="response", order_by="Correction.id", cascade="all, delete-orphan")

    @property
    def audit_school_id(self):
        return self.school_id


class Correction(db.Model):
    """One passage the school says is inaccurate, the correction it asks for, and what the adviser decided."""

    __tablename__ = "notes_correction"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("accuracy_response.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    passage_key: Mapped[str] = mapped_column(String(60))
    passage_heading: Mapped[str] = mapped_column(String(400))
    original_text: Mapped[str] = mapped_column(Text, default="")
    correction: Mapped[str] = mapped_column(Text)
    outcome: Mapped[CorrectionOutcome] = mapped_column(stored_enum(CorrectionOutcome, "correction_outcome"),
                                                       default=CorrectionOutcome.PENDING)
    reply: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]

    response = relationship("AccuracyResponse", back_populates="corrections")
    decided_by = relationship("User")

    @property
    def audit_school_id(self):
        return self.school_id
