"""Forms for submitting evidence, answering a query and verifying."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovFileInput, GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import MultipleFileField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.evidence.models import Decision

FILES_HINT = ("PDF, Word, Excel, PowerPoint, OpenDocument, images, CSV or text. You can choose several files at once. "
              "Each must be smaller than {limit}.")


class EvidenceForm(FlaskForm):
    # No choice check here: a meeting held or cancelled since the page was opened gets the rule's own message.
    meeting_id = SelectField("Review meeting", coerce=int, widget=GovSelect(), validate_choice=False,
                             validators=[InputRequired(message="Choose the review meeting this evidence is for")])
    title = StringField("Title", widget=GovTextInput(), description="A few words, for example: Year 6 reading assessment, autumn",
                        validators=[InputRequired(message="Enter a short title for this evidence"), Length(max=200)])
    criterion_ids = SelectMultipleField("Which success criteria does it show progress on?", coerce=int,
                                        widget=GovCheckboxesInput(), validate_choice=False)
    narrative = TextAreaField("What does it show?", widget=GovTextArea(), validators=[Optional(), Length(max=20000)],
                              description="Explain what the evidence shows about progress towards the milestone.")
    files = MultipleFileField("Files", widget=GovFileInput(multiple=True))
    submit = SubmitField("Submit evidence", widget=GovSubmitInput())


class AnswerForm(FlaskForm):
    answer = TextAreaField("Your answer to the query", widget=GovTextArea(),
                           validators=[InputRequired(message="Answer the adviser's query"), Length(max=20000)])
    files = MultipleFileField("Add files (optional)", widget=GovFileInput(multiple=True))
    submit = SubmitField("Send answer", widget=GovSubmitInput())


class DecisionForm(FlaskForm):
    decision = RadioField("Your decision", widget=GovRadioInput(),
                          choices=[(Decision.VERIFIED.value, "Verified"),
                                   (Decision.QUERY.value, "Raise a query: ask the school a question"),
                                   (Decision.NOT_ACCEPTED.value, "Not accepted")],
                          validators=[InputRequired(message="Choose verified, raise a query or not accepted")])
    comment = TextAreaField("Comment", widget=GovTextArea(), validators=[Optional(), Length(max=10000)],
                            description="Your question for a query, or the reason it is not accepted.")
    submit = SubmitField("Save decision", widget=GovSubmitInput())
