"""Demo visits at a school: final notes, notes waiting for the school's accuracy check, and a draft the adviser owes."""

from datetime import timedelta

from portal.extensions import db
from portal.visits import rules
from portal.visits.models import Verdict, VisitKind


def add_demo_visits(calendar, school, plan, adviser, head):
    """Visits around ``calendar.today`` (a ``portal.demo.calendar.DemoCalendar``): five weeks ago, final; four working
    days ago, issued yesterday and waiting for the school; two working days ago, notes still to write."""
    reading, attendance = plan.priorities[0], plan.priorities[1]
    today, days = calendar.today, calendar.working_days
    earlier_on = days(today, -25)
    with calendar.as_of(earlier_on, 17):
        earlier = rules.record_visit(school, adviser, visited_on=earlier_on, kind=VisitKind.MONITORING, plan=plan,
                                     people_seen="Sarah Lewis (headteacher), the reading lead, 6 pupils from year 5",
                                     looked_at=[rules.section_key(reading), rules.section_key(attendance)])
        db.session.flush()
    rules.save_notes(earlier, summary="Leaders have started the reading catch-up programme promptly and know which pupils "
                                      "it is for. It is too early to see its impact on attainment.", sections={
        rules.section_key(reading): {
            "seen": "Two catch-up phonics groups in year 4 and year 5; the reading tracker.",
            "strengths": "Pupils in the groups read with growing fluency and could talk about the books they had chosen.",
            "next_steps": [rules.NextStep("Share the reading tracker with governors each half term", "Reading lead",
                                          earlier_on + timedelta(days=44))]},
        rules.section_key(attendance): {
            "seen": "The weekly attendance panel's minutes and the first letters to families.",
            "strengths": "Persistent absence is already down to 15.5% from 18% last year.",
            "next_steps": [rules.NextStep("Visit the families of the 12 pupils still below 90%", "Headteacher",
                                          earlier_on + timedelta(days=65))]}})
    rules.issue(earlier, adviser, today=days(earlier_on, 2), now=calendar.at(days(earlier_on, 2), 15, 30))
    rules.respond(earlier, head, verdict=Verdict.ACCURATE, corrections={}, today=days(earlier_on, 3),
                  now=calendar.at(days(earlier_on, 3), 8, 10))
    with calendar.as_of(days(today, -4), 17):
        recent = rules.record_visit(school, adviser, visited_on=days(today, -4), kind=VisitKind.SUPPORT, plan=plan,
                                    people_seen="The deputy headteacher and key stage 2 teachers",
                                    looked_at=[rules.section_key(reading)])
        db.session.flush()
    rules.save_notes(recent, summary="A training session on reading fluency for key stage 2 staff, then joint lesson visits.",
                     sections={rules.section_key(reading): {
                         "seen": "Fluency practice in three key stage 2 classes.",
                         "strengths": "Teachers modelled expressive reading well.",
                         "next_steps": [rules.NextStep("Add fluency practice to every English lesson plan", "Deputy headteacher",
                                                       None)]}})
    issued_on = days(today, -1)
    rules.issue(recent, adviser, today=issued_on, now=calendar.at(issued_on, 16))
    with calendar.as_of(days(today, -2), 17):
        rules.record_visit(school, adviser, visited_on=days(today, -2), kind=VisitKind.FOCUS, plan=plan,
                           focus_priority=reading, people_seen="The reading lead", looked_at=[rules.section_key(reading)])
