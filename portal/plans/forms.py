"""Forms for a school's improvement plan: the plan itself, its priorities, actions and success criteria."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, StopValidation

from portal.forms_common import GovDateField, strip_whitespace
from portal.plans.models import PlanKind

TEXT_LIMIT = 10_000


def _text(label, description="", name=None, limit=TEXT_LIMIT):
    name = name or label
    return TextAreaField(label, widget=GovTextArea(), description=description,
                         validators=[Optional(), Length(max=limit, message=f"{name} must be {limit:,} characters or fewer")])


def _int_or_none(value):
    """A select's value as an id; anything else is None, so the rule can say what is wrong."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class PlanDetailsForm(FlaskForm):
    kind = RadioField(
        "Type of plan",
        choices=[(kind.value, kind.label) for kind in PlanKind],
        coerce=PlanKind,
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose the type of plan")],
    )
    title = StringField(
        "Title",
        widget=GovTextInput(),
        description="For example, Raising Achievement Plan 2026 to 2027",
        filters=[strip_whitespace],
        validators=[InputRequired(message="Enter the plan's title"), Length(max=200, message="Title must be 200 characters or fewer")],
    )
    save = SubmitField("Save plan details", widget=GovSubmitInput())


class StartPlanForm(PlanDetailsForm):
    academic_year_id = SelectField("Academic year", coerce=_int_or_none, widget=GovSelect(), validate_choice=False)
    save = SubmitField("Start plan", widget=GovSubmitInput())


def start_plan_form(years, current_year, submitted=True):
    """The "Start a plan" form; ``years`` are the academic years the LA has entered term dates for."""
    if submitted:
        form = StartPlanForm()
    else:
        default = current_year or (years[0] if years else None)
        form = StartPlanForm(formdata=None, kind=PlanKind.RAP, academic_year_id=default.id if default else None)
    form.academic_year_id.choices = [(year.id, year.label) for year in years]
    return form


class PriorityForm(FlaskForm):
    title = StringField(
        "Priority",
        widget=GovTextInput(),
        description="For example, Improve reading in key stage 2",
        validators=[InputRequired(message="Enter the priority"), Length(max=300, message="Priority must be 300 characters or fewer")],
    )
    description = _text("Description (optional)", "Why this is a priority and what you want to change.", name="Description")
    save = SubmitField("Save priority", widget=GovSubmitInput())


class ActionForm(FlaskForm):
    description = TextAreaField(
        "Action",
        widget=GovTextArea(),
        description="What will be done, for example: Train all key stage 2 staff in guided reading",
        validators=[InputRequired(message="Describe the action"),
                    Length(max=TEXT_LIMIT, message=f"Action must be {TEXT_LIMIT:,} characters or fewer")],
    )
    owner = StringField("Who is responsible (optional)", widget=GovTextInput(), description="For example, English lead",
                        validators=[Optional(), Length(max=200, message="Who is responsible must be 200 characters or fewer")])
    # Both dates are optional: the templates add "(optional)" to the legend, not to the messages.
    starts_on = GovDateField("Start date", description="For example, 2 11 2026")
    due_on = GovDateField("Due date", description="For example, 18 12 2026")
    cost = StringField("Cost or resources (optional)", widget=GovTextInput(), description="For example, £1,200 for supply cover",
                       validators=[Optional(), Length(max=200, message="Cost or resources must be 200 characters or fewer")])
    save = SubmitField("Save action", widget=GovSubmitInput())


class CriterionForm(FlaskForm):
    description = TextAreaField(
        "Success criterion",
        widget=GovTextArea(),
        description="How will you know it has worked? Make it measurable, for example: "
                    "85% of year 6 reach the expected standard in reading",
        validators=[InputRequired(message="Describe how you will know this has succeeded"),
                    Length(max=TEXT_LIMIT, message=f"Success criterion must be {TEXT_LIMIT:,} characters or fewer")],
    )
    save = SubmitField("Save success criterion", widget=GovSubmitInput())


def milestone_field_name(half_term):
    return f"milestone_{half_term.number}"


def criterion_form(half_terms, criterion=None):
    """A success criterion with one milestone box per half term of the plan's year.

    Built per request, because the half terms come from the plan's academic year. What was
    posted wins over what is saved. Returns (form, [(half term, its field)]).
    """

    class Form(CriterionForm):
        pass

    for half_term in half_terms:
        setattr(Form, milestone_field_name(half_term), _text(f"Milestone by the end of {half_term.name}"))
    data = {}
    if criterion is not None:
        data["description"] = criterion.description
        data.update({milestone_field_name(h): criterion.milestone_for(h) for h in half_terms})
    form = Form(data=data)
    return form, [(half_term, form[milestone_field_name(half_term)]) for half_term in half_terms]


class FromSelfEvaluationForm(FlaskForm):
    """Which of the self-evaluation's weakest areas to start priorities from; choices are set per request."""

    judgement_ids = SelectMultipleField("Areas to start priorities from", coerce=int, widget=GovCheckboxesInput(),
                                        validate_choice=False)
    save = SubmitField("Add priorities", widget=GovSubmitInput())

    def validate_judgement_ids(self, field):
        chosen = {value for value in (field.data or []) if value in {choice for choice, _ in field.choices or []}}
        if not chosen:
            raise StopValidation("Choose at least one area")


def from_self_evaluation_form(judgements, formdata=None):
    """Every area ticked until the person says otherwise.

    ``formdata`` is what was posted: passed even when empty, so unticking every box is not read as "all ticked".
    """
    form = FromSelfEvaluationForm(formdata=formdata, data={"judgement_ids": [j.id for j in judgements]})
    form.judgement_ids.choices = [(j.id, j.area.title) for j in judgements]
    return form
