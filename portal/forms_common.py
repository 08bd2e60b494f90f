"""Small pieces shared by every area's forms."""

from datetime import datetime

from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovTextInput
from wtforms import DateField, EmailField
from wtforms.validators import Email, InputRequired, Length, ValidationError


def strip_whitespace(value):
    """People paste addresses with a trailing space; never make them find it."""
    return value.strip() if isinstance(value, str) else value


def email_field(required_message):
    """An email address field: trimmed, at most 254 characters, in the GOV.UK wording."""
    return EmailField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            InputRequired(message=required_message),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(message="Enter an email address in the correct format, like name@example.com", check_deliverability=False),
        ],
    )


class GovDateField(DateField):
    """A day / month / year date, GOV.UK style, with messages that say what to fix.

    Always keeps three raw parts, so what was typed is shown again after an error.
    """

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, invalid_message=None, **kwargs):
        super().__init__(label, validators, format="%d %m %Y", **kwargs)
        self.invalid_message = invalid_message or f"{label} must be a real date"

    def process_formdata(self, valuelist):
        parts = [(value or "").strip() for value in valuelist][:3]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        if not any(parts):
            self.data = None
            return
        if not all(parts):
            missing = [name for name, part in zip(("day", "month", "year"), parts) if not part]
            self.data = None
            raise ValueError(f"{self.label.text} must include a {' and '.join(missing)}")
        if len(parts[2]) != 4:
            self.data = None
            raise ValueError(f"{self.label.text}: the year must have 4 digits, like 2026")
        try:
            self.data = datetime.strptime(" ".join(parts), "%d %m %Y").date()
        except ValueError:
            self.data = None
            raise ValueError(self.invalid_message) from None


def require_date(message):
    """InputRequired for a GovDateField: all three parts blank means nothing was entered."""

    def check(form, field):
        if not any(field.raw_data or []):
            field.errors[:] = []
            raise ValidationError(message)

    check.field_flags = {"required": True}
    return check
