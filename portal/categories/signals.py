"""What the portal already knows about a school, shown beside each indicator, and the rating it suggests.

A suggestion is only ever a suggestion: the adviser decides.  Each source reads what other areas of the
portal hold (inspections, self-evaluation, the plan's reviews, deadlines, challenges, imported figures).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.categories.models import IndicatorSource, Rating, SchoolFigure
from portal.extensions import db
from portal.inspections.models import LEGACY_GRADES

# Legacy overall grades at or beyond this index are red; "Requires improvement" is amber.
_LEGACY_AMBER = LEGACY_GRADES.index("Requires improvement")
# Overdue deadlines and open challenges: this many or more is red, any is amber.
RED_COUNT = 3


@dataclass
class Suggestion:
    rating: Rating | None
    because: str


@dataclass
class SchoolSignals:
    """Everything the categorisation form shows beside the indicators for one school."""

    inspection: object = None
    inspection_concerns: list = field(default_factory=list)  # [(area key, grade name, is worst)]
    self_evaluation: object = None
    concern_judgements: list = field(default_factory=list)  # [(area title, grade, is worst)]
    disagreements: list = field(default_factory=list)  # [(area title, school's grade, adviser's grade)]
    review: object = None  # the plan's latest review meeting with ratings
    review_counts: dict = field(default_factory=dict)  # {Rag: count}
    overdue: list = field(default_factory=list)  # [(what, due on, meeting)]
    not_verified: bool = False
    open_challenges: int = 0
    figures: dict = field(default_factory=dict)  # {indicator key: SchoolFigure}


def signals_for(school, today: date) -> SchoolSignals:
    signals = SchoolSignals()
    _inspection(signals, school)
    _self_evaluation(signals, school)
    _plan_progress(signals, school)
    _deadlines(signals, school, today)
    _challenges(signals, school)
    signals.figures = {f.indicator_key: f for f in db.session.scalars(
        select(SchoolFigure).where(SchoolFigure.school_id == school.id).options(selectinload(SchoolFigure.data_import)))}
    return signals


def _inspection(signals, school):
    from portal.frameworks.models import ScaleGrade
    from portal.inspections.rules import latest_inspection

    inspection = signals.inspection = latest_inspection(school)
    if inspection is None or not inspection.area_grades:
        return
    names = set(inspection.area_grades.values())
    grades = db.session.scalars(select(ScaleGrade).where(ScaleGrade.name.in_(names)).options(selectinload(ScaleGrade.scale))).all()
    worst = {g.name for g in grades if g.position == max(other.position for other in g.scale.grades)}
    concerns = {g.name for g in grades if g.is_concern}
    signals.inspection_concerns = [(key, name, name in worst) for key, name in inspection.area_grades.items()
                                   if name in concerns or name in worst]


def _self_evaluation(signals, school):
    from portal.plans.rules import judgement_grade, latest_validated_self_evaluation

    evaluation = signals.self_evaluation = latest_validated_self_evaluation(school)
    if evaluation is None:
        return
    lowest = max((g.position for g in evaluation.version.scale.grades), default=0)
    for judgement in sorted(evaluation.judgements, key=lambda j: (j.area.position, j.area.id)):
        grade = judgement_grade(judgement)
        if grade is not None and grade.is_concern:
            signals.concern_judgements.append((judgement.area.title, grade, grade.position == lowest))
        if judgement.adviser_agrees is False and judgement.adviser_grade is not None:
            signals.disagreements.append((judgement.area.title, judgement.grade, judgement.adviser_grade))


def _plan_progress(signals, school):
    from portal.meetings.models import CriterionReview, ReviewMeeting

    latest = db.session.scalar(
        select(ReviewMeeting).where(ReviewMeeting.school_id == school.id, ReviewMeeting.criterion_reviews.any())
        .order_by(ReviewMeeting.meets_on.desc(), ReviewMeeting.id.desc()).limit(1))
    if latest is None:
        return
    signals.review = latest
    counts = db.session.execute(select(CriterionReview.rag, func.count()).where(CriterionReview.meeting_id == latest.id)
                                .group_by(CriterionReview.rag)).all()
    signals.review_counts = dict(counts)


def _deadlines(signals, school, today):
    from portal.evidence.models import EvidenceItem, EvidenceStatus
    from portal.evidence.rules import schools_not_verified_this_half_term
    from portal.meetings.models import MeetingStatus, ReviewMeeting
    from portal.meetings.rules import deadlines_for, meeting_due_items
    from portal.terms.rules import closure_days, deadline_settings

    meetings = db.session.scalars(
        select(ReviewMeeting).where(ReviewMeeting.school_id == school.id, ReviewMeeting.status == MeetingStatus.SCHEDULED,
                                    ReviewMeeting.meets_on >= today - timedelta(days=120))).all()
    with_evidence = set(db.session.scalars(
        select(EvidenceItem.meeting_id).where(EvidenceItem.meeting_id.in_([m.id for m in meetings]),
                                              EvidenceItem.status != EvidenceStatus.WITHDRAWN)))
    settings, closures = deadline_settings(), closure_days()
    for meeting in meetings:
        for item in meeting_due_items(meeting, deadlines_for(meeting, settings, closures), today,
                                      has_evidence=meeting.id in with_evidence):
            if item.overdue:
                signals.overdue.append((item.what, item.due_on, meeting))
    _, not_verified = schools_not_verified_this_half_term(today=today, school_ids=[school.id])
    signals.not_verified = bool(not_verified)


def _challenges(signals, school):
    from portal.comments.models import CommentKind, CommentStatus, PlanComment

    signals.open_challenges = db.session.scalar(
        select(func.count()).select_from(PlanComment).where(
            PlanComment.school_id == school.id, PlanComment.kind == CommentKind.CHALLENGE,
            PlanComment.status == CommentStatus.OPEN))


# --- suggestions ----------------------------------------------------------------------------------

def suggest(indicator, signals: SchoolSignals) -> Suggestion:
    """The rating the portal would give from what it holds, and why; None where it holds nothing to go on."""
    return _SUGGESTERS[indicator.source](indicator, signals)


def _from_adviser(indicator, signals):
    return Suggestion(None, "")


def _from_inspection(indicator, signals):
    inspection = signals.inspection
    if inspection is None:
        return Suggestion(None, "No inspection is recorded.")
    if inspection.safeguarding_met is False:
        return Suggestion(Rating.RED, "Safeguarding was not met at the latest inspection.")
    if inspection.legacy_grade:
        index = LEGACY_GRADES.index(inspection.legacy_grade) if inspection.legacy_grade in LEGACY_GRADES else 0
        rating = Rating.GREEN if index < _LEGACY_AMBER else Rating.AMBER if index == _LEGACY_AMBER else Rating.RED
        return Suggestion(rating, f"Latest inspection: {inspection.legacy_grade}.")
    if any(worst for _, _, worst in signals.inspection_concerns):
        return Suggestion(Rating.RED, "The latest inspection found an area needing urgent improvement.")
    if signals.inspection_concerns:
        return Suggestion(Rating.AMBER, f"{len(signals.inspection_concerns)} area(s) of the latest inspection need attention.")
    return Suggestion(Rating.GREEN, "No area of the latest inspection is a concern.")


def _from_self_evaluation(indicator, signals):
    if signals.self_evaluation is None:
        return Suggestion(None, "No validated self-evaluation yet.")
    disagreed = f" The adviser disagreed in {len(signals.disagreements)} area(s)." if signals.disagreements else ""
    if any(worst for _, _, worst in signals.concern_judgements):
        return Suggestion(Rating.RED, "An area is graded at the bottom of the scale." + disagreed)
    if signals.concern_judgements or len(signals.disagreements) >= 2:
        return Suggestion(Rating.AMBER, f"{len(signals.concern_judgements)} area(s) graded as a concern." + disagreed)
    return Suggestion(Rating.GREEN, "No area is graded as a concern." + disagreed)


def _from_plan_progress(indicator, signals):
    from portal.meetings.models import Rag

    counts = signals.review_counts
    total = sum(counts.values())
    if not total:
        return Suggestion(None, "The plan has not been reviewed yet.")
    red, amber = counts.get(Rag.RED, 0), counts.get(Rag.AMBER, 0)
    because = f"Latest review: {red} red, {amber} amber, {counts.get(Rag.GREEN, 0)} green."
    if red and red * 3 >= total:
        return Suggestion(Rating.RED, because)
    return Suggestion(Rating.AMBER if red or amber else Rating.GREEN, because)


def _count_suggestion(count, noun):
    if count >= RED_COUNT:
        return Suggestion(Rating.RED, f"{count} {noun}.")
    return Suggestion(Rating.AMBER if count else Rating.GREEN, f"{count} {noun}.")


def _from_deadlines(indicator, signals):
    return _count_suggestion(len(signals.overdue) + (1 if signals.not_verified else 0),
                             "overdue (evidence, agendas, minutes, verification this half term)")


def _from_challenges(indicator, signals):
    return _count_suggestion(signals.open_challenges, "open challenge(s) on the plan")


def rating_for_figure(indicator, value):
    """Green at or beyond ``green_from``, red beyond ``red_from`` on the worse side, amber between."""
    if indicator.green_from is None or indicator.red_from is None:
        return None
    if indicator.higher_is_better:
        return Rating.GREEN if value >= indicator.green_from else Rating.RED if value < indicator.red_from else Rating.AMBER
    return Rating.GREEN if value <= indicator.green_from else Rating.RED if value > indicator.red_from else Rating.AMBER


def _from_imported(indicator, signals):
    figure = signals.figures.get(indicator.key)
    if figure is None:
        return Suggestion(None, "No figure has been imported.")
    return Suggestion(rating_for_figure(indicator, figure.value), f"{figure.column}: {figure.value:g}.")


_SUGGESTERS = {
    IndicatorSource.ADVISER: _from_adviser,
    IndicatorSource.INSPECTION: _from_inspection,
    IndicatorSource.SELF_EVALUATION: _from_self_evaluation,
    IndicatorSource.PLAN_PROGRESS: _from_plan_progress,
    IndicatorSource.DEADLINES: _from_deadlines,
    IndicatorSource.CHALLENGES: _from_challenges,
    IndicatorSource.IMPORTED: _from_imported,
}
