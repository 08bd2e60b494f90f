"""Forms the LA admin fills in."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovFileInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, IntegerField, PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from portal.auth.passwords import MINIMUM_LENGTH
from portal.forms_common import GovDateField, email_field, require_date
from portal.schools.models import OFSTED_GRADES, PHASES, ROLE_LABELS


class UserForm(FlaskForm):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the person's full name"), Length(max=200, message="Full name must be 200 characters or fewer")],
    )
    email = email_field("Enter the person's email address")
    is_la_admin = BooleanField(
        "LA admin: manages schools, users, term dates and sees every school", widget=GovCheckboxInput()
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        description=f"At least {MINIMUM_LENGTH} characters. Leave blank to email the person a link to set their own "
                    "(for a new user) or to keep the current password. Never send a password by email.",
        validators=[Optional(), Length(min=MINIMUM_LENGTH, max=200, message=f"Password must be at least {MINIMUM_LENGTH} characters")],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class RoleForm(FlaskForm):
    school_id = SelectField(
        "School", coerce=int, widget=GovSelect(), validators=[InputRequired(message="Select a school")], validate_choice=True
    )
    role = SelectField(
        "Role",
        widget=GovSelect(),
        choices=[("", "Select a role")] + [(role.value, label) for role, label in ROLE_LABELS.items()],
        validators=[InputRequired(message="Select a role")],
    )
    add_role = SubmitField("Add role", widget=GovSubmitInput())

    def validate_school_id(self, field):
        if not field.data:
            raise ValidationError("Select a school")


class AgeField(IntegerField):
    """An age in whole years, with a message a person can act on when it is not a number."""

    def __init__(self, label, description, validators=None, **kwargs):
        super().__init__(label, description=description, widget=GovTextInput(), validators=[
            Optional(), NumberRange(min=0, max=25, message=f"{label} must be between 0 and 25")], **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip() and not valuelist[0].strip().isdigit():
            self.data = None
            raise ValueError(f"{self.label.text} must be a whole number of years, like 7")
        super().process_formdata([value.strip() for value in valuelist])


class SchoolForm(FlaskForm):
    urn = IntegerField(
        "Unique reference number (URN)",
        widget=GovTextInput(),
        description="The 6-digit number from Get Information about Schools.",
        validators=[
            InputRequired(message="Enter the school's URN"),
            NumberRange(min=100000, max=999999, message="URN must be a 6-digit number, like 109215"),
        ],
    )
    name = StringField(
        "School name",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the school's name"), Length(max=200, message="School name must be 200 characters or fewer")],
    )
    phase = SelectField(
        "Phase",
        widget=GovSelect(),
        choices=[("", "Select a phase")] + [(p, p) for p in PHASES],
        validators=[InputRequired(message="Select the school's phase")],
    )
    establishment_type = StringField(
        "Type of establishment",
        widget=GovTextInput(),
        description="For example, Academy converter or Community school.",
        validators=[Optional(), Length(max=120, message="Type must be 120 characters or fewer")],
    )
    ofsted_grade = SelectField(
        "Last Ofsted overall grade",
        widget=GovSelect(),
        description="Inspections since November 2025 give no overall grade.",
        choices=[("", "No overall grade")] + [(g, g) for g in OFSTED_GRADES],
        default="",
    )
    ofsted_inspected_on = GovDateField(
        "Date of last Ofsted inspection",
        description="For example, 27 3 2025",
    )
    sixth_form = RadioField(
        "Does the school have a sixth form?", widget=GovRadioInput(), default="unknown",
        choices=[("yes", "Yes"), ("no", "No"), ("unknown", "Not known: go by the phase")],
        description="GIAS says this for each school. It decides whether self-evaluation asks about a sixth form.")
    statutory_low_age = AgeField(
        "Youngest pupils' age",
        "The start of the statutory age range in GIAS, for example 4 for a primary school or 7 for a junior school. "
        "Self-evaluation asks about early years only if it is under 5. Leave blank if not known.")
    statutory_high_age = AgeField(
        "Oldest pupils' age",
        "The end of the statutory age range in GIAS, for example 11, 16 or 18. At 16 or under there is no sixth form, "
        "unless you said above that there is one. Leave blank if not known.")
    adviser_id = SelectField("Adviser", coerce=int, widget=GovSelect(), default=0, validate_choice=True)
    submit = SubmitField("Save school", widget=GovSubmitInput())

    def validate_statutory_high_age(self, field):
        low = self.statutory_low_age.data
        if field.data is not None and low is not None and field.data < low:
            raise ValidationError("Oldest pupils' age must be the same as or more than the youngest pupils' age")


class GiasImportForm(FlaskForm):
    la_code = StringField(
        "Local authority code",
        widget=GovTextInput(),
        description="The 3-digit code in the LA (code) column, for example 870 for Reading.",
        validators=[InputRequired(message="Enter the local authority code"), Regexp(r"^\d{3}$", message="Local authority code must be 3 digits, like 870")],
    )
    gias_file = FileField(
        "Establishment file from Get Information about Schools",
        widget=GovFileInput(),
        description="The CSV file as downloaded from GIAS (edubasealldata or a search extract).",
        validators=[FileRequired(message="Select a GIAS CSV file"), FileAllowed(["csv"], message="The selected file must be a CSV")],
    )
    submit = SubmitField("Import schools", widget=GovSubmitInput())


def _half_term_date(label, message):
    return GovDateField(label, validators=[require_date(message)])


class TermDatesForm(FlaskForm):
    start_year = IntegerField(
        "Academic year starting in",
        widget=GovTextInput(),
        description="For 2026 to 2027, enter 2026.",
        validators=[InputRequired(message="Enter the year the academic year starts"), NumberRange(min=2000, max=2100, message="Enter a year between 2000 and 2100")],
    )
    submit = SubmitField("Save term dates", widget=GovSubmitInput())


# Two date fields per half term: starts_1, ends_1 ... starts_6, ends_6.
for _number, _name in enumerate(["Autumn 1", "Autumn 2", "Spring 1", "Spring 2", "Summer 1", "Summer 2"], start=1):
    setattr(TermDatesForm, f"starts_{_number}", _half_term_date(f"{_name}: first day", f"Enter the first day of {_name}"))
    setattr(TermDatesForm, f"ends_{_number}", _half_term_date(f"{_name}: last day", f"Enter the last day of {_name}"))


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    school_id = SelectField("School", coerce=int, widget=GovSelect(), validators=[Optional()])
    user_id = SelectField("User", coerce=int, widget=GovSelect(), validators=[Optional()])


def _offset(label, message):
    return IntegerField(label, widget=GovTextInput(), validators=[
        InputRequired(message=message), NumberRange(min=0, max=60, message=f"{label} must be a whole number from 0 to 60")])


class DeadlineSettingsForm(FlaskForm):
    agenda_days = _offset("Agenda: working days before the meeting", "Enter how many working days before the meeting the agenda is due")
    evidence_days = _offset("School's evidence: working days before the meeting",
                            "Enter how many working days before the meeting evidence is due")
    minutes_days = _offset("Minutes: working days after the meeting", "Enter how many working days after the meeting minutes are due")
    notes_days = _offset("Notes of visit: working days after the visit",
                         "Enter how many working days after a visit its notes are due")
    notes_response_days = _offset("Accuracy check: working days the school has to answer issued notes of visit",
                                  "Enter how many working days the school has to check notes of visit")
    save_deadlines = SubmitField("Save deadlines", widget=GovSubmitInput())


class ClosureDayForm(FlaskForm):
    day = GovDateField("Date", validators=[require_date("Enter the date the schools are closed")])
    reason = StringField("Reason", widget=GovTextInput(), validators=[Optional(), Length(max=200)],
                         description="For example, LA-wide training day")
    add_closure = SubmitField("Add closure day", widget=GovSubmitInput())


class SessionSettingsForm(FlaskForm):
    idle_minutes = IntegerField(
        "Sign people out after this many minutes without using the portal", widget=GovTextInput(),
        description="From 5 to 480. Someone typing into a page stays signed in while they type (with JavaScript on).",
        validators=[InputRequired(message="Enter how many minutes without use sign a person out"),
                    NumberRange(min=5, max=480, message="Enter a whole number of minutes from 5 to 480")])
    two_factor_for_staff = BooleanField(
        "Require two-factor authentication for LA admins and advisers", widget=GovCheckboxInput(),
        description="They set up an authenticator app at their next sign-in, and cannot turn it off. Anyone else may "
                    "turn it on from their profile.")
    save = SubmitField("Save", widget=GovSubmitInput())
