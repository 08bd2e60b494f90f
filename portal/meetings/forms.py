"""Forms for scheduling and running review meetings."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovCheckboxInput, GovFileInput, GovRadioInput, GovSelect, GovSubmitInput,
                                                GovTextArea, GovTextInput)
from wtforms import BooleanField, FileField, HiddenField, IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.forms_common import GovDateField, GovTimeField, require_date
from portal.meetings.models import Rag, Rhythm
from portal.templating import govuk_date


def _when_fields(form_class):
    form_class.starts_at = GovTimeField("Start time", validators=[InputRequired(message="Enter the start time")])
    form_class.ends_at = GovTimeField("End time", validators=[InputRequired(message="Enter the end time")])
    # Shown only after a date in the school holidays was warned about: ticking it books the date anyway.
    form_class.book_in_holidays = BooleanField("Book in the school holidays anyway", widget=GovCheckboxInput(),
                                               description="The school may be closed that day: check members can come.")
    return form_class


class MeetingForm(FlaskForm):
    kind = SelectField("Type of meeting", widget=GovSelect(), default="rap_review")  # choices: the LA's active kinds
    plan_id = SelectField("Plan it reviews", coerce=int, widget=GovSelect(), default=0)
    meets_on = GovDateField("Date of the meeting", validators=[require_date("Enter the date of the meeting")],
                            description="For example, 2 12 2026")
    place = StringField("Place", widget=GovTextInput(), validators=[Optional(), Length(max=200)],
                        description="For example, the school, or an online meeting link")
    chair = StringField("Chair", widget=GovTextInput(), validators=[Optional(), Length(max=200)],
                        description="Usually the LA's lead for the school")
    save = SubmitField("Schedule meeting", widget=GovSubmitInput())


_when_fields(MeetingForm)


class YearChoiceForm(FlaskForm):
    """Which kind of meeting, in which rhythm: pre-set from the school's category, changeable (a GET form)."""

    class Meta:
        csrf = False

    kind = SelectField("Kind of meeting", widget=GovSelect())
    rhythm = SelectField("How often", widget=GovSelect(), choices=[(r.value, r.label) for r in Rhythm])
    year = SelectField("Academic year", widget=GovSelect())
    show = SubmitField("Propose dates", widget=GovSubmitInput())


class ScheduleYearForm(FlaskForm):
    kind = HiddenField()
    rhythm = HiddenField()
    year = HiddenField()
    plan_id = SelectField("Plan the meetings review", coerce=int, widget=GovSelect(), default=0)
    place = StringField("Place", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    chair = StringField("Chair", widget=GovTextInput(), validators=[Optional(), Length(max=200)])
    save = SubmitField("Schedule these meetings", widget=GovSubmitInput())


_when_fields(ScheduleYearForm)


def schedule_year_form(slots, kind, rhythm, year):
    """One date per slot of the year, pre-filled with its suggested working day."""

    class Form(ScheduleYearForm):
        pass

    for slot in slots:
        setattr(Form, f"date_{slot.key}", GovDateField(
            f"{slot.label} meeting", validators=[require_date(f"Enter the date of the {slot.label} meeting")],
            description=f"Between {govuk_date(slot.earliest)} and {govuk_date(slot.latest)}; term time is "
                        f"{govuk_date(slot.starts_on)} to {govuk_date(slot.ends_on)}.",
            default=slot.suggested))
    return Form(kind=kind.key, rhythm=rhythm.value, year=str(year.start_year))


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


class OwnDaysField(IntegerField):
    """Working days a kind of meeting sets for itself; blank falls back to the LA's deadline."""

    def __init__(self, label, description="", **kwargs):
        super().__init__(label, description=description, widget=GovTextInput(), validators=[
            Optional(), NumberRange(min=0, max=60, message=f"{label} must be a whole number from 0 to 60, or blank")],
            **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip() and not valuelist[0].strip().isdigit():
            self.data = None
            raise ValueError(f"{self.label.text} must be a whole number of working days, like 5, or blank")
        super().process_formdata([value.strip() for value in valuelist])


class MeetingTypeForm(FlaskForm):
    name = StringField("Name", widget=GovTextInput(), description="For example, Improving Outcomes Programme meeting",
                       validators=[InputRequired(message="Enter the name of the kind of meeting"),
                                   Length(max=120, message="The name must be 120 characters or fewer")])
    description = TextAreaField("What it is for (optional)", widget=GovTextArea(), validators=[Optional(), Length(max=2000)])
    reviews_plan = BooleanField("It reviews the school's plan: each success criterion is rated red, amber or green",
                                widget=GovCheckboxInput())
    # Descriptions name the LA's own deadline, which the view knows.
    agenda_days = OwnDaysField("Agenda: working days before the meeting")
    evidence_days = OwnDaysField("School's evidence: working days before the meeting")
    minutes_days = OwnDaysField("Minutes: working days after the meeting")
    save = SubmitField("Save", widget=GovSubmitInput())


def rhythms_form(categories, kinds, current):
    """One select per category and kind: how often the category holds that kind of meeting (or not at all)."""

    class Form(FlaskForm):
        save = SubmitField("Save meetings by category", widget=GovSubmitInput())

    choices = [("", "Not held")] + [(r.value, r.label) for r in Rhythm]
    for category in categories:
        for kind in kinds:
            rhythm = current.get((category.key, kind.id))
            setattr(Form, f"rhythm_{category.id}_{kind.id}", SelectField(
                f"{kind.name} for {category.label}", choices=choices, widget=GovSelect(),
                default=rhythm.value if rhythm else ""))
    return Form()
