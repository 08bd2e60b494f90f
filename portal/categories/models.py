"""Category schemes, indicators, categorisation rounds and each school's category history.

Every LA names its categories differently (S / G / R / C, 1-4, Universal / Targeted / Intensive ...), so
categories and indicators are rows of a versioned scheme, never code.  A school's category history is
append-only (see ``portal.categories.guard``).
"""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock
from portal.extensions import db, stored_enum
from portal.frameworks.models import VersionStatus
from portal.versioning import VersionStatusMixin


class CategoryScheme(VersionStatusMixin, db.Model):
    __tablename__ = "category_scheme"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # The one scheme rounds and category changes use.
    is_current: Mapped[bool] = mapped_column(default=False)

    versions = relationship("SchemeVersion", back_populates="scheme", order_by="SchemeVersion.number",
                            cascade="all, delete-orphan")


class SchemeVersion(db.Model):
    """A frozen set of categories, indicators and the letter; a published version is superseded, never edited."""

    __tablename__ = "category_scheme_version"
    __audited__ = True
    __table_args__ = (UniqueConstraint("scheme_id", "number", name="uq_category_scheme_version_scheme_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("category_scheme.id"), index=True)
    number: Mapped[int]
    status: Mapped[VersionStatus] = mapped_column(stored_enum(VersionStatus, "category_scheme_version_status", 20),
                                                  default=VersionStatus.DRAFT)
    change_note: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None]
    # The letter to the headteacher and chair of governors when a school moves into a category needing intervention.
    letter_subject: Mapped[str] = mapped_column(String(200), default="")
    letter_body: Mapped[str] = mapped_column(Text, default="")

    scheme = relationship("CategoryScheme", back_populates="versions")
    categories = relationship("Category", back_populates="version", order_by="Category.position",
                              cascade="all, delete-orphan")
    indicators = relationship("Indicator", back_populates="version", order_by="Indicator.position",
                              cascade="all, delete-orphan")

    @property
    def label(self):
        return f"{self.scheme.name}, version {self.number}"


class Category(db.Model):
    """One category of a scheme. Position 1 needs the least support; ``key`` stays the same across versions."""

    __tablename__ = "category"
    __audited__ = True
    __table_args__ = (UniqueConstraint("version_id", "key", name="uq_category_version_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("category_scheme_version.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    code: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    colour: Mapped[str] = mapped_column(String(20), default="grey")
    position: Mapped[int] = mapped_column(default=0)
    support_level: Mapped[str] = mapped_column(String(120), default="")
    # What the category sets in motion.
    plan_required: Mapped[bool] = mapped_column(default=False)
    review_meetings: Mapped[str] = mapped_column(String(200), default="")
    support_package: Mapped[str] = mapped_column(Text, default="")
    # Moving into it sends the letter to the headteacher and chair of governors.
    requires_intervention: Mapped[bool] = mapped_column(default=False)

    version = relationship("SchemeVersion", back_populates="categories")

    @property
    def label(self):
        return f"{self.code}: {self.name}" if self.code and self.code != self.name else self.name


class IndicatorSource(enum.Enum):
    """Where an indicator's rating comes from: the adviser alone, or a suggestion from what the portal holds."""

    ADVISER = "adviser"
    INSPECTION = "inspection"
    SELF_EVALUATION = "self_evaluation"
    PLAN_PROGRESS = "plan_progress"
    DEADLINES = "deadlines"
    CHALLENGES = "challenges"
    IMPORTED = "imported"

    @property
    def label(self):
        return {
            "adviser": "Entered by the adviser",
            "inspection": "Suggested from the latest inspection",
            "self_evaluation": "Suggested from the latest validated self-evaluation",
            "plan_progress": "Suggested from the plan's latest review",
            "deadlines": "Suggested from overdue evidence, agendas, minutes and verification",
            "challenges": "Suggested from open challenges on the plan",
            "imported": "Suggested from imported figures",
        }[self.value]


class Indicator(db.Model):
    """Something every school is rated red, amber or green on in a round."""

    __tablename__ = "category_indicator"
    __audited__ = True
    __table_args__ = (UniqueConstraint("version_id", "key", name="uq_category_indicator_version_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("category_scheme_version.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(160))
    position: Mapped[int] = mapped_column(default=0)
    guidance_red: Mapped[str] = mapped_column(Text, default="")
    guidance_amber: Mapped[str] = mapped_column(Text, default="")
    guidance_green: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[IndicatorSource] = mapped_column(stored_enum(IndicatorSource, "indicator_source"),
                                                   default=IndicatorSource.ADVISER)
    # Imported figures: green at or beyond ``green_from``, red beyond ``red_from`` the other way, amber between.
    higher_is_better: Mapped[bool] = mapped_column(default=True)
    green_from: Mapped[float | None] = mapped_column(Float)
    red_from: Mapped[float | None] = mapped_column(Float)

    version = relationship("SchemeVersion", back_populates="indicators")


class RoundStatus(enum.Enum):
    OPEN = "open"
    PUBLISHED = "published"

    @property
    def label(self):
        return {"open": "Open", "published": "Published"}[self.value]


class CategorisationRound(db.Model):
    """One round of risk assessment (e.g. "Autumn 2026"): advisers propose, the LA moderates and publishes."""

    __tablename__ = "categorisation_round"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("category_scheme_version.id"), index=True)
    opens_on: Mapped[date]
    proposals_due_on: Mapped[date]
    moderation_on: Mapped[date | None]
    status: Mapped[RoundStatus] = mapped_column(stored_enum(RoundStatus, "categorisation_round_status", 20),
                                                default=RoundStatus.OPEN, index=True)
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())

    version = relationship("SchemeVersion")
    proposals = relationship("CategoryProposal", back_populates="round", cascade="all, delete-orphan")

    @property
    def is_published(self):
        return self.status == RoundStatus.PUBLISHED


class Rating(enum.Enum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"

    @property
    def label(self):
        return {"red": "Red", "amber": "Amber", "green": "Green"}[self.value]

    @property
    def colour(self):
        return {"red": "red", "amber": "orange", "green": "green"}[self.value]


class ProposalStatus(enum.Enum):
    DRAFT = "draft"
    PROPOSED = "proposed"
    AGREED = "agreed"
    CHANGED = "changed"

    @property
    def label(self):
        return {"draft": "Draft", "proposed": "Proposed", "agreed": "Agreed", "changed": "Changed at moderation"}[self.value]

    @property
    def colour(self):
        return {"draft": "grey", "proposed": "blue", "agreed": "green", "changed": "purple"}[self.value]

    @property
    def is_moderated(self):
        return self in (ProposalStatus.AGREED, ProposalStatus.CHANGED)


class CategoryProposal(db.Model):
    """The adviser's ratings and proposed category for one school in one round, and the LA's decision on it."""

    __tablename__ = "category_proposal"
    __audited__ = True
    __table_args__ = (UniqueConstraint("round_id", "school_id", name="uq_category_proposal_round_school"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("categorisation_round.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    status: Mapped[ProposalStatus] = mapped_column(stored_enum(ProposalStatus, "category_proposal_status", 20),
                                                   default=ProposalStatus.DRAFT)
    proposed_category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    proposed_at: Mapped[datetime | None]
    agreed_category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    moderation_reason: Mapped[str] = mapped_column(Text, default="")
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    moderated_at: Mapped[datetime | None]

    round = relationship("CategorisationRound", back_populates="proposals")
    school = relationship("School")
    proposed_category = relationship("Category", foreign_keys=[proposed_category_id])
    agreed_category = relationship("Category", foreign_keys=[agreed_category_id])
    proposed_by = relationship("User", foreign_keys=[proposed_by_id])
    moderated_by = relationship("User", foreign_keys=[moderated_by_id])
    ratings = relationship("IndicatorRating", back_populates="proposal", cascade="all, delete-orphan")

    @property
    def audit_school_id(self):
        return self.school_id

    @property
    def red_count(self):
        return sum(1 for rating in self.ratings if rating.rating == Rating.RED)

    def rating_for(self, indicator):
        return next((r for r in self.ratings if r.indicator_id == indicator.id), None)


class IndicatorRating(db.Model):
    __tablename__ = "indicator_rating"
    __audited__ = True
    __table_args__ = (UniqueConstraint("proposal_id", "indicator_id", name="uq_indicator_rating_proposal_indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("category_proposal.id"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("category_indicator.id"))
    rating: Mapped[Rating | None] = mapped_column(stored_enum(Rating, "indicator_rating_value", 10))
    note: Mapped[str] = mapped_column(Text, default="")
    # What the portal suggested when the adviser rated it (kept so moderation can see where they differed).
    suggested: Mapped[Rating | None] = mapped_column(stored_enum(Rating, "indicator_rating_suggested", 10))

    proposal = relationship("CategoryProposal", back_populates="ratings")
    indicator = relationship("Indicator")

    @property
    def audit_school_id(self):
        return self.proposal.school_id if self.proposal else None


class ChangeKind(enum.Enum):
    ROUND = "round"
    BETWEEN_ROUNDS = "between_rounds"

    @property
    def label(self):
        return {"round": "Categorisation round", "between_rounds": "Changed between rounds"}[self.value]


class SchoolCategory(db.Model):
    """One entry in a school's category history. Written once, never changed or deleted."""

    __tablename__ = "school_category"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    kind: Mapped[ChangeKind] = mapped_column(stored_enum(ChangeKind, "school_category_kind", 20))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("categorisation_round.id"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("category_proposal.id"))
    previous_category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    effective_on: Mapped[date]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())
    # Set when the move needed the intervention letter: the letter is printable from the history.
    letter_sent: Mapped[bool] = mapped_column(default=False)

    school = relationship("School")
    category = relationship("Category", foreign_keys=[category_id])
    previous_category = relationship("Category", foreign_keys=[previous_category_id])
    round = relationship("CategorisationRound")
    proposal = relationship("CategoryProposal")
    decided_by = relationship("User")

    @property
    def audit_school_id(self):
        return self.school_id


class DataImport(db.Model):
    """One spreadsheet of school-level figures the LA admin imported, with the column mapping used."""

    __tablename__ = "data_import"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    # {"urn_column": header, "columns": {header: indicator key}}: offered again next time.
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    schools: Mapped[int] = mapped_column(default=0)
    figures: Mapped[int] = mapped_column(default=0)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    imported_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())

    imported_by = relationship("User")


class SchoolFigure(db.Model):
    """One imported figure for one school against an indicator (by key, so it lines up across scheme versions)."""

    __tablename__ = "school_figure"
    __audited__ = True
    __table_args__ = (UniqueConstraint("school_id", "indicator_key", name="uq_school_figure_school_indicator_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    indicator_key: Mapped[str] = mapped_column(String(60))
    column: Mapped[str] = mapped_column(String(200))
    value: Mapped[float] = mapped_column(Float)
    data_import_id: Mapped[int] = mapped_column(ForeignKey("data_import.id"))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now, server_default=func.now())

    data_import = relationship("DataImport")

    @property
    def audit_school_id(self):
        return self.school_id
