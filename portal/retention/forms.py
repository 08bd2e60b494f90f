from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange


def _years(label, hint, missing):
    return IntegerField(label, widget=GovTextInput(), description=hint,
                        validators=[InputRequired(message=missing),
                                    NumberRange(min=1, max=50, message="Enter a whole number of years from 1 to 50")])


class RetentionSettingsForm(FlaskForm):
    evidence_file_years = _years(
        "Keep evidence files, visit attachments and intervention documents for",
        "Years from the day the file was uploaded. The record stays: only the file goes.",
        "Enter how many years files are kept after upload")
    closed_school_years = _years(
        "Keep every file of a school that has closed for",
        "Years from the day it closed (from GIAS), meeting agendas and minutes documents included.",
        "Enter how many years a closed school's files are kept")
    save = SubmitField("Save retention periods", widget=GovSubmitInput())
