"""Notices about notes of visit (one per person and step, never twice): see ``portal.notices``."""

from portal.notices.rules import link_to, tell
from portal.templating import govuk_date
from portal.visits import rules


def _queue(visit, people, *, step, kind, subject, heading, lines, link_text, endpoint="visits.show", due_on=None):
    tell(people, kind=kind, event_key=f"visit-{visit.id}:{step}", school=visit.school, subject=subject, heading=heading,
         lines=lines, link=link_to(endpoint, school_id=visit.school_id, visit_id=visit.id), link_text=link_text, due_on=due_on)
    return people


def notes_issued(visit):
    """To the headteacher (or the senior leaders): check the notes for accuracy by the response date."""
    school, adviser = visit.school, visit.adviser
    return _queue(
        visit, rules.school_leaders(school), step=f"v{visit.latest_version.number}-issued", kind="notes-issued",
        subject=f"Notes of visit to check: {school.name}, {visit.in_sentence}",
        heading="Notes of visit to check for accuracy",
        lines=[f"{adviser.name if adviser else 'Your adviser'} has issued the notes of the {visit.in_sentence} to {school.name}.",
               f"Read them and say whether they are factually accurate by {govuk_date(visit.response_due_on)}. "
               "If a passage is inaccurate, write your correction beside it.",
               f"If there is no answer by {govuk_date(visit.response_due_on)}, the notes become final as they are."],
        link_text="Read and check the notes", endpoint="visits.respond", due_on=visit.response_due_on)


def response_received(visit, response):
    """To the school's advisers: the school's answer."""
    who = response.responded_by.name if response.responded_by else "The school"
    accurate = response.verdict.value == "accurate"
    return _queue(
        visit, rules.advisers_of(visit.school), step=f"response-{response.id}", kind="notes-answered",
        subject=(f"Notes confirmed accurate: {visit.school.name}" if accurate
                 else f"Corrections to consider: notes of visit to {visit.school.name}"),
        heading="Notes confirmed accurate" if accurate else "Corrections to consider",
        lines=[f"{who} answered the accuracy check on the notes of the {visit.in_sentence} to {visit.school.name}.",
               "They said the notes are accurate, so the notes are final." if accurate else
               f"They marked {len(response.corrections)} passage{'s' if len(response.corrections) != 1 else ''} inaccurate. "
               "Accept each correction or keep the text with a reply."],
        link_text="See the notes" if accurate else "Consider the corrections",
        endpoint="visits.show" if accurate else "visits.corrections")


def notes_final(visit):
    """To the school's leaders: what the adviser decided about their corrections."""
    return _queue(
        visit, rules.school_leaders(visit.school), step=f"final-v{visit.latest_version.number}", kind="notes-final",
        subject=f"Notes of visit final: {visit.school.name}, {visit.in_sentence}",
        heading="Notes of visit final",
        lines=[f"The adviser has considered your corrections to the notes of the {visit.in_sentence}.",
               "The notes are final. You can see which corrections were accepted and the adviser's replies."],
        link_text="See the final notes")
