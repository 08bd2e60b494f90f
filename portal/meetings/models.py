"""Review meetings of a school's plan, their members, reschedules and the RAG review of each criterion."""

import enum
import uuid
from datetime import date, datetime, time

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db, stored_enum
from portal import clock



class MeetingType(db.Model):
    """A kind of meeting the LA holds (RAP review, School Improvement Board, Project Board …): data the LA admin
    keeps, each with its own deadlines where it differs from the LA's (blank: the LA's default)."""

    __tablename__ = "meeting_type"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # It reviews a plan: each success criterion is rated red, amber or green at the meeting.
    reviews_plan: Mapped[bool] = mapped_column(default=False)
    agenda_days: Mapped[int | None]  # working days before the meeting
    evidence_days: Mapped[int | None]
    minutes_days: Mapped[int | None]  # working days after
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    @property
    def label(self):
        return self.name


class Rhythm(enum.Enum):
    """How often a kind of meeting is held through the academic year."""

    HALF_TERMLY = "half_termly"
    TERMLY = "termly"
    EVERY_TWO_MONTHS = "every_two_months"
    MONTHLY = "monthly"
    YEARLY = "yearly"

    @property
    def label(self):
        return {"monthly": "Monthly", "every_two_months": "Every two months", "half_termly": "Half-termly",
                "termly": "Termly", "yearly": "Once a year"}[self.value]


class CategoryMeetingRhythm(db.Model):
    """A category of the scheme holds this kind of meeting in this rhythm (a category may hold several kinds).

    Keyed by the category's ``key``, which stays the same across the scheme's versions, so a new version of the
    scheme keeps its rhythms."""

    __tablename__ = "category_meeting_rhythm"
    __audited__ = True
    __table_args__ = (UniqueConstraint("scheme_id", "category_key", "meeting_type_id", name="uq_category_meeting_rhythm"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("category_scheme.id"), index=True)
    category_key: Mapped[str] = mapped_column(String(60))
    meeting_type_id: Mapped[int] = mapped_column(ForeignKey("meeting_type.id"))
    rhythm: Mapped[Rhythm] = mapped_column(stored_enum(Rhythm, "meeting_rhythm", 20))

    meeting_type = relationship("MeetingType", lazy="joined")


class MeetingStatus(enum.Enum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Rag(enum.Enum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"

    @property
    def label(self):
        return {"red": "Red: off track", "amber": "Amber: some progress", "green": "Green: on track"}[self.value]

    @property
    def colour(self):
        return {"red": "red", "amber": "orange", "green": "green"}[self.value]


class ReviewMeeting(db.Model):
    __tablename__ = "review_meeting"
    __audited__ = True
    # Each school's meetings by date (the next one, those recently held), asked of every school at once.
    __table_args__ = (Index("ix_review_meeting_school_meets_on", "school_id", "meets_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id"), index=True)
    half_term_id: Mapped[int | None] = mapped_column(ForeignKey("half_term.id"))
    # The kind of meeting, by its key (the column kept its name when kinds became data).
    kind_key: Mapped[str] = mapped_column("kind", String(30), ForeignKey("meeting_type.key"), default="rap_review")
    meets_on: Mapped[date] = mapped_column(index=True)
    starts_at: Mapped[time]
    ends_at: Mapped[time]
    place: Mapped[str] = mapped_column(String(200), default="")
    chair: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[MeetingStatus] = mapped_column(stored_enum(MeetingStatus, "meeting_status"), default=MeetingStatus.SCHEDULED)
    cancelled_reason: Mapped[str] = mapped_column(Text, default="")
    # Calendar invitation identity: the UID never changes; SEQUENCE rises with every change of date.
    uid: Mapped[str] = mapped_column(String(80), unique=True, default=lambda: f"{uuid.uuid4()}@school-improvement-portal")
    sequence: Mapped[int] = mapped_column(default=0)
    agenda: Mapped[str] = mapped_column(Text, default="")
    # Or the agenda as an uploaded document (PDF, Word or OpenDocument text), beside or instead of the text.
    agenda_document_name: Mapped[str | None] = mapped_column(String(255))
    agenda_document_key: Mapped[str | None] = mapped_column(String(120))
    agenda_document_sha256: Mapped[str | None] = mapped_column(String(64))
    agenda_sent_at: Mapped[datetime | None]
    minutes_circulated_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())

    school = relationship("School")
    plan = relationship("Plan")
    half_term = relationship("HalfTerm")
    # Joined: a meeting's title and deadlines need its kind, on every list of meetings.
    kind = relationship("MeetingType", lazy="joined")
    members = relationship("MeetingMember", back_populates="meeting", cascade="all, delete-orphan")
    date_changes = relationship("MeetingDateChange", back_populates="meeting", order_by="MeetingDateChange.changed_at",
                                cascade="all, delete-orphan")
    criterion_reviews = relationship("CriterionReview", back_populates="meeting", cascade="all, delete-orphan")
    next_steps = relationship("NextStep", back_populates="meeting", order_by="NextStep.id", cascade="all, delete-orphan")

    @property
    def audit_school_id(self):
        return self.school_id

    @property
    def is_cancelled(self):
        return self.status == MeetingStatus.CANCELLED

    @property
    def title(self):
        return f"{self.kind.label}{', ' + self.half_term.name if self.half_term else ''}"

    def review_for(self, criterion):
        return next((r for r in self.criterion_reviews if r.criterion_id == criterion.id), None)


class MeetingMember(db.Model):
    """Someone expected at the meeting: a portal user, or a name and email for anyone else."""

    __tablename__ = "meeting_member"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("review_meeting.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), default="")
    role: Mapped[str] = mapped_column(String(100), default="")

    meeting = relationship("ReviewMeeting", back_populates="members")
    user = relationship("User")

    @property
    def audit_school_id(self):
        return self.meeting.school_id if self.meeting else None


class MeetingDateChange(db.Model):
    """A reschedule: the old and new date and time, who moved it and why."""

    __tablename__ = "meeting_date_change"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("review_meeting.id"), index=True)
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    from_date: Mapped[date]
    to_date: Mapped[date]
    from_time: Mapped[time]
    to_time: Mapped[time]
    reason: Mapped[str] = mapped_column(Text, default="")

    meeting = relationship("ReviewMeeting", back_populates="date_changes")
    changed_by = relationship("User")

    @property
    def audit_school_id(self):
        return self.meeting.school_id if self.meeting else None


class CriterionReview(db.Model):
    """Progress on one success criterion at one review: a RAG rating and a note."""

    __tablename__ = "criterion_review"
    __audited__ = True
    __table_args__ = (UniqueConstraint("meeting_id", "criterion_id", name="uq_criterion_review_meeting_criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("review_meeting.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("success_criterion.id"), index=True)
    rag: Mapped[Rag] = mapped_column(stored_enum(Rag, "rag_rating"))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)

    meeting = relationship("ReviewMeeting", back_populates="criterion_reviews")
    criterion = relationship("SuccessCriterion")

    @property
    def audit_school_id(self):
        return self.meeting.school_id if self.meeting else None


class NextStep(db.Model):
    """An action agreed at the review: what, who, by when."""

    __tablename__ = "next_step"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("review_meeting.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date | None]
    done_at: Mapped[datetime | None]

    meeting = relationship("ReviewMeeting", back_populates="next_steps")

    @property
    def audit_school_id(self):
        return self.meeting.school_id if self.meeting else None
