from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput
from wtforms import PasswordField, SubmitField
from wtforms.validators import InputRequired

from portal.forms_common import email_field


class SignInForm(FlaskForm):
    email = email_field("Enter your email address")
    password = PasswordField(
        "Password", widget=GovPasswordInput(), validators=[InputRequired(message="Enter your password")]
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class DiscardKeptForm(FlaskForm):
    """Only the CSRF token: the person discards what was kept from a form sent after their session ended."""

    submit = SubmitField("Discard it", widget=GovSubmitInput())
