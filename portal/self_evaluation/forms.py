"""Forms for writing and validating a self-evaluation. Grade choices come from the version's scale."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

TEXT_LIMIT = 10_000


def _text(label, description=""):
    return TextAreaField(label, widget=GovTextArea(), description=description,
                         validators=[Optional(), Length(max=TEXT_LIMIT, message=f"{label} must be {TEXT_LIMIT:,} characters or fewer")])


class StartForm(FlaskForm):
    title = StringField(
        "Name this self-evaluation",
        widget=GovTextInput(),
        description="For example, Autumn 2026. You can update it each term by starting a new one once this is validated.",
        validators=[InputRequired(message="Enter a name for this self-evaluation, like Autumn 2026"), Length(max=120)],
    )
    start = SubmitField("Start self-evaluation", widget=GovSubmitInput())


class JudgementForm(FlaskForm):
    """One area. Drafts may be incomplete: completeness is checked on submission."""

    grade_id = RadioField("Grade", coerce=int, widget=GovRadioInput(), validators=[Optional()], validate_choice=True)
    strengths = _text("Strengths")
    areas_for_development = _text("Areas for development")
    evidence = _text("Evidence relied on", "For example, lesson visits, work scrutiny, pupil and parent surveys, data.")
    revision = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    save = SubmitField("Save", widget=GovSubmitInput())


def judgement_form(judgement, scale, submitted=False):
    """The form for one area: from the request when ``submitted``, otherwise from what is saved."""
    form = JudgementForm(prefix=f"judgement-{judgement.id}", obj=judgement, **({} if submitted else {"formdata": None}))
    form.grade_id.choices = [(grade.id, grade.name) for grade in scale.grades]
    if form.revision.data is None:
        form.revision.data = judgement.revision
    return form


class SafeguardingForm(FlaskForm):
    met = RadioField(
        "Is safeguarding met?",
        choices=[("met", "Met"), ("not-met", "Not met")],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Say whether safeguarding is met")],
    )
    note = _text("Notes on safeguarding", "What you checked and when, for example the single central record.")
    save = SubmitField("Save safeguarding", widget=GovSubmitInput())


class SubmitForm(FlaskForm):
    submit = SubmitField("Submit to your adviser", widget=GovSubmitInput())


class AdviserJudgementForm(FlaskForm):
    agrees = RadioField(
        "Do you agree with the school's grade?",
        choices=[("yes", "Agree"), ("no", "Disagree: record a different grade")],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Say whether you agree with the school's grade")],
    )
    grade_id = SelectField("Your grade", coerce=int, widget=GovSelect(), validate_choice=False)
    reason = _text("Reason", "Required when you disagree, for example: over-optimistic, because…")
    save = SubmitField("Save", widget=GovSubmitInput())


def adviser_form(judgement, scale, submitted=True):
    form = AdviserJudgementForm(prefix=f"adviser-{judgement.id}", **({} if submitted else {"formdata": None}))
    form.grade_id.choices = [(0, "Choose a grade")] + [(grade.id, grade.name) for grade in scale.grades]
    if not submitted:
        if judgement.adviser_agrees is not None:
            form.agrees.data = "yes" if judgement.adviser_agrees else "no"
        form.grade_id.data = judgement.adviser_grade_id or 0
        form.reason.data = judgement.adviser_reason
    return form


class DecisionForm(FlaskForm):
    summary = _text("Overall summary for the school", "Shown to the school and its governors beside their judgements.")
    safeguarding_agrees = RadioField(
        "Do you agree with the school's safeguarding judgement?",
        choices=[("yes", "Agree"), ("no", "Disagree")],
        widget=GovRadioInput(),
        validators=[Optional()],
    )
    comments = _text("What the school needs to change", "Only if you return it to the school.")
    action = HiddenField()
    validate_evaluation = SubmitField("Mark as validated", widget=GovSubmitInput())
    return_evaluation = SubmitField("Return to the school", widget=GovSubmitInput())
