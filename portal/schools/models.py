"""Schools, the local authority they belong to, and who holds which role at each."""

import enum
from datetime import date, datetime

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal.extensions import db
from portal import clock


class Role(enum.Enum):
    """A person's role at one school. LA-wide administration is ``User.is_la_admin``."""

    HEADTEACHER = "headteacher"
    SENIOR_LEADER = "senior_leader"
    GOVERNOR = "governor"
    CHAIR_OF_GOVERNORS = "chair_of_governors"
    CLERK = "clerk"
    ADVISER = "adviser"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.HEADTEACHER: "Headteacher",
    Role.SENIOR_LEADER: "Senior leader",
    Role.GOVERNOR: "Governor",
    Role.CHAIR_OF_GOVERNORS: "Chair of governors",
    Role.CLERK: "Clerk to governors",
    Role.ADVISER: "Adviser",
}

SCHOOL_LEADERS = {Role.HEADTEACHER, Role.SENIOR_LEADER}
GOVERNANCE = {Role.GOVERNOR, Role.CHAIR_OF_GOVERNORS, Role.CLERK}

PHASES = [
    "Nursery",
    "Primary",
    "Middle deemed primary",
    "Middle deemed secondary",
    "Secondary",
    "All-through",
    "16 plus",
    "Not applicable",
]

# Ofsted's last overall grade as GIAS gives it; blank since report cards (Nov 2025).
OFSTED_GRADES = [
    "Outstanding",
    "Good",
    "Requires improvement",
    "Serious Weaknesses",
    "Special Measures",
    "Inadequate",
]


class LocalAuthority(db.Model):
    __tablename__ = "local_authority"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(3), unique=True)
    name: Mapped[str] = mapped_column(String(200))

    schools = relationship("School", back_populates="local_authority")


def name_key(name: str) -> str:
    """A school's name as lists sort it: casefolded, compared character by character (``School.name_key``)."""
    return (name or "").casefold()


def _name_key_of_new_school(context) -> str:
    return name_key(context.get_current_parameters().get("name"))


class School(db.Model):
    __tablename__ = "school"
    __audited__ = True
    __audit_ignore__ = {"name_key"}  # follows the name, which is logged

    id: Mapped[int] = mapped_column(primary_key=True)
    urn: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    # The name casefolded, kept with it (here for a new school, by ``_keep_name_key`` on a change, also for rows
    # inserted in bulk): the overview sorts and pages 20,000 schools by it in SQL, in the order Python sorts names.
    name_key: Mapped[str] = mapped_column(String(200), default=_name_key_of_new_school, server_default="")
    local_authority_id: Mapped[int] = mapped_column(ForeignKey("local_authority.id"), index=True)
    phase: Mapped[str] = mapped_column(String(60))
    establishment_type: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(60), default="Open")
    ofsted_grade: Mapped[str | None] = mapped_column(String(60))
    ofsted_inspected_on: Mapped[date | None]
    head_name: Mapped[str] = mapped_column(String(200), default="")
    # From GIAS "OfficialSixthForm": True, False, or None when not known (then the phase decides).
    has_sixth_form: Mapped[bool | None]
    # GIAS "StatutoryLowAge" and "StatutoryHighAge", or None when not known (then the phase decides): a junior
    # school (7 to 11) is not asked about early years, an 11 to 16 school not about a sixth form.
    statutory_low_age: Mapped[int | None]
    statutory_high_age: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    # The day it closed (GIAS CloseDate, else the import that found it closed): retention counts from here.
    closed_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now, server_default=func.now())

    local_authority = relationship("LocalAuthority", back_populates="schools")
    roles = relationship("SchoolRole", back_populates="school", cascade="all, delete-orphan")

    @validates("name")
    def _keep_name_key(self, _, name):
        self.name_key = name_key(name)
        return name

    @property
    def audit_school_id(self):
        return self.id

    def people_with(self, role: Role):
        return [r.user for r in self.roles if r.role == role]

    @property
    def advisers(self):
        return self.people_with(Role.ADVISER)

    def __repr__(self):
        return f"<School {self.urn} {self.name}>"


class SchoolRole(db.Model):
    """One person holding one role at one school."""

    __tablename__ = "school_role"
    __audited__ = True
    # By school and role: "does this school have an adviser?" is answered from the index alone, for every school
    # the LA overview counts (20,000 in a shared deployment).
    __table_args__ = (UniqueConstraint("user_id", "school_id", "role", name="uq_school_role_user_school_role"),
                      Index("ix_school_role_school_role", "school_id", "role"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    role: Mapped[Role] = mapped_column(Enum(Role, name="school_role_kind", values_callable=lambda e: [m.value for m in e], native_enum=False, length=40))
    created_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())

    user = relationship("User", back_populates="school_roles")
    school = relationship("School", back_populates="roles")

    @property
    def audit_school_id(self):
        return self.school_id


class SchoolStar(db.Model):
    """A school someone is watching: listed first on their home page."""

    __tablename__ = "school_star"
    __audited__ = True
    __table_args__ = (UniqueConstraint("user_id", "school_id", name="uq_school_star_user_school"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())

    @property
    def audit_school_id(self):
        return self.school_id
