"""Support package rules: templates (data), applying one to a school on a trigger date, bespoke activities, days and
money used, marking done, and moving the trigger.

Due dates follow the trigger: working days use ``shift_working_days`` with the LA's closure days (as meeting
deadlines do); weeks and calendar days are plain calendar arithmetic. A repeating activity (half-termly, termly)
is created once, for its first occurrence: the next one is added when it is due.
"""

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import audit, clock
from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.support.models import (OffsetUnit, Payer, Repeat, SupportActivity, SupportPackage, SupportTemplate,
                                   TemplateActivity)
from portal.templating import govuk_date
from portal.working_days import shift_working_days

READY_MADE_FOLDER = Path(__file__).resolve().parent / "ready_made"
ACTIVITY_FIELDS = ("what", "purpose", "offset_count", "offset_unit", "repeat", "when_text", "who", "days", "cost_pence",
                   "payer")


def _closures(closures):
    if closures is not None:
        return closures
    from portal.terms.rules import closure_days

    return closure_days()


def due_date(trigger_on: date, offset_count, offset_unit: OffsetUnit, closures=frozenset()) -> date | None:
    """The real date ``offset_count`` units after the trigger (None when the activity has no computed date)."""
    if offset_count is None or trigger_on is None:
        return None
    if offset_unit == OffsetUnit.WORKING_DAYS:
        return shift_working_days(trigger_on, offset_count, closures) if offset_count else trigger_on
    if offset_unit == OffsetUnit.WEEKS:
        return trigger_on + timedelta(weeks=offset_count)
    return trigger_on + timedelta(days=offset_count)


# --- templates ---------------------------------------------------------------------------------

def all_templates():
    return db.session.scalars(select(SupportTemplate).options(selectinload(SupportTemplate.activities))
                              .order_by(SupportTemplate.name)).all()


def load_template(template_id):
    return db.session.scalar(select(SupportTemplate).where(SupportTemplate.id == template_id)
                             .options(selectinload(SupportTemplate.activities)))


def _check_template_name(name, template=None):
    name = (name or "").strip()
    if not name:
        raise RuleBroken("Enter a name for the template", "name")
    clash = db.session.scalar(select(SupportTemplate.id).where(SupportTemplate.name == name))
    if clash is not None and (template is None or clash != template.id):
        raise RuleBroken(f"A template called {name} already exists", "name")
    return name


def save_template(template=None, *, name, category_key="", description=""):
    """A new template (``template`` None) or changes to one: its name, the category it is for, its description."""
    name = _check_template_name(name, template)
    if template is None:
        template = SupportTemplate()
        db.session.add(template)
    template.name, template.category_key, template.description = name, (category_key or "").strip(), (description or "").strip()
    return template


def _check_activity(fields):
    if not (fields.get("what") or "").strip():
        raise RuleBroken("Enter what the activity is", "what")
    count = fields.get("offset_count")
    if count is not None and count < 0:
        raise RuleBroken("The number of days or weeks after the trigger must be 0 or more", "offset_count")
    if count is None and fields.get("repeat") not in (None, Repeat.NONE):
        raise RuleBroken("A repeating activity needs its first date: enter how long after the trigger", "offset_count")
    days = fields.get("days", fields.get("days_allocated"))
    if days is not None and (days < 0 or (days * 2) % 1 != 0):
        raise RuleBroken("Days must be in half days, like 0.5 or 2", "days")


def save_template_activity(template, activity=None, **fields):
    """Add an activity to a template (``activity`` None) or change one. ``fields``: ACTIVITY_FIELDS."""
    _check_activity(fields)
    if activity is None:
        activity = TemplateActivity(position=max((a.position for a in template.activities), default=0) + 1)
        template.activities.append(activity)
    for name in ACTIVITY_FIELDS:
        if name in fields:
            value = fields[name]
            setattr(activity, name, value.strip() if isinstance(value, str) else value)
    activity.days = activity.days if activity.days is not None else Decimal("0")
    activity.cost_pence = activity.cost_pence or 0
    activity.repeat = activity.repeat or Repeat.NONE
    activity.offset_unit = activity.offset_unit or OffsetUnit.WORKING_DAYS
    activity.payer = activity.payer or Payer.SCHOOL
    return activity


