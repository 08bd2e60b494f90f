"""Forms for scheduling and running review meetings."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovCheckboxInput, GovFileInput, GovRadioInput, GovSelect, GovSubmitInput,
                                                GovTextArea, GovTextInput)
from wtforms import BooleanField, FileField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.forms_common import GovDateField, GovTimeField, require_date
from portal.meetings.models import MeetingKind, Rag


def _when_fields(form_class):
    form_class.starts_at = GovTimeField("Start time", validators=[InputRequired(message="Enter the start time")])
    form_class.ends_at = GovTimeField("End time", validators=[InputRequired(message="Enter the end time")])
    # Shown only after a date in the school holidays was warned about: ticking it books the date anyway.
    form_class.book_in_holidays = BooleanField("Book in the school holidays anyway", widget=GovCheckboxInput(),
                                               description="The school may be closed that day: check members can come.")
    return form_class


class MeetingForm(FlaskForm):
    kind = SelectField("Type of meeting", widget=GovSelect(), choices=[(k.value, k.label) for k in MeetingKind],
                       default=MeetingKind.RAP_REVIEW.value)
    plan_id = SelectField("Plan it reviews", coerce=int, widget=GovSelect(), default=0)
    meets_on = GovDateField("Date of the meeting", validators=[require_date("Enter the date of the meeting")],
                            description="For example, 2 12 2026")
    place = StringField("Place", widget=GovTextInput(), validators=[Optional(), Length(max=200)],
                        description="For example, the school, or an online meeting link")
    chair = StringField("Chair", widget=GovTextInput(), validators=[Optional(), Length(max=200)],
                        description="Usually the LA's lead for the school")
    save = SubmitField("Schedule meeting", widget=GovSubmitInput())


_when_fields(MeetingForm)


class HalfTermlyForm(FlaskForm):
    plan_id = SelectField("Plan the meetings review", coerce=int, widget=GovSelect())
    place = StringField("Place", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    chair = StringField("Chair", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    save = SubmitField("Schedule these meetings", widget=GovSubmitInput())


_when_fields(HalfTermlyForm)


def half_termly_form(half_terms, suggestions):
    """One date per half term, pre-filled with a suggested working day."""

    class Form(HalfTermlyForm):
        pass

    for half_term in half_terms:
        setattr(Form, f"date_{half_term.number}", GovDateField(
            f"{half_term.name} meeting", validators=[require_date(f"Enter the date of the {half_term.name} meeting")],
            description=f"{half_term.name} runs from {half_term.starts_on.day} {half_term.starts_on:%B} to "
                        f"{half_term.ends_on.day} {half_term.ends_on:%B %Y}.",
            default=suggestions.get(half_term.id)))
    return Form()


class RescheduleForm(FlaskForm):
    meets_on = GovDateField("New date", validators=[require_date("Enter the new date")])
    reason = TextAreaField("Why is it moving?", widget=GovTextArea(), validators=[Optional(), Length(max=2000)])
    save = SubmitField("Reschedule meeting", widget=GovSubmitInput())


_when_fields(RescheduleForm)


class CancelForm(FlaskForm):
    reason = TextAreaField("Why is it cancelled?", widget=GovTextArea(),
                           validators=[InputRequired(message="Say why the meeting is cancelled"), Length(max=2000)])
    cancel = SubmitField("Cancel meeting", widget=GovSubmitInput())


class AgendaForm(FlaskForm):
    agenda = TextAreaField("Agenda", widget=GovTextArea(), validators=[Optional(), Length(max=20000)],
                           description="One item per line. Members can read it here; mark it sent once it has gone to them.")
    document = FileField("Or upload the agenda (optional)", widget=GovFileInput(),
                         description="A PDF, Word or OpenDocument text file. A new file replaces the one already uploaded.")
    remove_document = BooleanField("Remove the uploaded agenda", widget=GovCheckboxInput())
    save = SubmitField("Save agenda", widget=GovSubmitInput())
    send = SubmitField("Save and mark as sent to members", widget=GovSubmitInput())


class CriterionReviewForm(FlaskForm):
    rag = RadioField("Progress", choices=[(r.value, r.label) for r in Rag], widget=GovRadioInput(),
                     validators=[InputRequired(message="Choose red, amber or green")])
    note = TextAreaField("Note", widget=GovTextArea(), validators=[Optional(), Length(max=5000)])
    save = SubmitField("Save", widget=GovSubmitInput())


class NextStepForm(FlaskForm):
    description = TextAreaField("Next step", widget=GovTextArea(), validators=[InputRequired(message="Describe the next step"),
                                                                               Length(max=2000)])
    owner = StringField("Who will do it", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    due_on = GovDateField("By when")
    add = SubmitField("Add next step", widget=GovSubmitInput())
