"""The exit letter to the headteacher and chair of governors, written once when exit is approved."""

from dataclasses import dataclass

from sqlalchemy import select

from portal.exit.models import ChecklistStatus, DecisionOutcome
from portal.extensions import db

LETTER_ATTACHMENT = "exit-from-intervention-letter.txt"


@dataclass(frozen=True)
class ExitLetter:
    """The letter telling the headteacher and chair of governors that exit is approved (Reading: the decision is
    "communicated in writing to the School's Governing Body and Headteacher").

    Written once, when exit is approved: a copy of its text goes with each email into the outbox and the letter
    page reads it back from there, so renaming the school, changing its people or the LA's name later never
    changes what the letter said."""

    subject: str
    dated: str
    paragraphs: tuple[str, ...]

    def as_text(self) -> str:
        return "\n\n".join((self.subject, self.dated, *self.paragraphs)) + "\n"

    @classmethod
    def from_text(cls, text: str):
        parts = [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]
        return cls(parts[0], parts[1] if len(parts) > 1 else "", tuple(parts[2:]))


def approving_decision(checklist):
    return next((d for d in reversed(checklist.decisions) if d.outcome == DecisionOutcome.APPROVED), None)


def letter_event(decision) -> str:
    """The letter's event key for ``portal.notices.rules.tell`` (one email per person, never twice)."""
    return f"exit-letter-{decision.id}"


def _plain(text):
    return "\n".join(line.rstrip() for line in (text or "").replace("\r\n", "\n").strip().split("\n"))


def compose_exit_letter(checklist, decision) -> ExitLetter:
    """The letter for an approval, from the decision's own record (the category entry it made, its reasons, the
    light-touch terms and end date) and the school's name and people today: only ever called as it is sent."""
    from portal.schools.models import Role
    from portal.schools.rules import active_people
    from portal.templating import govuk_date

    school, entry = checklist.school, checklist.category_entry
    authority = school.local_authority.name if school.local_authority else "The local authority"
    heads = " and ".join(p.name for p in active_people(school, {Role.HEADTEACHER}))
    chairs = " and ".join(p.name for p in active_people(school, {Role.CHAIR_OF_GOVERNORS}))
    to = (f"{heads} (headteacher)" if heads else "the headteacher") + " and " + \
        (f"{chairs} (chair of governors)" if chairs else "the chair of governors")
    category = entry.category if entry is not None else decision.recommended_category
    moving = f", moving from category {entry.previous_category.label}" if entry is not None and entry.previous_category else ""
    terms = checklist.light_touch_terms
    decided_by = decision.decided_by.name if decision.decided_by is not None else ""
    return ExitLetter(
        subject=f"Exit from intervention approved: {school.name}",
        dated=govuk_date(checklist.closed_on),
        paragraphs=(
            f"To {to}, {school.name}",
            f"{authority} has approved {school.name}'s exit from intervention. From {govuk_date(checklist.closed_on)} "
            f"the school is in category {category.label}{moving}.",
            f"The local authority's reasons:\n{_plain(decision.reason)}",
            f"Light-touch monitoring continues for {terms} term{'s' if terms != 1 else ''}, until "
            f"{govuk_date(checklist.light_touch_ends_on)}: the school's adviser visits at least once each term.",
            "\n".join(line for line in ("Yours sincerely", decided_by, authority) if line),
        ))


def letter_attachment(letter: ExitLetter):
    """The letter's text as an attachment: the recipients' copy to keep, and the portal's record of what was sent."""
    return (LETTER_ATTACHMENT, "text/plain; charset=utf-8", letter.as_text().encode("utf-8"))


def exit_letter(checklist):
    """(letter, sent) for an approved checklist: the letter as it was emailed, read back from the outbox copy, and
    True; or, when nobody could be emailed (no headteacher or chair of governors had an account), the letter as it
    would read now, and False. None before exit is approved."""
    from portal.reminders.models import OutboxMessage

    decision = approving_decision(checklist)
    if checklist.status != ChecklistStatus.APPROVED or decision is None:
        return None
    # The outbox key is "kind:event:address" (portal.notices.rules.tell): every copy of this letter is the same.
    copy = db.session.scalar(select(OutboxMessage.attachment).where(
        OutboxMessage.kind == "exit-decided", OutboxMessage.key.like(f"exit-decided:{letter_event(decision)}:%"),
        OutboxMessage.attachment_name == LETTER_ATTACHMENT).order_by(OutboxMessage.id).limit(1))
    if copy is not None:
        return ExitLetter.from_text(copy.decode("utf-8")), True
    return compose_exit_letter(checklist, decision), False
