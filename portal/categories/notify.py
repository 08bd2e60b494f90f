"""Telling people about categorisation: the school when a round is published, the letter when a school moves into
a category needing intervention, and the adviser when the LA changes their proposal."""

from portal.notices.rules import link_to, tell
from portal.schools.models import GOVERNANCE, SCHOOL_LEADERS, Role
from portal.schools.rules import active_people
from portal.templating import govuk_date


class _Blank(dict):
    def __missing__(self, key):
        return ""


def letter_values(entry):
    """What each letter placeholder stands for, for one history entry."""
    school, category = entry.school, entry.category
    names = lambda role: ", ".join(p.name for p in school.people_with(role) if p.active) or ""  # noqa: E731
    values = {
        "school": school.name,
        "headteacher": names(Role.HEADTEACHER) or school.head_name or "the headteacher",
        "chair": names(Role.CHAIR_OF_GOVERNORS) or "the chair of governors",
        "category": category.label,
        "previous_category": entry.previous_category.label if entry.previous_category else "none",
        "round": entry.round.name if entry.round else "a change between rounds",
        "reason": entry.reason,
        "support_level": category.support_level,
        "support_package": category.support_package,
        "la": school.local_authority.name if school.local_authority else "",
        "date": govuk_date(entry.effective_on),
    }
    return values


def fill_letter(version, entry):
    """(subject, body) of the letter, from the template of the version the decision was made under."""
    values = _Blank(letter_values(entry))
    subject = (version.letter_subject or "{school}: category {category}").format_map(values)
    body = (version.letter_body or "{school} is now in category {category}.\n\n{reason}").format_map(values)
    return subject, body


def letter_recipients(school):
    return active_people(school, {Role.HEADTEACHER, Role.CHAIR_OF_GOVERNORS})


def send_letter(entry):
    """Email the letter to the headteacher and chair of governors; the printable copy is on the history page."""
    subject, body = fill_letter(entry.category.version, entry)
    school = entry.school
    return tell(letter_recipients(school), kind="category-letter", event_key=f"school-category-{entry.id}", school=school,
                subject=subject, heading=subject, lines=[paragraph for paragraph in body.split("\n\n") if paragraph.strip()],
                link=link_to("categories.letter", school_id=school.id, entry_id=entry.id), link_text="Print the letter")


def category_published(entry):
    """The school's leaders and governors hear their category when the round (or a change) is published."""
    school = entry.school
    what = f"the {entry.round.name} categorisation round" if entry.round else "a change between rounds"
    return tell(active_people(school, SCHOOL_LEADERS | GOVERNANCE), kind="category-published",
                event_key=f"school-category-{entry.id}", school=school,
                subject=f"{school.name}'s category: {entry.category.label}", heading="Your school's category",
                lines=[line for line in (f"{school.name} is in category {entry.category.label}, from {what}.",
                                         f"The reason: {entry.reason}" if entry.reason else "",
                                         "You can see the indicator ratings and the history of every round in the portal.")
                       if line],
                link=link_to("categories.school_history", school_id=school.id), link_text="See your school's category")


def proposal_changed(proposal):
    """The adviser sees why the LA decided differently from what they proposed."""
    if proposal.proposed_by is None:
        return 0
    school, categorisation_round = proposal.school, proposal.round
    return tell([proposal.proposed_by], kind="category-changed",
                event_key=f"proposal-{proposal.id}-{proposal.moderated_at:%Y%m%dT%H%M%S}", school=school,
                subject=f"Category changed at moderation: {school.name}", heading="Your proposal was changed",
                lines=[f"At moderation of {categorisation_round.name} the LA placed {school.name} in "
                       f"{proposal.agreed_category.label}"
                       + (f" (you proposed {proposal.proposed_category.label})." if proposal.proposed_category else "."),
                       f"Why: {proposal.moderation_reason}"],
                link=link_to("categories.proposal", round_id=categorisation_round.id, school_id=school.id),
                link_text="See the proposal")


def tell_school(entry):
    """A new entry in a school's history: its people hear of it, and the letter goes where the move needs one."""
    category_published(entry)
    if entry.letter_sent:
        send_letter(entry)
