"""Notices about exit (one per person and decision, never twice): see ``portal.notices``."""

from portal.categories.notify import tell_school
from portal.exit import letter as exit_letter
from portal.exit import rules
from portal.notices.rules import link_to, tell
from portal.schools.models import Role
from portal.schools.rules import active_people
from portal.templating import govuk_date


def _advisers(checklist):
    """The school's advisers, and whoever recommended exit (the LA admin may have)."""
    people = list(rules.people_to_tell(checklist.school))
    if checklist.recommended_by is not None:
        people.append(checklist.recommended_by)
    return people


def exit_approved(checklist, decision, entry):
    """The school hears its new category (and the category letter, where the scheme's move needs one); the
    headteacher and chair of governors get the exit letter (its text attached: the copy the letter page reads back,
    so what it says never changes); the advisers hear that exit is approved and how long light-touch monitoring
    lasts. Returns how many emails were queued."""
    tell_school(entry)
    school = checklist.school
    letter = exit_letter.compose_exit_letter(checklist, decision)
    leaders = active_people(school, {Role.HEADTEACHER, Role.CHAIR_OF_GOVERNORS})
    queued = tell(leaders, kind="exit-decided", event_key=exit_letter.letter_event(decision), school=school,
                  subject=letter.subject, heading=letter.subject, lines=[letter.dated, *letter.paragraphs],
                  link=link_to("exit.letter", school_id=school.id, checklist_id=checklist.id),
                  link_text="Print the letter or download it as a PDF", attachment=exit_letter.letter_attachment(letter))
    lettered = {person.email.lower() for person in leaders}
    authority = school.local_authority.name if school.local_authority else "The local authority"
    lines = [f"{authority} has approved {school.name}'s exit from intervention. From {govuk_date(entry.effective_on)} "
             f"the school is in {entry.category.label}.",
             f"Why: {decision.reason}",
             f"Light-touch monitoring continues for {checklist.light_touch_terms} "
             f"term{'s' if checklist.light_touch_terms != 1 else ''}, until {govuk_date(checklist.light_touch_ends_on)}: "
             "one visit to the school is due each term.",
             "The headteacher and chair of governors have the letter." if lettered else
             "No headteacher or chair of governors has an account: print the letter from the checklist and send it."]
    return queued + tell([p for p in _advisers(checklist) if p.email.lower() not in lettered], kind="exit-decided",
                         event_key=f"exit-decision-{decision.id}", school=school,
                         subject=f"Exit from intervention approved: {school.name}", heading="Exit from intervention approved",
                         lines=lines, link=link_to("exit.show", school_id=school.id, checklist_id=checklist.id),
                         link_text="See the exit checklist")


def exit_declined(checklist, decision):
    """The adviser reads why the LA declined, and works on the checklist again."""
    school = checklist.school
    return tell(_advisers(checklist), kind="exit-decided", event_key=f"exit-decision-{decision.id}", school=school,
                subject=f"Exit from intervention declined: {school.name}", heading="Exit from intervention declined",
                lines=[f"The LA has declined the recommendation that {school.name} exits intervention.",
                       f"Why: {decision.reason}",
                       "The exit checklist is open again: update it and recommend exit when the school is ready."],
                link=link_to("exit.show", school_id=school.id, checklist_id=checklist.id),
                link_text="See the exit checklist")
