"""Demo visits at a school: final notes, notes waiting for the school's accuracy check, and a draft the adviser owes."""

from datetime import date, datetime, time, timezone

from portal.extensions import db
from portal import clock
from portal.visits import rules
from portal.visits.models import Verdict, VisitKind
from portal.working_days import shift_working_days


def add_demo_visits(school, plan, adviser, head):
    reading, attendance = plan.priorities[0], plan.priorities[1]
    today = clock.today()
    october = rules.record_visit(school, adviser, visited_on=date(2026, 10, 7), kind=VisitKind.MONITORING, plan=plan,
                                 people_seen="Sarah Lewis (headteacher), the reading lead, 6 pupils from year 5",
                                 looked_at=[rules.section_key(reading), rules.section_key(attendance)], today=today)
    db.session.flush()
    rules.save_notes(october, summary="Leaders have started the reading catch-up programme promptly and know which pupils "
                                      "it is for. It is too early to see its impact on attainment.", sections={
        rules.section_key(reading): {
            "seen": "Two catch-up phonics groups in year 4 and year 5; the reading tracker.",
            "strengths": "Pupils in the groups read with growing fluency and could talk about the books they had chosen.",
            "next_steps": [rules.NextStep("Share the reading tracker with governors each half term", "Reading lead",
                                          date(2026, 11, 20))]},
        rules.section_key(attendance): {
            "seen": "The weekly attendance panel's minutes and the first letters to families.",
            "strengths": "Persistent absence is already down to 15.5% from 18% last year.",
            "next_steps": [rules.NextStep("Visit the families of the 12 pupils still below 90%", "Headteacher",
                                          date(2026, 12, 11))]}})
    rules.issue(october, adviser, today=date(2026, 10, 9), now=datetime(2026, 10, 9, 15, 30, tzinfo=timezone.utc))
    rules.respond(october, head, verdict=Verdict.ACCURATE, corrections={}, today=date(2026, 10, 12),
                  now=datetime(2026, 10, 12, 8, 10, tzinfo=timezone.utc))
    recent = rules.record_visit(school, adviser, visited_on=shift_working_days(today, -4), kind=VisitKind.SUPPORT, plan=plan,
                                people_seen="The deputy headteacher and key stage 2 teachers",
                                looked_at=[rules.section_key(reading)], today=today)
    db.session.flush()
    rules.save_notes(recent, summary="A training session on reading fluency for key stage 2 staff, then joint lesson visits.",
                     sections={rules.section_key(reading): {
                         "seen": "Fluency practice in three key stage 2 classes.",
                         "strengths": "Teachers modelled expressive reading well.",
                         "next_steps": [rules.NextStep("Add fluency practice to every English lesson plan", "Deputy headteacher",
                                                       None)]}})
    issued_on = shift_working_days(today, -1)
    rules.issue(recent, adviser, today=issued_on, now=datetime.combine(issued_on, time(16), tzinfo=timezone.utc))
    rules.record_visit(school, adviser, visited_on=shift_working_days(today, -2), kind=VisitKind.FOCUS, plan=plan,
                       focus_priority=reading, people_seen="The reading lead", looked_at=[rules.section_key(reading)],
                       today=today)
