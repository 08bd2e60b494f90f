"""Forms for the category scheme, rounds, proposals, moderation, changes between rounds and data imports."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, FloatField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.categories.models import IndicatorSource, Rating
from portal.forms_common import GovDateField, require_date, strip_whitespace
from portal.frameworks.forms import ChoiceField
from portal.frameworks.models import GRADE_COLOURS

TEXT_LIMIT = 10_000


def _text(label, description=None, required=None):
    validators = [InputRequired(message=required)] if required else [Optional()]
    return TextAreaField(label, widget=GovTextArea(), description=description, filters=[strip_whitespace],
                         validators=validators + [Length(max=TEXT_LIMIT, message=f"{label} must be {TEXT_LIMIT:,} characters or fewer")])


def _line(label, limit, required=None, description=None):
    validators = [InputRequired(message=required)] if required else [Optional()]
    return StringField(label, widget=GovTextInput(), description=description, filters=[strip_whitespace],
                       validators=validators + [Length(max=limit, message=f"{label} must be {limit} characters or fewer")])


class _NumberField(FloatField):
    """A number with a message that says what to type; keeps what was typed on an error."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip():
            try:
                self.data = float(valuelist[0].strip().rstrip("%").replace(",", ""))
            except ValueError:
                self.data = None
                raise ValueError(f"{self.label.text} must be a number, like 95 or 12.5") from None
        else:
            self.data = None


# --- the scheme ------------------------------------------------------------------------------------

class SchemeForm(FlaskForm):
    name = _line("Name of the scheme", 160, "Enter the scheme's name")
    description = _text("Description", "Optional. Whose policy it follows, what the categories mean overall.")
    submit = SubmitField("Add scheme", widget=GovSubmitInput())


class CopyForm(FlaskForm):
    name = _line("Name of your copy", 160, "Enter a name for your copy",
                 "Your copy is a draft you can change before you publish and use it.")
    submit = SubmitField("Copy scheme", widget=GovSubmitInput())


class CategoryForm(FlaskForm):
    code = _line("Code", 12, "Enter the category's code", "Short, as people say it: for example 1, R or T.")
    name = _line("Name", 120, "Enter the category's name")
    description = _text("What it means", "Shown to schools with their category.")
    colour = ChoiceField("Colour", choices=[(c, c.replace("-", " ").capitalize()) for c in GRADE_COLOURS],
                         description="Always shown with the name, never on its own.", default="grey")
    support_level = _line("Level of support", 120, None, "For example: light touch, universal, targeted, intensive.")
    plan_required = BooleanField("Schools in this category need a Raising Achievement Plan", widget=GovCheckboxInput())
    review_meetings = _line("Review meetings", 200, None, "The kind and rhythm, for example: RAP review, half-termly.")
    support_package = _text("Support package offered")
    requires_intervention = BooleanField(
        "Moving into this category needs intervention: send the letter to the headteacher and chair of governors",
        widget=GovCheckboxInput())
    submit = SubmitField("Save category", widget=GovSubmitInput())


SOURCE_CHOICES = [(s.value, s.label) for s in IndicatorSource]


class IndicatorForm(FlaskForm):
    name = _line("Name", 160, "Enter the indicator's name")
    guidance_red = _text("When it is red")
    guidance_amber = _text("When it is amber")
    guidance_green = _text("When it is green")
    source = RadioField("Where the rating comes from", choices=SOURCE_CHOICES, widget=GovRadioInput(),
                        default=IndicatorSource.ADVISER.value,
                        validators=[InputRequired(message="Choose where the rating comes from")])
    higher_is_better = RadioField("For imported figures: which way is better?", widget=GovRadioInput(), default="higher",
                                  choices=[("higher", "Higher is better (attendance, outcomes)"),
                                           ("lower", "Lower is better (suspensions, complaints, deficit)")])
    green_from = _NumberField("Green at", widget=GovTextInput(), validators=[Optional()],
                              description="For imported figures: green at this figure or better.")
    red_from = _NumberField("Red beyond", widget=GovTextInput(), validators=[Optional()],
                            description="For imported figures: red when worse than this figure. Amber between.")
    submit = SubmitField("Save indicator", widget=GovSubmitInput())


class LetterForm(FlaskForm):
    letter_subject = _line("Subject", 200, "Enter the letter's subject")
    letter_body = _text("Letter", required="Enter the letter")
    submit = SubmitField("Save letter", widget=GovSubmitInput())


