"""Support package templates (data the LA admin keeps) and each school's support package with its activities.

A template's activity says *when* relative to a trigger (a number and a unit, an optional repeat, and the words
people read); applying the template to a school on a trigger date turns that into a real due date. Days are
``Decimal`` in half-day steps; money is whole pence (``int``), never a float.
"""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock
from portal.extensions import db, stored_enum

DAYS = Numeric(6, 1)


class OffsetUnit(enum.Enum):
    WORKING_DAYS = "working_days"
    WEEKS = "weeks"
    CALENDAR_DAYS = "calendar_days"

    @property
    def label(self):
        return {"working_days": "working days", "weeks": "weeks", "calendar_days": "calendar days"}[self.value]


class Repeat(enum.Enum):
    NONE = "none"
    HALF_TERMLY = "half_termly"
    TERMLY = "termly"

    @property
    def label(self):
        return {"none": "Once", "half_termly": "Half-termly", "termly": "Termly"}[self.value]


class Payer(enum.Enum):
    SCHOOL = "school"
    LA = "la"

    @property
    def label(self):
        return {"school": "The school", "la": "The local authority"}[self.value]


class Provider(enum.Enum):
    LA_ADVISER = "la_adviser"
    NLE = "national_leader_of_education"
    LLE = "local_leader_of_education"
    NLG = "national_leader_of_governance"
    LLG = "local_leader_of_governance"
    SUPPORT_SCHOOL = "support_school"
    CONSULTANT = "external_consultant"
    OTHER = "other"

    @property
    def label(self):
        return {"la_adviser": "LA adviser", "national_leader_of_education": "National leader of education",
                "local_leader_of_education": "Local leader of education",
                "national_leader_of_governance": "National leader of governance",
                "local_leader_of_governance": "Local leader of governance", "support_school": "Support school",
                "external_consultant": "External consultant", "other": "Other provider"}[self.value]


class _When:
    """What template and package activities share about timing."""

    @property
    def when_label(self):
        """The words people read, else one made from the offset ("15 working days after the trigger")."""
        if self.when_text:
            return self.when_text
        if self.offset_count is None:
            return "As required"
        return f"{self.offset_count} {self.offset_unit.label} after the trigger"

    @property
    def repeats(self):
        return self.repeat is not None and self.repeat != Repeat.NONE


class SupportTemplate(db.Model):
    __tablename__ = "support_template"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    category_key: Mapped[str] = mapped_column(String(60), default="")  # a Category.key; "" for any category
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())

    activities = relationship("TemplateActivity", back_populates="template", order_by="TemplateActivity.position",
                              cascade="all, delete-orphan")

    @property
    def audit_school_id(self):
        return None


