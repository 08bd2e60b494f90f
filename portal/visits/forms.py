"""Forms for recording a visit, writing its notes, the school's accuracy check and the adviser's answer.

The notes form is built per visit: one fieldset for each priority or criterion the visit looked at,
each with its next steps and one blank row to add another (the add-another pattern without JavaScript).
"""

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovCheckboxesInput, GovCheckboxInput, GovFileInput, GovRadioInput, GovSelect,
                                                GovSubmitInput, GovTextArea, GovTextInput)
from wtforms import (BooleanField, MultipleFileField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField,
                     TextAreaField)
from wtforms.validators import InputRequired, Length, Optional

from portal.forms_common import GovDateField, require_date
from portal.support.forms import DaysField
from portal.visits.models import CorrectionOutcome, Verdict, VisitKind
from portal.visits.rules import NextStep, passages

TEXT_LIMIT = 20_000


def _text(label, description="", name=None):
    name = name or label
    return TextAreaField(label, widget=GovTextArea(), description=description,
                         validators=[Optional(), Length(max=TEXT_LIMIT, message=f"{name} must be {TEXT_LIMIT:,} characters or fewer")])


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class VisitForm(FlaskForm):
    visited_on = GovDateField("Date of the visit", description="For example, 3 11 2026",
                              validators=[require_date("Enter the date of the visit")])
    kind = RadioField("Type of visit", choices=[(kind.value, kind.label) for kind in VisitKind], coerce=VisitKind,
                      widget=GovRadioInput(), validators=[InputRequired(message="Choose the type of visit")])
    focus_priority_id = SelectField("Focus visit: which priority?", coerce=_int_or_none, widget=GovSelect(), validate_choice=False,
                                    description="Only for a focus visit.")
    people_seen = _text("Who was seen", "For example: headteacher, English lead, year 6 teachers, 8 pupils from year 5")
    looked_at = SelectMultipleField("Which priorities and success criteria did the visit look at?", widget=GovCheckboxesInput(),
                                    validate_choice=False,
                                    description="Your notes will have a part for each one you choose.")
    support_activity_id = SelectField("Support activity this visit delivered (optional)", coerce=_int_or_none, widget=GovSelect(),
                                      validate_choice=False,
                                      description="From the school's support package. "
                                                  "The days you enter are added to its days used.")
    support_days = DaysField("Days of your time used", description="In half days, for example 0.5 or 1", validators=[Optional()])
    confirm_over = BooleanField("I confirm more days were used than were allocated", widget=GovCheckboxInput())
    save = SubmitField("Save and write the notes", widget=GovSubmitInput())


def visit_form(options, priorities, visit=None, support=()):
    """The visit's details; ``options`` are (key, heading) from the plan, ``priorities`` its priorities, ``support``
    (activity, label) for the school's support activities a visit can deliver."""
    if visit is None:
        form = VisitForm()
    else:
        form = VisitForm(data={"visited_on": visit.visited_on, "kind": visit.kind, "focus_priority_id": visit.focus_priority_id,
                               "people_seen": visit.people_seen,
                               "looked_at": [s["key"] for s in (visit.draft or {}).get("sections", [])],
                               "support_activity_id": visit.support_activity_id or 0, "support_days": visit.support_days})
        form.save.label.text = "Save details"
    form.looked_at.choices = list(options)
    form.focus_priority_id.choices = [(0, "Not a focus visit")] + [(p.id, p.title) for p in priorities]
    form.support_activity_id.choices = [(0, "None")] + [(activity.id, label) for activity, label in support]
    return form


def step_field(section_key, number, part):
    return f"step_{section_key}_{number}_{part}"


class NotesForm(FlaskForm):
    summary = _text("Summary", "The headlines of the visit: what it found overall.")
    save = SubmitField("Save notes", widget=GovSubmitInput())


