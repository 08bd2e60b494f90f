"""Queue a notice for each person who must hear of an event, and wake the outbox once it is committed."""

from contextlib import nullcontext

from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.reminders import outbox
from portal.reminders.scan import Reminder, public_link, render_reminder, with_public_urls

# What each notice is, who gets it and when: for the profile page and the README.
NOTICES = {
    "evidence-query": ("A query on your evidence", "Headteacher and senior leaders",
                       "As soon as the adviser asks a question about a piece of evidence"),
    "evidence-decided": ("Evidence verified or not accepted", "Headteacher and senior leaders",
                         "As soon as the adviser verifies a piece of evidence or does not accept it"),
    "self-evaluation-validated": ("Self-evaluation validated", "Headteacher and senior leaders",
                                  "As soon as the adviser validates it"),
    "self-evaluation-returned": ("Self-evaluation returned to the school", "Headteacher and senior leaders",
                                 "As soon as the adviser returns it with what to change"),
    "meeting-scheduled": ("Review meeting booked", "Every member of the meeting",
                          "As soon as it is booked, with the calendar invitation"),
    "meeting-moved": ("Review meeting moved or cancelled", "Every member of the meeting",
                      "As soon as its date changes or it is cancelled, with the updated calendar invitation"),
    "minutes-circulated": ("Minutes circulated", "Chair of governors (or the governor nominated) and every member",
                           "As soon as the minutes are circulated"),
    "minutes-confirmed": ("Minutes confirmed", "Adviser, headteacher, clerk and whoever wrote them",
                          "As soon as the chair of governors confirms them"),
    "notes-issued": ("Notes of visit to check", "Headteacher (or senior leaders)", "As soon as the adviser issues them"),
    "notes-answered": ("The school's answer on notes of visit", "Adviser", "As soon as the school answers the accuracy check"),
    "category-published": ("Your school's category", "Headteacher, senior leaders, governors and the clerk",
                           "As soon as the LA publishes a categorisation round, or changes the category between rounds"),
    "category-letter": ("Letter: the school needs intervention", "Headteacher and chair of governors",
                        "When the school moves into a category that requires intervention (the LA words the letter)"),
    "category-changed": ("Your proposed category was changed", "The adviser who proposed it",
                         "As soon as the LA changes the proposal at moderation, with why"),
    "notes-final": ("Notes of visit final", "Headteacher (or senior leaders)",
                    "As soon as the adviser has considered the school's corrections"),
    "intervention-step": ("A formal intervention step", "Headteacher and chair of governors",
                          "As soon as the LA records a step (a warning notice, for example) taken at the school"),
    "exit-decided": ("Exit from intervention approved or declined",
                     "The adviser who recommended it and the school's advisers; on approval also the headteacher and chair of governors",
                     "As soon as the LA approves or declines the recommendation that the school exits intervention"),
}


def tell(people, *, kind, event_key, school, subject, heading, lines, link, link_text, due_on=None, attachment=None):
    """Queue one email per person (a User, or an email address) for this event; returns how many were new.

    ``event_key`` names the event (``verification-12``): with the kind and the address it makes the outbox key,
    so telling the same person of the same event again does nothing."""
    if kind not in NOTICES:
        raise ValueError(f"Unknown notice: {kind}")
    queued, seen = 0, set()
    with _urls():
        for person in people:
            email = getattr(person, "email", person)
            if not email or email.lower() in seen or (hasattr(person, "active") and not person.active):
                continue
            seen.add(email.lower())
            reminder = Reminder(key=f"{kind}:{event_key}:{email.lower()}", kind=kind, email=email,
                                user_id=getattr(person, "id", None), school_id=school.id, subject=subject, heading=heading,
                                lines=lines, link=link, link_text=link_text, due_on=due_on, attachment=attachment)
            text_body, html_body = render_reminder(reminder)
            queued += outbox.queue(key=reminder.key, kind=kind, recipient_email=email, recipient_user_id=reminder.user_id,
                                   school_id=school.id, subject=subject, text_body=text_body, html_body=html_body,
                                   due_on=due_on, attachment=attachment)
    if queued:
        db.session.info["notices_queued"] = True
    return queued


def link_to(endpoint, **values):
    with _urls():
        return public_link(endpoint, **values)


def _urls():
    """Build links from the portal's public address, inside a request or not (the CLI, the scheduler)."""
    return nullcontext() if has_request_context() else with_public_urls()


@event.listens_for(Session, "after_commit")
def _wake_the_outbox(session):
    """Committed notices go out now when this process runs the scheduler (within a minute otherwise)."""
    if session.info.pop("notices_queued", False):
        from portal.reminders.scheduler import wake

        wake()


@event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop("notices_queued", None)