class PublishForm(FlaskForm):
    change_note = _text("What changed in this version", "Optional. Shown in the version history.")
    submit = SubmitField("Publish this version", widget=GovSubmitInput())


# --- rounds -----------------------------------------------------------------------------------------

class RoundForm(FlaskForm):
    name = _line("Name of the round", 120, "Enter the round's name", "For example: Autumn 2026.")
    opens_on = GovDateField("Opens", validators=[require_date("Enter the date the round opens")])
    proposals_due_on = GovDateField("Advisers' proposals due", validators=[require_date("Enter the date proposals are due")])
    moderation_on = GovDateField("Moderation meeting", validators=[Optional()], description="Optional.")
    submit = SubmitField("Start the round", widget=GovSubmitInput())


def proposal_form(indicators, categories, formdata=None, data=None):
    """A rating and a note per indicator, then the proposed category and why."""

    class Form(FlaskForm):
        category_id = RadioField("Proposed category", widget=GovRadioInput(), validators=[Optional()],
                                 choices=[(str(c.id), c.label) for c in categories])
        reason = _text("Why this category")
        save = SubmitField("Save as draft", widget=GovSubmitInput())
        send = SubmitField("Send for moderation", widget=GovSubmitInput())

    for indicator in indicators:
        setattr(Form, f"rating_{indicator.id}", RadioField(
            indicator.name, widget=GovRadioInput(), validators=[Optional()],
            choices=[(r.value, r.label) for r in Rating]))
        setattr(Form, f"note_{indicator.id}", _text(f"Note on {indicator.name}"))
    return Form(formdata=formdata, data=data) if formdata is not None else Form(data=data)


class ModerateForm(FlaskForm):
    decision = RadioField("Decision", widget=GovRadioInput(), default="agree",
                          choices=[("agree", "Agree the proposal"), ("change", "Change the category")],
                          validators=[InputRequired(message="Choose agree or change")])
    category_id = ChoiceField("Category", choices=[], invalid_message="Choose one of the scheme's categories",
                              validate_choice=False)
    reason = _text("Why it is different", "The adviser sees this.")
    submit = SubmitField("Save decision", widget=GovSubmitInput())


class ReopenForm(FlaskForm):
    submit = SubmitField("Undo decision", widget=GovSubmitInput())


class PublishRoundForm(FlaskForm):
    confirm = BooleanField("I have checked the decisions: publish them to the schools", widget=GovCheckboxInput(),
                           validators=[InputRequired(message="Tick to confirm you have checked the decisions")])
    submit = SubmitField("Publish the round", widget=GovSubmitInput())


class ChangeCategoryForm(FlaskForm):
    category_id = RadioField("New category", widget=GovRadioInput(), choices=[],
                             validators=[InputRequired(message="Choose the new category")])
    reason = _text("Why it changes now", "For example: a new inspection, or a change of headteacher.",
                   required="Say why the category changes between rounds")
    effective_on = GovDateField("From", validators=[require_date("Enter the date the change takes effect")])
    submit = SubmitField("Change the category", widget=GovSubmitInput())


# --- imported figures -------------------------------------------------------------------------------

class ImportUploadForm(FlaskForm):
    spreadsheet = FileField("Spreadsheet of figures", widget=GovFileInput(),
                            description="CSV (saved as CSV UTF-8) or Excel .xlsx, one row per school with its URN.")
    submit = SubmitField("Upload and choose columns", widget=GovSubmitInput())


def mapping_form(headers, indicators, formdata=None, data=None):
    """The URN column and, for each column of the file, the indicator it feeds (or none)."""
    indicator_choices = [("", "Do not import")] + [(i.key, i.name) for i in indicators]

    class Form(FlaskForm):
        urn_column = ChoiceField("Column with the school's URN", choices=[("", "Choose a column")] + [(h, h) for h in headers],
                                 invalid_message="Choose the column that holds each school's URN")
        leave_out_unmatched = BooleanField("Import the rows that match a school and leave out the rest",
                                           widget=GovCheckboxInput())
        preview = SubmitField("Preview the changes", widget=GovSubmitInput())
        confirm = SubmitField("Import these figures", widget=GovSubmitInput())

    Form.column_names = list(headers)
    for number, header in enumerate(headers):
        setattr(Form, f"column_{number}", ChoiceField(header, choices=indicator_choices, validate_choice=True, default="",
                                                      invalid_message=f"Choose an indicator for {header}, or do not import it"))
    return Form(formdata=formdata, data=data) if formdata is not None else Form(data=data)
