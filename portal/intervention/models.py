"""A formal intervention step the LA takes at a school causing concern, with its dates, outcome and status.

Its documents are ``EvidenceFile`` rows (the evidence upload checks and storage), joined by
``EvidenceFile.intervention_step_id`` as a visit's attachments are by ``visit_id``.
"""

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock
from portal.extensions import db, stored_enum


class StepKind(enum.Enum):
    """The statutory kinds of intervention in a school causing concern, and "other" (described on the step)."""

    WARNING_NOTICE = "warning_notice"
    ADDITIONAL_GOVERNORS = "additional_governors"
    BUDGET_SUSPENDED = "budget_suspended"
    INTERIM_EXECUTIVE_BOARD = "interim_executive_board"
    DIRECTION = "direction"
    OTHER = "other"

    @property
    def label(self):
        return {"warning_notice": "Warning notice", "additional_governors": "Additional governors appointed",
                "budget_suspended": "Delegated budget suspended", "interim_executive_board": "Interim executive board",
                "direction": "Direction from the Secretary of State or the LA", "other": "Other step"}[self.value]


class StepStatus(enum.Enum):
    OPEN = "open"              # issued; waiting for the school to comply
    COMPLIED = "complied"      # the school did what was required; the LA has not closed it yet
    ESCALATED = "escalated"    # not complied with: the LA is taking it further
    WITHDRAWN = "withdrawn"    # the LA withdrew it
    CLOSED = "closed"          # finished

    @property
    def label(self):
        return {"open": "Open", "complied": "Complied with", "escalated": "Escalated", "withdrawn": "Withdrawn",
                "closed": "Closed"}[self.value]

    @property
    def colour(self):
        return {"open": "blue", "complied": "green", "escalated": "red", "withdrawn": "grey", "closed": "grey"}[self.value]

    @property
    def settled(self):
        """Closed or withdrawn: no longer open, and its details and documents no longer change."""
        return self in (StepStatus.CLOSED, StepStatus.WITHDRAWN)


class InterventionStep(db.Model):
    __tablename__ = "intervention_step"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    kind: Mapped[StepKind] = mapped_column(stored_enum(StepKind, "intervention_step_kind", length=40))
    description: Mapped[str] = mapped_column(Text, default="")  # required for "other"; details for the rest
    issued_on: Mapped[date] = mapped_column(index=True)
    compliance_due_on: Mapped[date | None]
    response_received_on: Mapped[date | None]
    outcome: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[StepStatus] = mapped_column(stored_enum(StepStatus, "intervention_step_status"), default=StepStatus.OPEN,
                                               index=True)
    closed_on: Mapped[date | None]  # the day it was closed or withdrawn
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now, server_default=func.now())

    school = relationship("School")
    recorded_by = relationship("User")
    documents = relationship("EvidenceFile", primaryjoin="InterventionStep.id == foreign(EvidenceFile.intervention_step_id)",
                             order_by="EvidenceFile.id", viewonly=True)

    @property
    def audit_school_id(self):
        return self.school_id

    @property
    def title(self):
        """The kind, or for "other" the first line of its description (shortened)."""
        if self.kind != StepKind.OTHER:
            return self.kind.label
        first = (self.description or "").strip().splitlines()[0] if (self.description or "").strip() else ""
        return (first[:77].rstrip() + "…") if len(first) > 80 else (first or self.kind.label)

    def is_overdue(self, today: date) -> bool:
        """Open, past its compliance deadline, and no response recorded."""
        return (self.status == StepStatus.OPEN and self.compliance_due_on is not None and self.response_received_on is None
                and today > self.compliance_due_on)
