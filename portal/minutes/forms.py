"""Forms for writing, confirming and recording minutes. Built per meeting: one box per plan priority."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovFileInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import BooleanField, FileField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.forms_common import GovDateField, require_date

ACTION_ROWS_SPARE = 3


def _text(label, description="", rows_limit=20000):
    return TextAreaField(label, widget=GovTextArea(), description=description, validators=[Optional(), Length(max=rows_limit)])


def minutes_form(priorities, people, action_count):
    """``priorities``: titles in plan order; ``people``: [(user id, name)] who can own an action."""

    class MinutesForm(FlaskForm):
        attendance = _text("Present", "Names and roles, one per line")
        apologies = _text("Apologies")
        decisions = _text("Decisions")
        summary = _text("Summary", "Required if you attach the minutes as a document instead of writing them here")
        document = FileField("Minutes document (optional)", widget=GovFileInput(),
                             description="PDF, Word or OpenDocument. It replaces any document attached before.")
        save = SubmitField("Save draft", widget=GovSubmitInput())
        # Saves what is in the form, then shows it for a last check before it goes (circulating cannot be undone).
        circulate = SubmitField("Circulate to members", widget=GovSubmitInput())

    for index, title in enumerate(priorities, start=1):
        setattr(MinutesForm, f"discussion_{index}", _text(f"Discussion: {title}"))
    for index in range(1, action_count + 1):
        setattr(MinutesForm, f"action_{index}", StringField(f"Action {index}", widget=GovTextInput(),
                                                            validators=[Optional(), Length(max=2000)]))
        setattr(MinutesForm, f"owner_{index}", SelectField(f"Who will do action {index}", coerce=int, widget=GovSelect(),
                                                           choices=[(0, "Someone else (name below)")] + people, default=0))
        setattr(MinutesForm, f"owner_name_{index}", StringField(f"Name, if not listed (action {index})", widget=GovTextInput(),
                                                                validators=[Optional(), Length(max=200)]))
        setattr(MinutesForm, f"due_{index}", GovDateField(f"Due date for action {index}"))
    return MinutesForm


class ConfirmForm(FlaskForm):
    accurate = BooleanField("These minutes are an accurate record of the meeting", widget=GovCheckboxInput(),
                            validators=[InputRequired(message="Tick the box to confirm the minutes are an accurate record")])
    confirm = SubmitField("Confirm minutes", widget=GovSubmitInput())


class ChangesForm(FlaskForm):
    comment = TextAreaField("What needs to change?", widget=GovTextArea(),
                            validators=[InputRequired(message="Say what needs to change"), Length(max=5000)])
    send = SubmitField("Ask for changes", widget=GovSubmitInput())


class NominateForm(FlaskForm):
    user_id = SelectField("Governor to confirm these minutes", coerce=int, widget=GovSelect())
    nominate = SubmitField("Nominate", widget=GovSubmitInput())


class GoverningBodyForm(FlaskForm):
    received_on = GovDateField("Date of the full governing body meeting",
                               validators=[require_date("Enter the date of the full governing body meeting")])
    save = SubmitField("Record date", widget=GovSubmitInput())
