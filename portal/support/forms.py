"""Forms for support templates and their activities, applying a template, and a school's package and activities.

Days and money are typed as people write them ("1.5", "£1,234.50") and kept as typed when something is wrong."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovCheckboxInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextArea,
                                                GovTextInput)
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.forms_common import GovDateField, require_date
from portal.support.models import OffsetUnit, Payer, Provider, Repeat, ReviewDecision
from portal.support.money import format_pence, parse_days, parse_money

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


class _Typed(StringField):
    """A text box parsed into a value; what was typed is shown again after an error."""

    widget = GovTextInput()
    parse, show, problem = None, None, ""

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.show(self.data) if self.data is not None else ""

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        try:
            self.data = type(self).parse(valuelist[0] if valuelist else "")
        except ValueError:
            self.data = None
            raise ValueError(self.problem.format(label=self.label.text)) from None


class DaysField(_Typed):
    parse = staticmethod(parse_days)
    show = staticmethod(lambda days: f"{days.normalize():f}")
    problem = "{label} must be a number of days in half days, like 0.5 or 2"


class MoneyField(_Typed):
    parse = staticmethod(parse_money)
    show = staticmethod(lambda pence: format_pence(pence).lstrip("£"))
    problem = "{label} must be an amount of money, like 1,234.50"


def _text(label, name, description=None, limit=TEXT_LIMIT, required=None):
    validators = [InputRequired(message=required)] if required else [Optional()]
    return TextAreaField(label, widget=GovTextArea(), description=description,
                         validators=validators + [Length(max=limit, message=f"{name} must be {limit:,} characters or fewer")])


def _line(label, name, description=None, limit=200, required=None):
    validators = [InputRequired(message=required)] if required else [Optional()]
    return StringField(label, widget=GovTextInput(), description=description,
                       validators=validators + [Length(max=limit, message=f"{name} must be {limit:,} characters or fewer")])


def _payer():
    return RadioField("Who pays", choices=[(p.value, p.label) for p in Payer], coerce=_enum_or_none(Payer),
                      default=Payer.SCHOOL.value, widget=GovRadioInput(), validators=[InputRequired(message="Choose who pays")])


def _provider():
    return SelectField("Provider", choices=[("", "Not named yet")] + [(p.value, p.label) for p in Provider],
                       coerce=_enum_or_none(Provider), widget=GovSelect(), validators=[Optional()])


class TemplateForm(FlaskForm):
    name = _line("Name", "The name", limit=160, required="Enter a name for the template")
    category_key = SelectField("Category it is for", choices=[("", "Any category")], widget=GovSelect(), validators=[Optional()])
    description = _text("Description (optional)", "The description")
    save = SubmitField("Save the template", widget=GovSubmitInput())


class TemplateActivityForm(FlaskForm):
    what = _text("What", "What", required="Enter what the activity is")
    purpose = _text("Purpose (optional)", "The purpose")
    offset_count = IntegerField("How long after the trigger (optional)", widget=GovTextInput(),
                                description="A number. Leave blank for an activity with no set date, like one done as required.",
                                validators=[Optional(), NumberRange(min=0, max=520, message="Enter a number from 0 to 520")])
    offset_unit = RadioField("Counted in", choices=[(u.value, u.label.capitalize()) for u in OffsetUnit],
                             coerce=_enum_or_none(OffsetUnit), default=OffsetUnit.WORKING_DAYS.value, widget=GovRadioInput(),
                             validators=[InputRequired(message="Choose working days, weeks or calendar days")])
    repeat = RadioField("Repeats", choices=[(r.value, r.label) for r in Repeat], coerce=_enum_or_none(Repeat),
                        default=Repeat.NONE.value, widget=GovRadioInput(),
                        validators=[InputRequired(message="Choose whether it repeats")])
    when_text = _line("When, in words (optional)", "When", description="What people read, for example: within 15 working days "
                      "of the final report")
    who = _line("Who", "Who", description="A role or a kind of provider, for example: lead adviser")
    days = DaysField("Days", description="In half days, for example 1.5", validators=[Optional()])
    cost = MoneyField("Cost in pounds", description="For example, 1,500.00", validators=[Optional()])
    payer = _payer()
    save = SubmitField("Save the activity", widget=GovSubmitInput())


class ApplyForm(FlaskForm):
    template_id = RadioField("Template", coerce=int, widget=GovRadioInput(), validators=[InputRequired(message="Choose a template")])
    trigger_label = _line("What was the trigger?", "The trigger", description="For example, Inspection report published",
                          required="Enter what the trigger was, like Inspection report published")
    trigger_on = GovDateField("Trigger date", description="For example, 3 11 2026", validators=[require_date("Enter the trigger date")])
    sla_agreed_on = GovDateField("Date the service-level agreement was agreed (optional)", description="For example, 20 11 2026",
                                 invalid_message="Date the service-level agreement was agreed must be a real date")
    save = SubmitField("Apply the template", widget=GovSubmitInput())


class PackageForm(FlaskForm):
    trigger_label = _line("What was the trigger?", "The trigger", required="Enter what the trigger was, like Inspection report published")
    trigger_on = GovDateField("Trigger date", description="Changing it moves every activity not yet done that follows the trigger",
                              validators=[require_date("Enter the trigger date")])
    sla_agreed_on = GovDateField("Date the service-level agreement was agreed (optional)", description="For example, 20 11 2026",
                                 invalid_message="Date the service-level agreement was agreed must be a real date")
    save = SubmitField("Save changes", widget=GovSubmitInput())


class ActivityForm(FlaskForm):
    """A bespoke activity (the adviser or LA admin), or the LA admin's changes to any activity."""

    what = _text("What", "What", required="Enter what the activity is")
    purpose = _text("Purpose (optional)", "The purpose")
    due_on = GovDateField("Due date (optional)", description="For example, 15 1 2027", invalid_message="Due date must be a real date")
    who = _line("Who (optional)", "Who")
    provider = _provider()
    provider_name = _line("Provider's name (optional)", "The provider's name", description="For example, the support school's name")
    days_allocated = DaysField("Days allocated", description="In half days, for example 1.5", validators=[Optional()])
    cost_committed = MoneyField("Cost committed in pounds", description="For example, 1,500.00", validators=[Optional()])
    payer = _payer()
    save = SubmitField("Save the activity", widget=GovSubmitInput())