def remove_template_activity(template, activity):
    if activity not in template.activities:
        raise RuleBroken("That activity is not part of this template")
    template.activities.remove(activity)


def ready_made_templates():
    """[(number, data)] of the templates that ship with the portal (JSON beside this module), numbered from 1."""
    files = sorted(READY_MADE_FOLDER.glob("*.json"))
    return [(number, json.loads(path.read_text(encoding="utf-8"))) for number, path in enumerate(files, start=1)]


def _free_name(name):
    taken = set(db.session.scalars(select(SupportTemplate.name)))
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name} ({n})", n + 1
    return candidate


def copy_ready_made(data):
    """A new template, the LA's own to change, holding a ready-made template's activities."""
    template = save_template(name=_free_name(data["name"]), category_key=data.get("category_key", ""),
                             description=data.get("description", ""))
    for item in data["activities"]:
        save_template_activity(
            template, what=item["what"], purpose=item.get("purpose", ""), offset_count=item.get("offset_count"),
            offset_unit=OffsetUnit(item.get("offset_unit", "working_days")), repeat=Repeat(item.get("repeat", "none")),
            when_text=item.get("when_text", ""), who=item.get("who", ""), days=Decimal(str(item.get("days", "0"))),
            cost_pence=int(item.get("cost_pence", 0)), payer=Payer(item.get("payer", "school")))
    return template


# --- a school's package ------------------------------------------------------------------------

def school_packages(school):
    return db.session.scalars(select(SupportPackage).where(SupportPackage.school_id == school.id)
                              .options(selectinload(SupportPackage.activities), selectinload(SupportPackage.template),
                                       selectinload(SupportPackage.reviews))
                              .order_by(SupportPackage.trigger_on.desc(), SupportPackage.id.desc())).all()


def load_package(school, package_id):
    return db.session.scalar(select(SupportPackage).where(SupportPackage.id == package_id, SupportPackage.school_id == school.id)
                             .options(selectinload(SupportPackage.activities)))


def load_activity(package, activity_id):
    return next((a for a in package.activities if a.id == activity_id), None)


def _check_trigger(trigger_on, trigger_label):
    if trigger_on is None:
        raise RuleBroken("Enter the trigger date", "trigger_on")
    if not (trigger_label or "").strip():
        raise RuleBroken("Enter what the trigger was, like Inspection report published", "trigger_label")


def apply_template(school, template, user, *, trigger_on, trigger_label, sla_agreed_on=None, closures=None):
    """The school's package from ``template``: one activity per template activity, each with its real due date."""
    if template is None:
        raise RuleBroken("Choose a template", "template_id")
    _check_trigger(trigger_on, trigger_label)
    closures = _closures(closures)
    package = SupportPackage(school_id=school.id, template_id=template.id, name=template.name,
                             trigger_label=trigger_label.strip(), trigger_on=trigger_on, sla_agreed_on=sla_agreed_on,
                             created_by_id=getattr(user, "id", None))
    db.session.add(package)
    for item in template.activities:
        package.activities.append(SupportActivity(
            school_id=school.id, position=item.position, what=item.what, purpose=item.purpose,
            offset_count=item.offset_count, offset_unit=item.offset_unit, repeat=item.repeat, when_text=item.when_text,
            who=item.who, due_on=due_date(trigger_on, item.offset_count, item.offset_unit, closures),
            days_allocated=item.days, days_used=Decimal("0"), cost_committed_pence=item.cost_pence, cost_spent_pence=0,
            payer=item.payer))
    db.session.flush()
    return package


def change_package(package, *, trigger_on, trigger_label, sla_agreed_on=None, closures=None) -> int:
    """Change the trigger and the service-level agreement date. A new trigger date moves every activity not yet done
    whose date follows the trigger, and the move is recorded in the audit log. Returns how many activities moved."""
    _check_trigger(trigger_on, trigger_label)
    moved = 0
    if trigger_on != package.trigger_on:
        closures = _closures(closures)
        was = package.trigger_on
        for activity in package.activities:
            if activity.done_on is None and activity.offset_count is not None:
                new_due = due_date(trigger_on, activity.offset_count, activity.offset_unit, closures)
                moved += new_due != activity.due_on
                activity.due_on = new_due
        package.trigger_on = trigger_on
        audit.record("support_package.trigger_moved",
                     f"{package.name}: trigger moved from {govuk_date(was)} to {govuk_date(trigger_on)}; "
                     f"{moved} activit{'y' if moved == 1 else 'ies'} not yet done moved",
                     record_type="support_package", record_id=package.id, school_id=package.school_id,
                     changes={"trigger_on": [was.isoformat(), trigger_on.isoformat()], "activities_moved": moved})
    package.trigger_label, package.sla_agreed_on = trigger_label.strip(), sla_agreed_on
    return moved