class TemplateActivity(_When, db.Model):
    __tablename__ = "support_template_activity"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("support_template.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    what: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text, default="")
    offset_count: Mapped[int | None]  # None: no computed date ("as required")
    offset_unit: Mapped[OffsetUnit] = mapped_column(stored_enum(OffsetUnit, "support_offset_unit"),
                                                    default=OffsetUnit.WORKING_DAYS)
    repeat: Mapped[Repeat] = mapped_column(stored_enum(Repeat, "support_repeat"), default=Repeat.NONE)
    when_text: Mapped[str] = mapped_column(String(200), default="")
    who: Mapped[str] = mapped_column(String(200), default="")
    days: Mapped[Decimal] = mapped_column(DAYS, default=Decimal("0"))
    cost_pence: Mapped[int] = mapped_column(default=0)
    payer: Mapped[Payer] = mapped_column(stored_enum(Payer, "support_payer"), default=Payer.SCHOOL)

    template = relationship("SupportTemplate", back_populates="activities")

    @property
    def audit_school_id(self):
        return None


class SupportPackage(db.Model):
    __tablename__ = "support_package"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("support_template.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(160))
    trigger_label: Mapped[str] = mapped_column(String(200))
    trigger_on: Mapped[date]
    sla_agreed_on: Mapped[date | None]  # the day the service-level agreement was agreed
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())

    school = relationship("School")
    template = relationship("SupportTemplate")
    created_by = relationship("User")
    activities = relationship("SupportActivity", back_populates="package", cascade="all, delete-orphan",
                              order_by="[SupportActivity.position, SupportActivity.id]")
    reviews = relationship("SupportReview", back_populates="package", cascade="all, delete-orphan",
                           order_by="[SupportReview.reviewed_on, SupportReview.id]")

    @property
    def audit_school_id(self):
        return self.school_id

    @property
    def activities_by_date(self):
        """Dated activities first, soonest first; then the undated ones in the template's order."""
        return sorted(self.activities, key=lambda a: (a.due_on is None, a.due_on or date.min, a.position, a.id or 0))

    @property
    def days_allocated(self) -> Decimal:
        return sum((a.days_allocated for a in self.activities), Decimal("0"))

    @property
    def days_used(self) -> Decimal:
        return sum((a.days_used for a in self.activities), Decimal("0"))

    @property
    def cost_committed_pence(self) -> int:
        return sum(a.cost_committed_pence for a in self.activities)

    @property
    def cost_spent_pence(self) -> int:
        return sum(a.cost_spent_pence for a in self.activities)

    def occurrences(self, activity):
        """Every occurrence of ``activity``'s series in this package, the first first. The occurrences of a repeating
        activity share its position in the package (no other activity does), which is how the series is known."""
        return sorted((a for a in self.activities if a.position == activity.position and a.bespoke == activity.bespoke),
                      key=lambda a: (a.id is None, a.id or 0))


class SupportActivity(_When, db.Model):
    __tablename__ = "support_activity"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("support_package.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)  # the package's: one query for home pages
    position: Mapped[int] = mapped_column(default=0)
    bespoke: Mapped[bool] = mapped_column(default=False)
    what: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text, default="")
    offset_count: Mapped[int | None]  # from the template: the due date follows the trigger; None: a fixed (or no) date
    offset_unit: Mapped[OffsetUnit] = mapped_column(stored_enum(OffsetUnit, "support_offset_unit"),
                                                    default=OffsetUnit.WORKING_DAYS)
    repeat: Mapped[Repeat] = mapped_column(stored_enum(Repeat, "support_repeat"), default=Repeat.NONE)
    when_text: Mapped[str] = mapped_column(String(200), default="")
    who: Mapped[str] = mapped_column(String(200), default="")
    provider: Mapped[Provider | None] = mapped_column(stored_enum(Provider, "support_provider", length=40))
    provider_name: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date | None] = mapped_column(index=True)
    days_allocated: Mapped[Decimal] = mapped_column(DAYS, default=Decimal("0"))
    days_used: Mapped[Decimal] = mapped_column(DAYS, default=Decimal("0"))
    cost_committed_pence: Mapped[int] = mapped_column(default=0)
    cost_spent_pence: Mapped[int] = mapped_column(default=0)
    payer: Mapped[Payer] = mapped_column(stored_enum(Payer, "support_payer"), default=Payer.SCHOOL)
    done_on: Mapped[date | None]

    package = relationship("SupportPackage", back_populates="activities")
    # The visits whose days of adviser time are counted in this activity's days used (the visit holds the link).
    visits = relationship("Visit", primaryjoin="SupportActivity.id == foreign(Visit.support_activity_id)",
                          order_by="[Visit.visited_on, Visit.id]", viewonly=True)

    @property
    def audit_school_id(self):
        return self.school_id

    @property
    def occurrence_number(self) -> int:
        """1 for the first occurrence of a repeating activity, 2 for the next one added, and so on."""
        return self.package.occurrences(self).index(self) + 1

    @property
    def later_occurrence(self):
        """The occurrence added when this one was done, or None."""
        series = self.package.occurrences(self)
        position = series.index(self)
        return series[position + 1] if position + 1 < len(series) else None

    @property
    def makes_next(self) -> bool:
        """Marking this one done adds the next occurrence: it repeats and is the latest of its series."""
        return self.repeats and self.later_occurrence is None

    @property
    def over_allocation(self) -> bool:
        return self.days_used > self.days_allocated

    @property
    def provider_label(self):
        if self.provider is None:
            return "Not named yet"
        return f"{self.provider.label}: {self.provider_name}" if self.provider_name else self.provider.label

    def is_overdue(self, today: date) -> bool:
        return self.done_on is None and self.due_on is not None and self.due_on < today


class ReviewDecision(enum.Enum):
    """What a termly impact review decides for the package, as Birmingham's commissioners put it."""

    REDUCE = "reduce"
    MAINTAIN = "maintain"
    ESCALATE = "escalate"
    CHANGE = "change"

    @property
    def label(self):
        return {"reduce": "Reduce", "maintain": "Maintain", "escalate": "Escalate", "change": "Change"}[self.value]

    @property
    def colour(self):
        return {"reduce": "green", "maintain": "blue", "escalate": "red", "change": "purple"}[self.value]


class SupportReview(db.Model):
    """The adviser's termly review of a package's impact, and the decision taken. Kept: the history is the record."""

    __tablename__ = "support_review"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("support_package.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    reviewed_on: Mapped[date]
    impact: Mapped[str] = mapped_column(Text)
    decision: Mapped[ReviewDecision] = mapped_column(stored_enum(ReviewDecision, "support_review_decision", 20))
    reason: Mapped[str] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())

    package = relationship("SupportPackage", back_populates="reviews")
    reviewed_by = relationship("User")

    @property
    def audit_school_id(self):
        return self.school_id
