"""Support package rules: templates (data), applying one to a school on a trigger date, bespoke activities, days and
money used (recorded on the package, or by the visits that delivered an activity), marking done, repeating
activities, and moving the trigger.

Due dates follow the trigger: working days use ``shift_working_days`` with the LA's closure days (as meeting
deadlines do); weeks and calendar days are plain calendar arithmetic. A repeating activity (half-termly, termly)
is created for its first occurrence; when an occurrence is marked done, the next is added (once: marking it done
again adds nothing), due in the next half term (or term) of the LA's term dates as far from its start as the one
done was from the start of its own, on a working day; 7 (or 13) weeks on when those term dates are not entered.
The next occurrence keeps its own date: moving the trigger moves only the activities not yet done that follow it.
The LA admin can stop a repeating activity: its latest occurrence stops repeating and no further one is added.
"""

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal import audit, clock
from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.support.models import (OffsetUnit, Payer, Repeat, SupportActivity, SupportPackage, SupportReview,
                                   SupportTemplate, TemplateActivity)
from portal.templating import govuk_date
from portal.terms.rules import academic_years
from portal.working_days import is_working_day, shift_working_days

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
    """The school's packages, newest trigger first, with everything the support page shows (the visits that used each
    activity's days, the reviewers) in a fixed number of statements however many packages, activities and visits."""
    return db.session.scalars(select(SupportPackage).where(SupportPackage.school_id == school.id)
                              .options(selectinload(SupportPackage.activities).selectinload(SupportActivity.visits),
                                       selectinload(SupportPackage.template),
                                       selectinload(SupportPackage.reviews).selectinload(SupportReview.reviewed_by))
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


def record_use(activity, *, days_used, cost_spent_pence=None, done_on=None, confirm_over=False, today=None, closures=None,
               years=None):
    """Days used, money spent, and the date it was done. Days used above days allocated need ``confirm_over``.
    A date done on an occurrence of a repeating activity adds the next occurrence (see ``add_next_occurrence``)."""
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
    if done_on is not None:
        add_next_occurrence(activity, closures=closures, years=years)
    return activity


# --- repeating activities ----------------------------------------------------------------------

FALLBACK_WEEKS = {Repeat.HALF_TERMLY: 7, Repeat.TERMLY: 13}  # a half term, a term, when the LA's dates are not entered


def _periods(years, repeat):
    """[((start year, index), first day, last day)] of the half terms, or the terms (two half terms each), entered."""
    found = []
    for year in years:
        halves = sorted(year.half_terms, key=lambda half_term: half_term.number)
        if repeat == Repeat.TERMLY:
            found += [((year.start_year, n // 2), halves[n].starts_on, halves[n + 1].ends_on)
                      for n in range(0, len(halves) - 1, 2)]
        else:
            found += [((year.start_year, n), half_term.starts_on, half_term.ends_on) for n, half_term in enumerate(halves)]
    return sorted(found, key=lambda period: period[1])


def _working_day_from(day, closures, step=1):
    """``day`` when it is a working day, else the next one (the one before when ``step`` is -1)."""
    return day if is_working_day(day, closures) else shift_working_days(day, step, closures)


def next_occurrence_due(day: date, repeat: Repeat, years=(), closures=frozenset()) -> date:
    """The next occurrence's due date: in the next half term (or term), as many days after its first day as ``day``
    is after the first day of its own (no later than its last day), moved to a working day inside it. Without the
    LA's dates for both, 7 (or 13) weeks after ``day``, moved to the next working day."""
    periods = _periods(years, repeat)
    per_year = 3 if repeat == Repeat.TERMLY else 6
    started = [period for period in periods if period[1] <= day]
    if started:
        (year, index), starts, _ends = started[-1]
        wanted = (year, index + 1) if index + 1 < per_year else (year + 1, 0)
        following = next((period for period in periods if period[0] == wanted), None)
        if following is not None:
            _, next_starts, next_ends = following
            due = min(next_starts + (day - starts), next_ends)
            moved = _working_day_from(due, closures)
            return moved if moved <= next_ends else _working_day_from(due, closures, step=-1)
    return _working_day_from(day + timedelta(weeks=FALLBACK_WEEKS[repeat]), closures)


def _already_followed(activity) -> bool:
    """Whether the next occurrence exists, asked of the database with this occurrence's row locked (PostgreSQL), so
    two people marking it done at once still add one."""
    db.session.execute(select(SupportActivity.id).where(SupportActivity.id == activity.id).with_for_update())
    return db.session.scalar(select(SupportActivity.id).where(
        SupportActivity.package_id == activity.package_id, SupportActivity.position == activity.position,
        SupportActivity.bespoke == activity.bespoke, SupportActivity.id > activity.id).limit(1)) is not None


def add_next_occurrence(activity, *, closures=None, years=None):
    """Once an occurrence of a repeating activity is done, the next one: the same activity, provider, payer, days
    allocated and money committed per occurrence, nothing used yet, due in the next half term (or term). None when
    the activity does not repeat (or its repeating was stopped), or when its next occurrence is already there: marking
    it done again, or changing its days, never adds another."""
    if activity.done_on is None or not activity.repeats:
        return None
    db.session.flush()
    if _already_followed(activity):
        return None
    base = activity.due_on or activity.done_on
    due_on = next_occurrence_due(base, activity.repeat, academic_years() if years is None else years, _closures(closures))
    following = SupportActivity(
        school_id=activity.school_id, position=activity.position, bespoke=activity.bespoke, what=activity.what,
        purpose=activity.purpose, offset_count=None, offset_unit=activity.offset_unit, repeat=activity.repeat,
        when_text=f"{activity.repeat.label}: the occurrence after the one due {govuk_date(base)}", who=activity.who,
        provider=activity.provider, provider_name=activity.provider_name, due_on=due_on,
        days_allocated=activity.days_allocated, days_used=Decimal("0"), cost_committed_pence=activity.cost_committed_pence,
        cost_spent_pence=0, payer=activity.payer)
    activity.package.activities.append(following)
    db.session.flush()
    return following


def stop_repeating(activity, today=None):
    """The LA admin ends a repeating activity (the need has gone, or the package changes): its latest occurrence
    stops repeating, so marking it done adds no further one. The occurrences already listed stay, and the latest says
    when the repeating stopped."""
    today = today or clock.today()
    latest = activity.package.occurrences(activity)[-1]
    if not latest.repeats:
        raise RuleBroken(f"{activity.what} does not repeat: there is nothing to stop")
    was = latest.repeat
    latest.when_text = f"{latest.when_label}; {was.label.lower()} until stopped on {govuk_date(today)}"[:200]
    latest.repeat = Repeat.NONE
    audit.record("support_activity.repeat_stopped", f"{latest.what[:200]}: {was.label.lower()} repeating stopped",
                 record_type="support_activity", record_id=latest.id, school_id=latest.school_id,
                 changes={"repeat": [was.value, Repeat.NONE.value]})
    return latest


# --- days a visit used -------------------------------------------------------------------------

def open_activities(school, also=None):
    """The school's activities not yet done, soonest first, with their packages: what a visit can have delivered.
    ``also``: the visit's own activity, kept as a choice though it has been marked done since."""
    found = db.session.scalars(
        select(SupportActivity).where(SupportActivity.school_id == school.id, SupportActivity.done_on.is_(None))
        .options(selectinload(SupportActivity.package))
        .order_by(SupportActivity.due_on.is_(None), SupportActivity.due_on, SupportActivity.id)).all()
    if also is not None and also not in found:
        found.append(also)
    return found


def activity_choice_label(activity):
    """"Core package: Round-table review (due 29 January 2027)", as the visit form lists it."""
    due = f"due {govuk_date(activity.due_on)}" if activity.due_on else "no set date"
    what = activity.what if len(activity.what) <= 120 else activity.what[:119] + "…"
    return f"{activity.package.name}: {what} ({due}{', done' if activity.done_on else ''})"


def count_visit_days(visit, activity, days, *, confirm_over=False):
    """The support activity a visit delivered and the days of the adviser's time it used, counted in that
    activity's days used. A change moves the difference: the visit's old days come off the activity they were
    counted in before the new days go on, so a visit is never counted twice. Going over the days allocated needs
    ``confirm_over``, as recording use on the package does."""
    if activity is None:
        if days:
            raise RuleBroken("Choose the support activity this visit delivered, or leave the days blank",
                             "support_activity_id")
    else:
        if activity.school_id != visit.school_id:
            raise RuleBroken("Choose one of the school's support activities", "support_activity_id")
        if activity.done_on is not None and activity is not visit.support_activity:
            raise RuleBroken(f"{activity.what} is marked done: choose an activity still to do", "support_activity_id")
        if not days:
            raise RuleBroken("Enter the days of your time this visit used, in half days, like 0.5 or 1", "support_days")
        if days < 0 or (days * 2) % 1 != 0:
            raise RuleBroken("Days of your time used must be in half days, like 0.5 or 1", "support_days")
    was_activity, was_days = visit.support_activity, visit.support_days or Decimal("0")
    if activity is not None:
        total = activity.days_used - (was_days if activity is was_activity else Decimal("0")) + days
        if total > activity.days_allocated and total > activity.days_used and not confirm_over:
            raise RuleBroken(f"Days used on {activity.what[:120]} would be {total.normalize():f}, more than the "
                             f"{activity.days_allocated.normalize():f} allocated: tick the box to confirm", "confirm_over")
    if was_activity is not None:
        was_activity.days_used = max(Decimal("0"), was_activity.days_used - was_days)
    if activity is not None:
        activity.days_used += days
    visit.support_activity, visit.support_days = activity, (days if activity is not None else None)
    return visit


def activities_due(school_ids, today, within_days=14) -> dict[int, list[SupportActivity]]:
    """{school_id: [activities not done and due by ``today + within_days``, overdue ones included, soonest first]}
    for every id given (an empty list when none), in one statement (with packages and schools) whatever the
    number of schools."""
    found = {school_id: [] for school_id in school_ids}
    if found:
        for activity in activities_due_at(list(found), today, within_days):
            found[activity.school_id].append(activity)
    return found


def activities_due_at(schools, today, within_days=14) -> list[SupportActivity]:
    """The activities ``activities_due`` finds, at ``schools`` (ids, or a select of them, such as every active
    school's for the LA admin), by school, soonest first: one statement."""
    return db.session.scalars(
        select(SupportActivity).where(SupportActivity.school_id.in_(schools), SupportActivity.done_on.is_(None),
                                      SupportActivity.due_on.is_not(None),
                                      SupportActivity.due_on <= today + timedelta(days=within_days))
        .options(joinedload(SupportActivity.package).joinedload(SupportPackage.school))
        .order_by(SupportActivity.school_id, SupportActivity.due_on, SupportActivity.id)
    ).all()
