"""Forms for writing and validating a self-evaluation. Grade choices come from the version's scale."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from portal.self_evaluation.rules import judgement_fingerprint, safeguarding_fingerprint

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
    """One area. Drafts may be incomplete: completeness is checked on submission.

    ``revision`` is the saved version the page showed, so a colleague's later save is never overwritten unseen;
    ``opened`` fingerprints what the page showed, so a whole-page save only saves the areas the person changed."""

    grade_id = RadioField("Grade", coerce=int, widget=GovRadioInput(), validators=[Optional()], validate_choice=True)
    strengths = _text("Strengths")
    areas_for_development = _text("Areas for development")
    evidence = _text("Evidence relied on", "For example, lesson visits, work scrutiny, pupil and parent surveys, data.")
    revision = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    opened = HiddenField()
    save = SubmitField("Save", widget=GovSubmitInput())


def judgement_form(judgement, scale, submitted=False):
    """The form for one area: from the request when ``submitted``, otherwise from what is saved."""
    # From the request, nothing falls back to what is saved: a grade not sent means none was chosen on the page.
    form = JudgementForm(prefix=f"judgement-{judgement.id}", **({} if submitted else {"formdata": None, "obj": judgement}))
    form.grade_id.choices = [(grade.id, grade.name) for grade in scale.grades]
    if not submitted:
        form.opened.data = judgement_fingerprint(judgement)
    if form.revision.data is None:
        form.revision.data = judgement.revision
    return form


def sent_with_the_page(form):
    """Whether the request carried this area at all (an area added since the page was opened was not on it)."""
    return bool(form.revision.raw_data)


def reopen_at_saved_version(form, judgement):
    """After a colleague's save: the form keeps the person's words but now stands on the saved version, so saving
    again replaces the colleague's deliberately."""
    form.revision.data, form.revision.raw_data = judgement.revision, [str(judgement.revision)]
    form.opened.data = judgement_fingerprint(judgement)


MET_CHOICES = {"met": True, "not-met": False}


class SafeguardingForm(FlaskForm):
    """Safeguarding on the draft: it may be left unanswered until submission, which asks for it."""

    met = RadioField(
        "Is safeguarding met?",
        choices=[("met", "Met"), ("not-met", "Not met")],
        widget=GovRadioInput(),
        validators=[Optional()],
    )
    note = _text("Notes on safeguarding", "What you checked and when, for example the single central record.")
    opened = HiddenField()
    save = SubmitField("Save safeguarding", widget=GovSubmitInput())

    @property
    def met_answer(self):
        return MET_CHOICES.get(self.met.data)


def safeguarding_form(evaluation, submitted=False):
    """Safeguarding from the request when ``submitted``, otherwise from what is saved."""
    if submitted:
        return SafeguardingForm()
    form = SafeguardingForm(formdata=None)
    if evaluation.safeguarding_met is not None:
        form.met.data = "met" if evaluation.safeguarding_met else "not-met"
    form.note.data = evaluation.safeguarding_note
    form.opened.data = safeguarding_fingerprint(evaluation)
    return form


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
