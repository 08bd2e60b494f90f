"""Forms for a forgotten password and for setting a password from an emailed link."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput
from wtforms import PasswordField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length

from portal.auth.passwords import MINIMUM_LENGTH
from portal.forms_common import email_field

MAXIMUM_LENGTH = 256
TOO_SHORT = f"Enter a password with at least {MINIMUM_LENGTH} characters"


class ForgotPasswordForm(FlaskForm):
    email = email_field("Enter your email address")
    submit = SubmitField("Send the link", widget=GovSubmitInput())


class NewPasswordForm(FlaskForm):
    """Password fields never show what was typed (GovPasswordInput renders no value)."""

    password = PasswordField(
        "New password",
        description=f"Use at least {MINIMUM_LENGTH} characters. A few unrelated words together are easy to remember.",
        widget=GovPasswordInput(),
        validators=[InputRequired(message=TOO_SHORT),
                    Length(min=MINIMUM_LENGTH, message=TOO_SHORT),
                    Length(max=MAXIMUM_LENGTH, message=f"Enter a password with {MAXIMUM_LENGTH} characters or fewer")],
    )
    confirm = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter the new password again"),
                    EqualTo("password", message="The passwords do not match")],
    )
    submit = SubmitField("Save password", widget=GovSubmitInput())
