"""Recording Ofsted inspections: report cards from 10 November 2025, an overall grade before."""

from sqlalchemy import select

from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.inspections.models import LEGACY_GRADES, REPORT_CARD_START, Inspection


def latest_inspection(school):
    return db.session.scalar(
        select(Inspection).where(Inspection.school_id == school.id)
        .order_by(Inspection.inspected_on.desc(), Inspection.id.desc()).limit(1)
    )


def school_inspections(school):
    return db.session.scalars(
        select(Inspection).where(Inspection.school_id == school.id).order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
    ).all()


def record_inspection(school, user, *, inspected_on, inspection_type, legacy_grade, area_grades, safeguarding_met, notes,
                      valid_area_grades):
    """``area_grades``: {area key: grade name}; ``valid_area_grades``: {area key: [allowed grade names]}."""
    area_grades = {key: grade for key, grade in area_grades.items() if grade}
    if inspected_on >= REPORT_CARD_START and legacy_grade:
        raise RuleBroken("Inspections from 10 November 2025 have no overall grade: give the grade for each area instead", "legacy_grade")
    if inspected_on < REPORT_CARD_START and area_grades:
        raise RuleBroken("Inspections before 10 November 2025 had an overall grade, not report-card area grades", "legacy_grade")
    if legacy_grade and legacy_grade not in LEGACY_GRADES:
        raise RuleBroken("Choose an overall grade from the list", "legacy_grade")
    for key, grade in area_grades.items():
        if grade not in valid_area_grades.get(key, []):
            raise RuleBroken("Choose each area's grade from the report-card scale", "legacy_grade")
    inspection = Inspection(
        school=school, inspected_on=inspected_on, inspection_type=inspection_type, legacy_grade=legacy_grade or None,
        area_grades=area_grades, safeguarding_met=safeguarding_met, notes=notes.strip(), recorded_by=user,
    )
    db.session.add(inspection)
    return inspection
