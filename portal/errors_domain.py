"""Domain errors a rule raises and a view turns into a message next to a field."""


class RuleBroken(Exception):
    """A rule refused a change; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def attach_to_form(form, error: RuleBroken, default_field: str):
    """Show a rule's refusal in the form's error summary, beside the right field."""
    field = getattr(form, error.field or default_field, None) or getattr(form, default_field)
    field.errors = list(field.errors) + [error.message]