def notes_form(visit, formdata=None):
    """The draft notes. Returns (form, [(section, seen field, strengths field, [(description, owner, due) fields])])."""
    draft = visit.draft or {}
    sections = draft.get("sections", [])
    posted = formdata

    class Form(NotesForm):
        pass

    rows = {}
    for section in sections:
        key = section["key"]
        setattr(Form, f"seen_{key}", _text("What was seen", name=f"{section['heading']}: what was seen"))
        setattr(Form, f"strengths_{key}", _text("Strengths", name=f"{section['heading']}: strengths"))
        saved = section.get("next_steps", [])
        count = len(saved) + 1
        if posted is not None:  # rows as posted, so nothing typed is lost when the form comes back with an error
            count = max(count, 1 + max([n for n in range(1, 40) if step_field(key, n, "description") in posted] or [0]))
        rows[key] = count
        for number in range(1, count + 1):
            setattr(Form, step_field(key, number, "description"),
                    StringField(f"Next step {number}", widget=GovTextInput(),
                                validators=[Optional(), Length(max=1000, message=f"Next step {number} must be 1,000 characters or fewer")]))
            setattr(Form, step_field(key, number, "owner"),
                    StringField("Who (optional)", widget=GovTextInput(),
                                validators=[Optional(), Length(max=200, message="Who must be 200 characters or fewer")]))
            setattr(Form, step_field(key, number, "due"),
                    GovDateField("By when (optional)", invalid_message=f"Next step {number}: the date must be a real date"))
    data = {"summary": draft.get("summary", "")}
    for section in sections:
        key = section["key"]
        data[f"seen_{key}"], data[f"strengths_{key}"] = section.get("seen", ""), section.get("strengths", "")
        for number, step in enumerate(section.get("next_steps", []), start=1):
            data[step_field(key, number, "description")] = step["description"]
            data[step_field(key, number, "owner")] = step.get("owner", "")
            data[step_field(key, number, "due")] = date.fromisoformat(step["due_on"]) if step.get("due_on") else None
    form = Form(formdata=formdata, data=data) if formdata is not None else Form(data=data)
    layout = []
    for section in sections:
        key = section["key"]
        steps = [(form[step_field(key, n, "description")], form[step_field(key, n, "owner")], form[step_field(key, n, "due")])
                 for n in range(1, rows[key] + 1)]
        layout.append((section, form[f"seen_{key}"], form[f"strengths_{key}"], steps))
    return form, layout


def sections_from(form, layout):
    """What the notes form holds, in the shape ``rules.save_notes`` takes."""
    return {section["key"]: {"seen": seen.data or "", "strengths": strengths.data or "",
                             "next_steps": [NextStep(d.data or "", o.data or "", due.data) for d, o, due in steps]}
            for section, seen, strengths, steps in layout}


class ResponseForm(FlaskForm):
    verdict = RadioField("Are these notes factually accurate?", widget=GovRadioInput(),
                         choices=[(Verdict.ACCURATE.value, "Yes, they are accurate"),
                                  (Verdict.INACCURATE.value, "No, some passages are inaccurate")],
                         coerce=lambda value: Verdict(value) if value else None,
                         validators=[InputRequired(message="Say whether the notes are accurate")])
    comment = _text("Anything else you want to say (optional)", name="Your comment")
    save = SubmitField("Send your answer", widget=GovSubmitInput())


def correction_field(passage_key):
    return "correction_" + passage_key.replace(".", "_")


def response_form(version):
    """One optional correction box per passage of the issued version."""

    class Form(ResponseForm):
        pass

    found = passages(version.content)
    for key, heading, _text_value in found:
        setattr(Form, correction_field(key), _text("Your correction", name=f"{heading}: your correction"))
    form = Form()
    return form, [(key, heading, text, form[correction_field(key)]) for key, heading, text in found]


def corrections_from(form, layout):
    return {key: field.data or "" for key, _heading, _text_value, field in layout}


class ConsiderForm(FlaskForm):
    save = SubmitField("Save and make the notes final", widget=GovSubmitInput())


def consider_form(corrections):
    class Form(ConsiderForm):
        pass

    for correction in corrections:
        setattr(Form, f"outcome_{correction.id}", RadioField(
            "Your decision", widget=GovRadioInput(), validate_choice=False,
            choices=[(CorrectionOutcome.ACCEPTED.value, "Accept the correction: the notes change (a new version)"),
                     (CorrectionOutcome.KEPT.value, "Keep the text, and reply to the school")]))
        setattr(Form, f"reply_{correction.id}", _text("Your reply", "Required when you keep the text.",
                                                      name=f"{correction.passage_heading}: your reply"))
    form = Form()
    return form, [(c, form[f"outcome_{c.id}"], form[f"reply_{c.id}"]) for c in corrections]


def decisions_from(layout):
    found = {}
    for correction, outcome, reply in layout:
        try:
            chosen = CorrectionOutcome(outcome.data) if outcome.data else None
        except ValueError:
            chosen = None
        found[correction.id] = (chosen, reply.data or "")
    return found


class IssueForm(FlaskForm):
    """The confirmation step: issuing cannot be undone, so it is a button of its own after saying what happens."""

    issue = SubmitField("Issue the notes to the school", widget=GovSubmitInput())


class AttachForm(FlaskForm):
    files = MultipleFileField("Add files", widget=GovFileInput(multiple=True))
    upload = SubmitField("Upload files", widget=GovSubmitInput())


class LinkEvidenceForm(FlaskForm):
    verification_ids = SelectMultipleField("Decisions made during this visit", coerce=int, widget=GovCheckboxesInput(),
                                           validate_choice=False)
    link = SubmitField("Link to this visit", widget=GovSubmitInput())
