"""Demo comments on Brookside's plan: one answered and resolved, one question waiting for the school, one
challenge the school has answered and the adviser has still to read."""

from datetime import timedelta

from portal.comments import rules


def add_demo_comments(calendar, school, plan, held, adviser, headteacher):
    """Comments on the first priority's first action and success criterion and on the second priority (if there is one).

    ``school`` is the plan's school; the plan's priorities, actions and criteria must have their ids (flush first);
    ``held``: the plan's review meetings held so far; ``calendar``: a ``portal.demo.calendar.DemoCalendar``.
    """
    assert plan.school_id == school.id, "the plan must be the school's"
    reading = plan.priorities[0]
    added = []
    begins = plan.academic_year.half_terms[0].starts_on
    latest_review = held[-1].meets_on if held else calendar.today - timedelta(days=3)

    def _at(day, hour):
        return calendar.at(calendar.past(day), hour)

    if len(plan.priorities) > 1:
        attendance = plan.priorities[1]
        praise = rules.add_comment(
            plan, adviser, target=attendance, kind="praise", now=_at(begins + timedelta(days=26), 15),
            body="The weekly attendance panel is a strong start: the education welfare officer told me how quickly "
                 "families are now contacted after a second absence.")
        rules.reply(praise, headteacher, now=_at(begins + timedelta(days=27), 8),
                    body="Thank you. We will share the panel's notes with governors at the next review.")
        rules.resolve(praise, adviser, now=_at(begins + timedelta(days=28), 10))
        added.append(praise)

    if reading.success_criteria:
        question = rules.add_comment(
            plan, adviser, target=reading.success_criteria[0], kind="question", now=_at(latest_review + timedelta(days=2), 14),
            body="The last review's figure was just below the milestone. Which pupils are furthest from the expected "
                 "standard, and what will be different for them before the next review?")
        added.append(question)

    if reading.actions:
        challenge = rules.add_comment(
            plan, adviser, target=reading.actions[0], kind="challenge", now=_at(latest_review + timedelta(days=5), 9),
            body="Catch-up groups started three weeks late. How will you make sure every session runs, including "
                 "when a teaching assistant is absent?")
        rules.reply(challenge, headteacher, now=_at(latest_review + timedelta(days=7), 16),
                    body="The reading lead now covers any group whose teaching assistant is absent, and the deputy "
                         "checks the attendance register for the groups every Friday.")
        added.append(challenge)
    return added
