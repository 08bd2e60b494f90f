from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea
from wtforms import RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.forms_common import GovDateField, require_date
from portal.inspections.models import INSPECTION_TYPES, LEGACY_GRADES


class InspectionForm(FlaskForm):
    inspected_on = GovDateField("Date of the inspection", validators=[require_date("Enter the date of the inspection")],
                                description="The last day inspectors were in school, for example 14 5 2025")
    inspection_type = SelectField("Type of inspection", widget=GovSelect(),
                                  choices=[("", "Choose a type")] + [(t, t) for t in INSPECTION_TYPES],
                                  validators=[InputRequired(message="Choose the type of inspection")])
    legacy_grade = SelectField("Overall grade (inspections before 10 November 2025)", widget=GovSelect(),
                               choices=[("", "No overall grade")] + [(g, g) for g in LEGACY_GRADES], default="")
    safeguarding = RadioField("Safeguarding", widget=GovRadioInput(), validators=[Optional()],
                              choices=[("met", "Met"), ("not-met", "Not met"), ("not-stated", "Not stated")], default="not-stated")
    notes = TextAreaField("Notes", widget=GovTextArea(), validators=[Optional(), Length(max=5000)])
    save = SubmitField("Save inspection", widget=GovSubmitInput())


def inspection_form(areas, grade_names):
    """Add a select per report-card area (``areas``: [(key, title)])."""

    class Form(InspectionForm):
        pass

    for key, title in areas:
        setattr(Form, f"area_{key.replace('-', '_')}", SelectField(
            title, widget=GovSelect(), choices=[("", "Not graded")] + [(g, g) for g in grade_names], default=""))
    return Form()
