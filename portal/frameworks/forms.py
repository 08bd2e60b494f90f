"""Forms the LA admin uses to maintain grading scales and self-evaluation frameworks."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from portal.forms_common import strip_whitespace
from portal.frameworks.models import GRADE_COLOURS
from portal.schools.models import PHASES

TEXT_LIMIT = 10_000
GRADE_ROWS = 6
# A sensible colour for each row of a new scale, best first.
ROW_COLOURS = ["green", "teal", "blue", "orange", "red", "grey"]
KEY_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class ChoiceField(SelectField):
    """A select whose "not one of the options" message says what to do."""

    def __init__(self, label=None, validators=None, invalid_message="Select an option from the list", **kwargs):
        super().__init__(label, validators, widget=GovSelect(), **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.invalid_message) from None

    def pre_validate(self, form):
        if self.validate_choice and self.data not in {value for value, _ in self.choices}:
            raise ValidationError(self.invalid_message)


def _lower(value):
    return value.strip().lower() if isinstance(value, str) else value


def _text(label, description=None):
    return TextAreaField(
        label,
        widget=GovTextArea(),
        description=description,
        validators=[Optional(), Length(max=TEXT_LIMIT, message=f"{label} must be {TEXT_LIMIT:,} characters or fewer")],
    )


def _scale_choices(scales):
    return [(scale.id, scale.name) for scale in scales]


# --- grading scales -----------------------------------------------------------------

class ScaleForm(FlaskForm):
    name = StringField(
        "Name of the grading scale",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[InputRequired(message="Enter the grading scale's name"),
                    Length(max=120, message="Name must be 120 characters or fewer")],
    )
    description = _text("Description", "Optional. For example, when inspections used this scale.")
    submit = SubmitField("Add grading scale", widget=GovSubmitInput())

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for number in range(1, GRADE_ROWS + 1):
            name, descriptor, _, is_concern = self.row(number)
            if not name and (descriptor or is_concern):
                self[f"grade_{number}_name"].errors.append(f"Enter a name for grade {number}, or clear the rest of its row")
                valid = False
        return valid

    def row(self, number):
        return (
            (self[f"grade_{number}_name"].data or "").strip(),
            (self[f"grade_{number}_descriptor"].data or "").strip(),
            self[f"grade_{number}_colour"].data,
            bool(self[f"grade_{number}_is_concern"].data),
        )

    def filled_rows(self):
        """The filled-in rows, best first, as ``make_scale`` takes them; blank rows are left out."""
        return [self.row(number) for number in range(1, GRADE_ROWS + 1) if self.row(number)[0]]


for _number in range(1, GRADE_ROWS + 1):
    setattr(ScaleForm, f"grade_{_number}_name", StringField(
        "Grade name",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[Optional(), Length(max=80, message=f"Grade {_number}'s name must be 80 characters or fewer")],
    ))
    setattr(ScaleForm, f"grade_{_number}_descriptor", TextAreaField(
        "What this grade means",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=TEXT_LIMIT, message=f"Grade {_number}'s description must be {TEXT_LIMIT:,} characters or fewer")],
    ))
    setattr(ScaleForm, f"grade_{_number}_colour", ChoiceField(
        "Colour",
        invalid_message=f"Select a colour for grade {_number}",
        choices=[(colour, colour.replace("-", " ").capitalize()) for colour in GRADE_COLOURS],
        default=ROW_COLOURS[_number - 1],
    ))
    setattr(ScaleForm, f"grade_{_number}_is_concern", BooleanField(
        "A concern: schools graded this in an area may need it as a priority",
        widget=GovCheckboxInput(),
    ))


# --- frameworks ---------------------------------------------------------------------

class FrameworkForm(FlaskForm):
    name = StringField(
        "Name of the framework",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[InputRequired(message="Enter the framework's name"),
                    Length(max=160, message="Name must be 160 characters or fewer")],
    )
    description = _text("Description", "Optional. Schools and advisers see this with the framework.")
    scale_id = ChoiceField("Grading scale", coerce=int, invalid_message="Select a grading scale")
    has_safeguarding = BooleanField(
        "Includes a safeguarding judgement (met / not met)", widget=GovCheckboxInput(), default=True
    )
    submit = SubmitField("Add framework", widget=GovSubmitInput())

    def validate_scale_id(self, field):
        if not field.data:
            raise ValidationError("Select a grading scale")


def framework_form(scales):
    form = FrameworkForm()
    form.scale_id.choices = [(0, "Select a grading scale")] + _scale_choices(scales)
    return form


class ChangeScaleForm(FlaskForm):
    scale_id = ChoiceField("Grading scale", coerce=int, invalid_message="Select a grading scale")
    change_scale = SubmitField("Change scale", widget=GovSubmitInput())


def change_scale_form(version, scales, submitted=True):
    form = ChangeScaleForm() if submitted else ChangeScaleForm(formdata=None, data={"scale_id": version.scale_id})
    form.scale_id.choices = _scale_choices(scales)
    return form


class PublishForm(FlaskForm):
    change_note = _text(
        "What changed",
        "Schools and advisers see this with the version, for example: added an area for inclusion.",
    )
    publish = SubmitField("Publish", widget=GovSubmitInput())


def publish_form(submitted=True):
    return PublishForm() if submitted else PublishForm(formdata=None)


# --- areas --------------------------------------------------------------------------

class AreaFormBase(FlaskForm):
    key = StringField(
        "Key",
        widget=GovTextInput(),
        description="Stays the same across versions so a school's history lines up, e.g. curriculum-teaching. "
                    "Lowercase letters, digits and hyphens.",
        filters=[_lower],
        validators=[
            InputRequired(message="Enter the area's key, like curriculum-teaching"),
            Length(max=60, message="Key must be 60 characters or fewer"),
            Regexp(KEY_PATTERN, message="Key must use lowercase letters, numbers and hyphens, like curriculum-teaching"),
        ],
    )
    title = StringField(
        "Title",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[InputRequired(message="Enter the area's title"), Length(max=160, message="Title must be 160 characters or fewer")],
    )
    criteria = _text("Criteria", "What schools should look at when they grade themselves in this area.")
    phases = SelectMultipleField(
        "Phases this area applies to",
        widget=GovCheckboxesInput(),
        description="Leave every box unticked if the area applies to every phase.",
        choices=[(phase, phase) for phase in PHASES],
    )
    needs_sixth_form = BooleanField(
        "Only for schools with a sixth form", widget=GovCheckboxInput(),
        description="Where GIAS (or your school record) says whether a school has a sixth form, that decides; "
                    "otherwise the phases above do.")
    submit = SubmitField("Save area", widget=GovSubmitInput())

    grade_fields = ()  # (grade id, field name), set per version's scale

    def descriptor_fields(self):
        return [self[name] for _, name in self.grade_fields]

    def descriptors(self):
        """{grade id: text}, as ``save_area`` takes them."""
        return {grade_id: (self[name].data or "") for grade_id, name in self.grade_fields}


def area_form(version, area=None):
    """An area form with one descriptor box per grade of the version's scale, filled from ``area`` until submitted."""
    grades = list(version.scale.grades)
    form_class = type("AreaForm", (AreaFormBase,), {})
    for grade in grades:
        setattr(form_class, f"descriptor_{grade.id}", TextAreaField(
            grade.name,
            widget=GovTextArea(),
            description=f"What {grade.name.lower()} looks like in this area. The scale says: {grade.descriptor}" if grade.descriptor
            else f"What {grade.name.lower()} looks like in this area.",
            validators=[Optional(), Length(max=TEXT_LIMIT, message=f"The description of {grade.name} must be {TEXT_LIMIT:,} characters or fewer")],
        ))
    form_class.grade_fields = tuple((grade.id, f"descriptor_{grade.id}") for grade in grades)
    initial = {}
    if area is not None:
        initial = {"key": area.key, "title": area.title, "criteria": area.criteria, "phases": area.phase_list,
                   "needs_sixth_form": area.needs_sixth_form}
        initial.update({f"descriptor_{grade.id}": area.descriptor_for(grade) for grade in grades})
    return form_class(data=initial)
