"""Forms for the LA's exit criteria, a criterion's answer on a checklist, the recommendation and the decision."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovRadioInput, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import IntegerField, RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.exit.models import Answer
from portal.exit.rules import DEFAULT_LIGHT_TOUCH_TERMS, MOST_LIGHT_TOUCH_TERMS, TITLE_LIMIT

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


def _text(label, description, name, required=None):
    validators = [InputRequired(message=required)] if required else [Optional()]
    return TextAreaField(label, widget=GovTextArea(), description=description,
                         validators=validators + [Length(max=TEXT_LIMIT, message=f"{name} must be {TEXT_LIMIT:,} characters or fewer")])


class CriterionForm(FlaskForm):
    title = StringField("Criterion", widget=GovTextInput(), description="A short statement a school meets before it exits intervention.",
                        validators=[InputRequired(message="Enter the criterion"),
                                    Length(max=TITLE_LIMIT, message=f"The criterion must be {TITLE_LIMIT} characters or fewer")])
    meaning = _text("What it means", "What the adviser looks for: the evidence that shows the criterion is met.",
                    "What it means")
    save = SubmitField("Save the criterion", widget=GovSubmitInput())


class EmptyForm(FlaskForm):
    """Buttons that only post (start a checklist, add the ready-made criteria, retire or restore one)."""


class AnswerForm(FlaskForm):
    answer = RadioField("Is the criterion met?", coerce=_enum_or_none(Answer), widget=GovRadioInput(),
                        choices=[(Answer.MET.value, "Met"), (Answer.NOT_YET.value, "Not yet")],
                        validators=[InputRequired(message="Choose met or not yet")])
    note = _text("Note", "What the evidence shows, or what is still needed.", "The note")
    evidence = SelectMultipleField("Evidence held in the portal", widget=GovCheckboxesInput(), choices=[],
                                   description="Choose the school's records that show it. Select all that apply.",
                                   validate_choice=False)
    save = SubmitField("Save the answer", widget=GovSubmitInput())


class RecommendForm(FlaskForm):
    category_id = RadioField("Recommended category", coerce=str, widget=GovRadioInput(), choices=[],
                             validators=[InputRequired(message="Choose the category the school moves to")])
    reason = _text("Why the school is ready to exit", "The LA admin reads this when deciding.", "The reason",
                   required="Say why the school is ready to exit")
    save = SubmitField("Recommend exit", widget=GovSubmitInput())


class DecisionForm(FlaskForm):
    outcome = RadioField("Your decision", widget=GovRadioInput(),
                         choices=[("approve", "Approve exit: move the school to the recommended category"),
                                  ("decline", "Decline: the adviser works on the checklist again")],
                         validators=[InputRequired(message="Choose approve or decline")])
    reason = _text("Reasons", "Shown to the adviser, and with approval in the category history.", "The reasons",
                   required="Give the reasons for your decision")
    terms = IntegerField("Light-touch monitoring (terms)", widget=GovTextInput(), default=DEFAULT_LIGHT_TOUCH_TERMS,
                         description="With approval: how many full terms after this one the school is monitored lightly.",
                         validators=[Optional(), NumberRange(min=1, max=MOST_LIGHT_TOUCH_TERMS,
                                                             message=f"Enter a number of terms from 1 to {MOST_LIGHT_TOUCH_TERMS}")])
    save = SubmitField("Save the decision", widget=GovSubmitInput())
