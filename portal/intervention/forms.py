"""Forms for recording and changing an intervention step, its response and outcome, and its documents."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import MultipleFileField, RadioField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.forms_common import GovDateField, require_date
from portal.intervention.models import StepKind, StepStatus

TEXT_LIMIT = 10_000


def _enum_or_none(kind):
    def coerce(value):
        if isinstance(value, kind) or value is None:
            return value
        try:
            return kind(value)
        except ValueError:
            return None

    return coerce


def _text(label, description, name):
    return TextAreaField(label, widget=GovTextArea(), description=description,
                         validators=[Optional(), Length(max=TEXT_LIMIT, message=f"{name} must be {TEXT_LIMIT:,} characters or fewer")])


class StepForm(FlaskForm):
    kind = RadioField("Kind of step", choices=[(kind.value, kind.label) for kind in StepKind], coerce=_enum_or_none(StepKind),
                      widget=GovRadioInput(), validators=[InputRequired(message="Choose the kind of step")])
    description = _text("Description", "Required for another kind of step. For the others, any details for the record: "
                        "for example, what the warning notice requires of the governing body.", "The description")
    issued_on = GovDateField("Date issued", description="For example, 3 11 2026",
                             validators=[require_date("Enter the date the step was issued")])
    compliance_due_on = GovDateField("Compliance deadline (optional)", description="For example, 18 11 2026",
                                     invalid_message="Compliance deadline must be a real date")
    save = SubmitField("Save changes", widget=GovSubmitInput())


class NewStepForm(StepForm):
    files = MultipleFileField("Documents (optional)", widget=GovFileInput(multiple=True))
    save = SubmitField("Record the step", widget=GovSubmitInput())


class ResponseForm(FlaskForm):
    response_received_on = GovDateField("Date the school's response was received (optional)", description="For example, 17 11 2026",
                                        invalid_message="Date the response was received must be a real date")
    outcome = _text("Outcome", "What happened: required unless the step is still open.", "The outcome")
    status = RadioField("Where does the step stand now?", coerce=_enum_or_none(StepStatus), widget=GovRadioInput(),
                        choices=[(StepStatus.OPEN.value, "Open: waiting for the school"),
                                 (StepStatus.COMPLIED.value, "Complied with"),
                                 (StepStatus.ESCALATED.value, "Escalated: the LA is taking it further"),
                                 (StepStatus.WITHDRAWN.value, "Withdrawn by the LA"),
                                 (StepStatus.CLOSED.value, "Closed")],
                        validators=[InputRequired(message="Choose where the step stands now")])
    save = SubmitField("Save the response and outcome", widget=GovSubmitInput())


class DocumentsForm(FlaskForm):
    files = MultipleFileField("Add documents", widget=GovFileInput(multiple=True))
    upload = SubmitField("Upload documents", widget=GovSubmitInput())
