"""Intervention rules: recording a step, changing it, the school's response and the outcome, closing, documents.

A step starts open. Recording the response and outcome moves it on: complied with, escalated, withdrawn or
closed (withdrawn and closed need no more action: ``open_steps`` leaves them out). A closed or withdrawn step's
details and documents are fixed; the LA admin can reopen it from its response and outcome.
"""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import clock
from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.intervention.models import InterventionStep, StepKind, StepStatus
from portal.schools.models import Role
from portal.schools.rules import active_people
from portal.templating import govuk_date

SETTLED = (StepStatus.CLOSED, StepStatus.WITHDRAWN)


def _check_details(kind, description, issued_on, compliance_due_on, today, response_received_on=None):
    if kind is None:
        raise RuleBroken("Choose the kind of step", "kind")
    if kind == StepKind.OTHER and not (description or "").strip():
        raise RuleBroken("Describe the step", "description")
    if issued_on is None:
        raise RuleBroken("Enter the date the step was issued", "issued_on")
    if issued_on > today:
        raise RuleBroken("The date issued must be today or in the past", "issued_on")
    if compliance_due_on is not None and compliance_due_on < issued_on:
        raise RuleBroken("The compliance deadline must be on or after the date issued", "compliance_due_on")
    if response_received_on is not None and response_received_on < issued_on:
        raise RuleBroken(f"The date issued must be on or before the response was received "
                         f"({govuk_date(response_received_on)})", "issued_on")


def _require_unsettled(step, what):
    if step.status in SETTLED:
        raise RuleBroken(f"This step is {step.status.label.lower()}: {what}")


def _take_documents(step, documents):
    for document in documents:
        if document.school_id != step.school_id or document.version_id is not None or document.visit_id is not None \
                or document.intervention_step_id not in (None, step.id):
            raise RuleBroken("That file cannot be added to this step", "files")
        document.intervention_step_id = step.id


def record_step(school, user, *, kind, description="", issued_on, compliance_due_on=None, documents=(), today=None):
    """A new step, open, with any documents already uploaded for it (files kept by ``keep_uploaded_file``)."""
    _check_details(kind, description, issued_on, compliance_due_on, today or clock.today())
    step = InterventionStep(school_id=school.id, kind=kind, description=(description or "").strip(), issued_on=issued_on,
                            compliance_due_on=compliance_due_on, status=StepStatus.OPEN,
                            recorded_by_id=getattr(user, "id", None))
    db.session.add(step)
    db.session.flush()
    _take_documents(step, documents)
    return step


def change_step(step, *, kind, description="", issued_on, compliance_due_on=None, today=None):
    """Correct a step's kind, description and dates (not once it is closed or withdrawn)."""
    _require_unsettled(step, "reopen it from its response and outcome to change it")
    _check_details(kind, description, issued_on, compliance_due_on, today or clock.today(), step.response_received_on)
    step.kind, step.description = kind, (description or "").strip()
    step.issued_on, step.compliance_due_on = issued_on, compliance_due_on
    return step


def record_response(step, *, status, outcome="", response_received_on=None, today=None):
    """The school's response (its date), the outcome and where the step stands. Any status but open needs an outcome.

    Closing or withdrawing sets ``closed_on`` to today; choosing another status again reopens the step."""
    today = today or clock.today()
    if status is None:
        raise RuleBroken("Choose where the step stands now", "status")
    if response_received_on is not None and response_received_on > today:
        raise RuleBroken("The date the response was received must be today or in the past", "response_received_on")
    if response_received_on is not None and response_received_on < step.issued_on:
        raise RuleBroken(f"The response cannot be received before the step was issued ({govuk_date(step.issued_on)})",
                         "response_received_on")
    if status != StepStatus.OPEN and not (outcome or "").strip():
        raise RuleBroken(f"Describe the outcome: the step is {status.label.lower()}", "outcome")
    if status in SETTLED and step.status not in SETTLED:
        step.closed_on = today
    elif status not in SETTLED:
        step.closed_on = None
    step.status, step.outcome, step.response_received_on = status, (outcome or "").strip(), response_received_on
    return step


def close_step(step, *, outcome, today=None):
    """Close a step with its outcome (its response date stays as recorded)."""
    return record_response(step, status=StepStatus.CLOSED, outcome=outcome or step.outcome,
                           response_received_on=step.response_received_on, today=today)


def attach_documents(step, documents):
    """Uploaded files become the step's documents (not once it is closed or withdrawn)."""
    _require_unsettled(step, "documents can no longer be added")
    _take_documents(step, documents)


def remove_document(step, stored_file) -> str:
    """A document added by mistake goes (not once the step is closed or withdrawn). Returns its storage key, for
    deleting the file once the change is committed."""
    _require_unsettled(step, "its documents are part of the record now")
    if stored_file is None or stored_file.intervention_step_id != step.id:
        raise RuleBroken("That file is not a document of this step")
    key = stored_file.storage_key
    db.session.delete(stored_file)
    return key


def compliance_overdue(step, today=None) -> bool:
    """Open, its compliance deadline passed, and no response recorded."""
    return step.is_overdue(today or clock.today())


def school_steps(school):
    """Every step at the school, newest first, with its documents."""
    return db.session.scalars(
        select(InterventionStep).where(InterventionStep.school_id == school.id)
        .options(selectinload(InterventionStep.documents), selectinload(InterventionStep.recorded_by))
        .order_by(InterventionStep.issued_on.desc(), InterventionStep.id.desc())
    ).all()


def open_steps(school_ids) -> dict[int, list[InterventionStep]]:
    """{school_id: [steps not closed or withdrawn, newest first]} for every id given (an empty list when none), in one
    statement whatever the number of schools. The steps' documents are not loaded."""
    found = {school_id: [] for school_id in school_ids}
    if not found:
        return found
    steps = db.session.scalars(
        select(InterventionStep).where(InterventionStep.school_id.in_(list(found)), InterventionStep.status.not_in(SETTLED))
        .order_by(InterventionStep.school_id, InterventionStep.issued_on.desc(), InterventionStep.id.desc())
    ).all()
    for step in steps:
        found[step.school_id].append(step)
    return found


def load_step(school, step_id):
    return db.session.scalar(
        select(InterventionStep).where(InterventionStep.id == step_id, InterventionStep.school_id == school.id)
        .options(selectinload(InterventionStep.documents))
    )


def told_of_steps(school):
    """Who hears of a new step: the headteacher and the chair of governors."""
    return active_people(school, {Role.HEADTEACHER, Role.CHAIR_OF_GOVERNORS})


def days_late(step) -> int | None:
    """How many days after the compliance deadline the response came (None when on time, or no deadline or response)."""
    if step.compliance_due_on is None or step.response_received_on is None:
        return None
    late = (step.response_received_on - step.compliance_due_on).days
    return late if late > 0 else None

