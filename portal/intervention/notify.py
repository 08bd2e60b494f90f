"""Notices about intervention (one per person and step, never twice): see ``portal.notices``."""

from portal.intervention import rules
from portal.notices.rules import link_to, tell
from portal.templating import govuk_date


def step_recorded(step):
    """To the headteacher and the chair of governors: the LA has recorded a formal step. Returns who was told."""
    school = step.school
    people = rules.told_of_steps(school)
    authority = school.local_authority.name if school.local_authority else "The local authority"
    lines = [f"{authority} has recorded a formal intervention step at {school.name}: {step.title}, "
             f"issued on {govuk_date(step.issued_on)}."]
    if step.description and step.description != step.title:
        lines.append(step.description)
    if step.compliance_due_on:
        lines.append(f"The deadline for complying with it is {govuk_date(step.compliance_due_on)}.")
    lines.append("You can read the step and its documents in the portal.")
    tell(people, kind="intervention-step", event_key=f"intervention-step-{step.id}", school=school,
         subject=f"Intervention: {step.title}, {school.name}", heading=f"Intervention: {step.title}", lines=lines,
         link=link_to("intervention.index", school_id=school.id), link_text="See the intervention record",
         due_on=step.compliance_due_on)
    return people