def add_bespoke_activity(package, *, what, purpose="", due_on=None, when_text="", who="", provider=None, provider_name="",
                         days_allocated=None, cost_committed_pence=None, payer=Payer.SCHOOL):
    """An activity of the package's own, not from the template: its date is fixed (it does not follow the trigger)."""
    _check_activity({"what": what, "days_allocated": days_allocated})
    activity = SupportActivity(
        school_id=package.school_id, bespoke=True, position=max((a.position for a in package.activities), default=0) + 1,
        what=what.strip(), purpose=(purpose or "").strip(), offset_count=None, repeat=Repeat.NONE,
        when_text=(when_text or "").strip(), who=(who or "").strip(), provider=provider,
        provider_name=(provider_name or "").strip(), due_on=due_on, days_allocated=days_allocated or Decimal("0"),
        days_used=Decimal("0"), cost_committed_pence=cost_committed_pence or 0, cost_spent_pence=0, payer=payer or Payer.SCHOOL)
    package.activities.append(activity)
    db.session.flush()
    return activity


def change_activity(activity, *, what, purpose="", who="", provider=None, provider_name="", days_allocated=None,
                    cost_committed_pence=None, payer=Payer.SCHOOL, due_on=None):
    """The LA admin names the provider and sets the days and money allocated. A bespoke activity's date may change
    here; a template activity's follows the trigger."""
    _check_activity({"what": what, "days_allocated": days_allocated})
    activity.what, activity.purpose, activity.who = what.strip(), (purpose or "").strip(), (who or "").strip()
    activity.provider, activity.provider_name = provider, (provider_name or "").strip()
    activity.days_allocated = days_allocated if days_allocated is not None else Decimal("0")
    activity.cost_committed_pence = cost_committed_pence or 0
    activity.payer = payer or Payer.SCHOOL
    if activity.offset_count is None:
        activity.due_on = due_on
    return activity


def record_use(activity, *, days_used, cost_spent_pence=None, done_on=None, confirm_over=False, today=None):
    """Days used, money spent, and the date it was done. Days used above days allocated need ``confirm_over``."""
    today = today or clock.today()
    days_used = days_used if days_used is not None else Decimal("0")
    if days_used < 0 or (days_used * 2) % 1 != 0:
        raise RuleBroken("Days used must be in half days, like 0.5 or 2", "days_used")
    if days_used > activity.days_allocated and not confirm_over:
        raise RuleBroken(f"Days used ({days_used.normalize():f}) are more than the days allocated "
                         f"({activity.days_allocated.normalize():f}): tick the box to confirm", "confirm_over")
    if done_on is not None and done_on > today:
        raise RuleBroken("The date done must be today or in the past", "done_on")
    activity.days_used, activity.cost_spent_pence, activity.done_on = days_used, cost_spent_pence or 0, done_on
    return activity


def activities_due(school_ids, today, within_days=14) -> dict[int, list[SupportActivity]]:
    """{school_id: [activities not done and due by ``today + within_days``, overdue ones included, soonest first]}
    for every id given (an empty list when none), in three statements (with packages and schools) whatever the
    number of schools."""
    found = {school_id: [] for school_id in school_ids}
    if not found:
        return found
    activities = db.session.scalars(
        select(SupportActivity).where(SupportActivity.school_id.in_(list(found)), SupportActivity.done_on.is_(None),
                                      SupportActivity.due_on.is_not(None),
                                      SupportActivity.due_on <= today + timedelta(days=within_days))
        .options(selectinload(SupportActivity.package).selectinload(SupportPackage.school))
        .order_by(SupportActivity.school_id, SupportActivity.due_on, SupportActivity.id)
    ).all()
    for activity in activities:
        found[activity.school_id].append(activity)
    return found
