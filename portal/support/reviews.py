"""Termly impact reviews of support packages, and the LA admin's commissioning view of what is due for review.

A package is reviewed once a term (autumn, spring, summer: half terms 1-2, 3-4, 5-6 of the LA's term dates).
The half terms are loaded once, so working out each review's term costs no statement per package.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.support.models import ReviewDecision, SupportPackage, SupportReview
from portal.terms.models import HalfTerm

TERM_NAMES = {1: "Autumn term", 2: "Spring term", 3: "Summer term"}


@dataclass(frozen=True)
class Term:
    academic_year_id: int
    number: int  # 1 autumn, 2 spring, 3 summer
    starts_on: date
    ends_on: date
    start_year: int

    @property
    def label(self):
        return f"{TERM_NAMES[self.number]} {self.start_year + (0 if self.number == 1 else 1)}"


def terms():
    """Every term of the LA's term dates, oldest first (two half terms each)."""
    half_terms = db.session.scalars(select(HalfTerm).options(selectinload(HalfTerm.academic_year))
                                    .order_by(HalfTerm.starts_on)).all()
    grouped = {}
    for half_term in half_terms:
        key = (half_term.academic_year_id, (half_term.number + 1) // 2)
        grouped.setdefault(key, []).append(half_term)
    return [Term(year_id, number, min(h.starts_on for h in parts), max(h.ends_on for h in parts),
                 parts[0].academic_year.start_year) for (year_id, number), parts in grouped.items()]


def term_of(day: date, all_terms) -> Term | None:
    """The term ``day`` falls in, or in a holiday the term just ended (None before the first term entered)."""
    found = None
    for term in all_terms:
        if term.starts_on <= day:
            found = term
    return found


def due_for_review(package, today: date, all_terms) -> bool:
    """Not yet reviewed this term (a package applied this term is reviewed this term too)."""
    current = term_of(today, all_terms)
    if current is None:
        return not package.reviews
    return not any(term_of(review.reviewed_on, all_terms) == current for review in package.reviews)


def record_review(package, user, *, impact: str, decision: ReviewDecision | None, reason: str, today: date):
    if not (impact or "").strip():
        raise RuleBroken("Say what impact the support has had", "impact")
    if decision is None:
        raise RuleBroken("Choose reduce, maintain, escalate or change", "decision")
    if not (reason or "").strip():
        raise RuleBroken("Say why", "reason")
    review = SupportReview(package=package, school_id=package.school_id, reviewed_on=today, impact=impact.strip(),
                           decision=decision, reason=reason.strip(), reviewed_by=user)
    db.session.add(review)
    return review


@dataclass
class CommissioningRow:
    package: SupportPackage
    last_review: SupportReview | None
    due: bool


def commissioning(today: date, *, due_only=False):
    """Every school's support packages with their last review and whether one is due this term (fixed statements)."""
    all_terms = terms()
    packages = db.session.scalars(
        select(SupportPackage).options(selectinload(SupportPackage.school), selectinload(SupportPackage.activities),
                                       selectinload(SupportPackage.reviews).selectinload(SupportReview.reviewed_by))
        .order_by(SupportPackage.trigger_on.desc(), SupportPackage.id.desc())).all()
    rows = [CommissioningRow(p, p.reviews[-1] if p.reviews else None, due_for_review(p, today, all_terms)) for p in packages]
    rows.sort(key=lambda row: (not row.due, row.package.school.name))
    return [row for row in rows if row.due] if due_only else rows, term_of(today, all_terms)
