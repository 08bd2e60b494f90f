"""Demo self-evaluations: Brookside's last summer one on the older framework, validated with one area graded lower;
Kingsway's one for this term, submitted a few days ago and waiting for its adviser."""

from datetime import date, timedelta

from portal.extensions import db

# Brookside's summer self-evaluation on the four-point framework: (grade position, strengths, development)
LEGACY_ANSWERS = [
    (2, "Senior leaders and governors share an accurate view of the school.", "Middle leaders' monitoring of their subjects."),
    (2, "Phonics teaching is consistent in early years and key stage 1.", "Challenge for the most able in mathematics."),
    (2, "Pupils behave well and say they feel safe.", "Persistent absence among disadvantaged pupils."),
    (2, "Attainment at the end of key stage 2 rose in writing.", "Reading outcomes for disadvantaged pupils."),
    (2, "Children settle quickly and make good progress in communication.", "Outdoor provision for mathematics."),
    (2, "A balanced budget with a small reserve.", "Long-term planning for falling rolls."),
]


def build_self_evaluations(calendar, schools, users, years):
    from portal.frameworks.ready_made import build_demo_frameworks
    from portal.inspections.models import Inspection
    from portal.self_evaluation import rules
    from portal.terms.rules import academic_year_on, suggested_title

    last_year = years[calendar.start_year - 1]
    with calendar.as_of(last_year.half_terms[0].starts_on - timedelta(days=10), 9):
        current, legacy = build_demo_frameworks()
        db.session.flush()
    brookside, kingsway = schools[140001], schools[140005]
    head, adviser = users["head.brookside@example.org"], users["adviser.north@example.org"]
    summer = last_year.half_terms[4]
    with calendar.as_of(summer.starts_on + timedelta(days=14), 15):
        older = rules.start(brookside, legacy.published_version, head, f"Summer {summer.starts_on.year}")
        db.session.flush()
        for judgement, (position, strengths, development) in zip(older.judgements, LEGACY_ANSWERS):
            grade = legacy.published_version.scale.grades[position - 1]
            rules.save_judgement(judgement, head, grade_id=grade.id, strengths=strengths, areas_for_development=development,
                                 evidence="Monitoring records and pupil progress data.", revision=0)
        rules.submit(older, head)
    with calendar.as_of(summer.starts_on + timedelta(days=24), 11):
        for judgement in older.judgements:
            if judgement.area.key == "achievement":
                worse = legacy.published_version.scale.grades[2]
                rules.record_adviser_view(judgement, agrees=False, grade_id=worse.id,
                                          reason="Over-optimistic: the gap for disadvantaged pupils in reading widened this year.")
            else:
                rules.record_adviser_view(judgement, agrees=True, grade_id=None, reason="")
        rules.validate(older, adviser, "An accurate picture apart from outcomes, where the school is over-generous. "
                                       "Leaders know the priorities.")

    head_kingsway = users["exec.head@example.org"]
    started_on = calendar.working_days(calendar.today, -8)
    with calendar.as_of(started_on, 16):
        latest = rules.start(kingsway, current.published_version, head_kingsway, suggested_title(calendar.today),
                             academic_year_on(calendar.today))
        db.session.flush()
        for judgement in latest.judgements:
            grade = current.published_version.scale.grades[3]
            rules.save_judgement(judgement, head_kingsway, grade_id=grade.id,
                                 strengths=f"Leaders have a clear plan for {judgement.area.title.lower()}.",
                                 areas_for_development=f"Consistency in {judgement.area.title.lower()} across year groups.",
                                 evidence="Lesson visits, work scrutiny and the latest data drop.", revision=0)
        rules.save_safeguarding(latest, met=True, note="Single central record checked by the LA this term.")
    with calendar.as_of(calendar.working_days(calendar.today, -3), 17):
        rules.submit(latest, head_kingsway)
    db.session.add(Inspection(school=kingsway, inspected_on=date(2025, 5, 14), inspection_type="Graded inspection (before November 2025)",
                              legacy_grade="Special measures", safeguarding_met=True))