class UseForm(FlaskForm):
    days_used = DaysField("Days used", description="In half days, for example 1.5", validators=[Optional()])
    cost_spent = MoneyField("Cost spent in pounds", description="For example, 750.00", validators=[Optional()])
    done_on = GovDateField("Date done (optional)", description="Leave blank while the activity is still to do",
                           invalid_message="Date done must be a real date")
    confirm_over = BooleanField("I confirm more days were used than were allocated", widget=GovCheckboxInput())
    save = SubmitField("Save", widget=GovSubmitInput())


class ReviewForm(FlaskForm):
    """The termly impact review of a package."""

    impact = TextAreaField("What impact has the support had?", widget=GovTextArea(),
                           description="What has changed for pupils and leaders since the last review, and the evidence.",
                           validators=[Optional(), Length(max=TEXT_LIMIT, message=f"Impact must be {TEXT_LIMIT:,} characters or fewer")])
    decision = RadioField("Decision", widget=GovRadioInput(), validators=[Optional()], coerce=_enum_or_none(ReviewDecision),
                          choices=[(d.value, d.label) for d in ReviewDecision])
    reason = TextAreaField("Why", widget=GovTextArea(),
                           validators=[Optional(), Length(max=TEXT_LIMIT, message=f"Why must be {TEXT_LIMIT:,} characters or fewer")])
    submit = SubmitField("Record the review", widget=GovSubmitInput())
