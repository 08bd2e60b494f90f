"""Domain errors a rule raises and a view turns into a message next to a field."""

from contextlib import contextmanager


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


class RuleOutcome:
    ok = False
    problem = None


@contextmanager
def rule_for(form, default_field: str):
    """Run a rule on a form's behalf: a refusal rolls back and is shown beside its field (what was typed stays);
    otherwise the change is committed. ``outcome.ok`` says which, for the redirect that follows a success."""
    from portal.extensions import db

    outcome = RuleOutcome()
    try:
        yield outcome
    except RuleBroken as problem:
        db.session.rollback()
        attach_to_form(form, problem, default_field)
        outcome.problem = problem
    else:
        db.session.commit()
        outcome.ok = True
