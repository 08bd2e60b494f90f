"""Forms for two-factor sign-in: each asks for one code, from the app or (when signing in) a recovery code."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length

from portal.forms_common import strip_whitespace


def _code_field(label, description, required_message="Enter the 6-digit code from your authenticator app"):
    return StringField(label, widget=GovTextInput(), description=description, filters=[strip_whitespace],
                       validators=[InputRequired(message=required_message),
                                   Length(max=32, message="Enter the code as your app or your list shows it")])


class SignInCodeForm(FlaskForm):
    code = _code_field("Code", "The 6-digit code your authenticator app shows now, or one of your recovery codes "
                               "(like abcde-23456)")
    submit = SubmitField("Continue", widget=GovSubmitInput())


class SetUpForm(FlaskForm):
    code = _code_field("Enter the 6-digit code from your app", "It changes every 30 seconds: enter the one showing now")
    submit = SubmitField("Turn on two-factor authentication", widget=GovSubmitInput())


class TurnOffForm(FlaskForm):
    code = _code_field("Code", "The 6-digit code your authenticator app shows now")
    submit = SubmitField("Turn off two-factor authentication", widget=GovSubmitInput())


class NewRecoveryCodesForm(FlaskForm):
    code = _code_field("Code", "The 6-digit code your authenticator app shows now")
    submit = SubmitField("Make new recovery codes", widget=GovSubmitInput())
