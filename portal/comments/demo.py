"""Demo comments on Brookside's plan: one answered and resolved, one question waiting for the school, one
challenge the school has answered and the adviser has still to read."""

from datetime import datetime, timezone

from portal.comments import rules


def _at(month, day, hour):
    return datetime(2026, month, day, hour, tzinfo=timezone.utc)


def add_demo_comments(school, plan, adviser, headteacher):
    """Comments on the first priority's first action and success criterion and on the second priority (if there is one).

    ``school`` is the plan's school; the plan's priorities, actions and criteria must have their ids (flush first).
    """
    assert plan.school_id == school.id, "the plan must be the school's"
    reading = plan.priorities[0]
    added = []

    if len(plan.priorities) > 1:
        attendance = plan.priorities[1]
        praise = rules.add_comment(
            plan, adviser, target=attendance, kind="praise", now=_at(9, 28, 15),
            body="The weekly attendance panel is a strong start: the education welfare officer told me how quickly "
                 "families are now contacted after a second absence.")
        rules.reply(praise, headteacher, now=_at(9, 29, 8),
                    body="Thank you. We will share the panel's notes with governors at the next review.")
        rules.resolve(praise, adviser, now=_at(9, 30, 10))
        added.append(praise)

    if reading.success_criteria:
        question = rules.add_comment(
            plan, adviser, target=reading.success_criteria[0], kind="question", now=_at(10, 16, 14),
            body="The autumn 1 figure was 54% against a milestone of 55%. Which pupils are furthest from the expected "
                 "standard, and what will be different for them before the autumn 2 review?")
        added.append(question)

    if reading.actions:
        challenge = rules.add_comment(
            plan, adviser, target=reading.actions[0], kind="challenge", now=_at(10, 19, 9),
            body="Catch-up groups started three weeks late. How will you make sure every session runs, including "
                 "when a teaching assistant is absent?")
        rules.reply(challenge, headteacher, now=_at(10, 21, 16),
                    body="The reading lead now covers any group whose teaching assistant is absent, and the deputy "
                         "checks the attendance register for the groups every Friday.")
        added.append(challenge)
    return added
