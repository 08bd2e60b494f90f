"""Small pieces shared by every area's forms."""

import re
from datetime import datetime, time

from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovTextInput
from wtforms import DateField, EmailField, StringField
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


class GovTimeField(StringField):
    """A time of day typed as people write it: 16:00, 4pm, 4.30pm, 9:15am."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("description", "For example, 16:00 or 4pm")
        super().__init__(label, validators, **kwargs)

    def _value(self):
        if isinstance(self.data, time):
            return self.data.strftime("%H:%M")
        return self.raw_data[0] if self.raw_data else (self.data or "")

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip().lower().replace(".", ":").replace(" ", "")
        self.raw_data = valuelist
        if not text:
            self.data = None
            return
        self.data = parse_time(text)
        if self.data is None:
            raise ValueError(f"Enter {self.label.text.lower()} as a time, like 16:00 or 4pm")


def parse_time(text: str):
    """'16:00', '4pm', '4:30pm', '0930' -> time, or None when it is not a time."""
    match = re.fullmatch(r"(\d{1,2})(?::?(\d{2}))?(am|pm)?", text)
    if not match:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)
