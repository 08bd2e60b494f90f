"""What changed in a plan since the adviser agreed it, as lines a headteacher can read.

Both sides are plain snapshots (see ``portal.plans.rules.snapshot``). Priorities, actions and
success criteria are matched by id, so rewording an item shows as a change to it rather than as
one item removed and another added. Reordering alone is not listed: the adviser agreed what the
school will do, not the order it is written in.

Items are named by their current wording; removed items by the wording that was agreed.
"""

from datetime import date

MONTHS = ("January", "February", "March", "April", "May", "June", "July",
          "August", "September", "October", "November", "December")

# Milestones are listed in the order of the school year; any other name follows, as written.
HALF_TERMS = ("Autumn 1", "Autumn 2", "Spring 1", "Spring 2", "Summer 1", "Summer 2")


def format_day(iso: str | None) -> str:
    """1 December 2026 (GOV.UK style, no leading zero); 'no date' when none was set."""
    if not iso:
        return "no date"
    day = date.fromisoformat(iso)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def plan_changes(agreed: dict, current: dict) -> list[str]:
    """Every difference between the agreed plan and the plan now, in plan order; [] if none."""
    lines = []
    _compare_text(lines, "", "Title", agreed.get("title"), current.get("title"), capital=True)
    _compare_text(lines, "", "Plan type", agreed.get("kind"), current.get("kind"), capital=True)

    agreed_priorities = agreed.get("priorities") or []
    current_priorities = current.get("priorities") or []
    # Actions and criteria are found by id across the whole plan, so one moved to another priority
    # reads as moved, not as removed from one and added to the other.
    agreed_actions = _by_id(agreed_priorities, "actions")
    current_actions = _by_id(current_priorities, "actions")
    agreed_criteria = _by_id(agreed_priorities, "success_criteria")
    current_criteria = _by_id(current_priorities, "success_criteria")

    for old, new in _in_plan_order(agreed_priorities, current_priorities):
        if new is None:
            lines.append(f"Priority removed: {_quoted(old.get('title'))}")
            continue
        label = f"Priority {_quoted(new.get('title'))}: "
        if old is None:
            lines.append(f"Priority added: {_quoted(new.get('title'))}")
            old = {}
        else:
            _compare_text(lines, label, "title", old.get("title"), new.get("title"))
            _compare_text(lines, label, "description", old.get("description"), new.get("description"))
        _compare_children(lines, label, "action", old.get("actions") or [], new.get("actions") or [],
                          agreed_actions, current_actions, _action_changes)
        _compare_children(lines, label, "success criterion", old.get("success_criteria") or [],
                          new.get("success_criteria") or [], agreed_criteria, current_criteria, _criterion_changes)
    return lines


def _compare_children(lines, label, noun, old_items, new_items, agreed_everywhere, current_everywhere, changes):
    """Actions (or success criteria) of one priority: added, moved here, changed, then removed."""
    for old, new in _in_plan_order(old_items, new_items):
        if new is None:
            if old["id"] not in current_everywhere:  # else it moved to another priority and is listed there
                lines.append(f"{label}{noun} removed: {_quoted(old.get('description'))}")
            continue
        if old is None:
            moved_from = agreed_everywhere.get(new["id"])
            if moved_from is None:
                lines.append(f"{label}{noun} added: {_quoted(new.get('description'))}")
                continue
            old, old_priority = moved_from
            lines.append(f"{label}{noun} moved here from priority {_quoted(old_priority.get('title'))}: "
                         f"{_quoted(new.get('description'))}")
        lines.extend(changes(old, new))


def _action_changes(old: dict, new: dict) -> list[str]:
    lines = []
    label = f"Action {_quoted(new.get('description'))}: "
    _compare_text(lines, label, "description", old.get("description"), new.get("description"))
    _compare_text(lines, label, "owner", old.get("owner"), new.get("owner"))
    for key, name in (("starts_on", "start date"), ("due_on", "due date")):
        if (old.get(key) or None) != (new.get(key) or None):
            lines.append(f"{label}{name} changed from {format_day(old.get(key))} to {format_day(new.get(key))}")
    _compare_text(lines, label, "cost", old.get("cost"), new.get("cost"))
    return lines


def _criterion_changes(old: dict, new: dict) -> list[str]:
    lines = []
    label = f"Success criterion {_quoted(new.get('description'))}: "
    _compare_text(lines, label, "description", old.get("description"), new.get("description"))
    old_milestones, new_milestones = old.get("milestones") or {}, new.get("milestones") or {}
    for half_term in _half_terms(old_milestones, new_milestones):
        _compare_text(lines, label, f"{half_term} milestone", old_milestones.get(half_term),
                      new_milestones.get(half_term))
    return lines


def _compare_text(lines, label, name, old, new, *, capital=False):
    """One line for a changed piece of text; a blank one is shown as added or removed, not as ""."""
    old, new = old or "", new or ""
    if old == new:
        return
    if not old:
        change = f"{name} added: {_quoted(new)}"
    elif not new:
        change = f"{name} removed: {_quoted(old)}"
    else:
        change = f"{name} changed from {_quoted(old)} to {_quoted(new)}"
    lines.append(label + (change[0].upper() + change[1:] if capital else change))


def _in_plan_order(old_items: list[dict], new_items: list[dict]) -> list[tuple[dict | None, dict | None]]:
    """Pairs (agreed, current) matched by id, in current order; a removed item follows the one it followed."""
    current_ids = {item["id"] for item in new_items}
    removed_after: dict[int | None, list[dict]] = {}
    anchor = None
    for item in old_items:
        if item["id"] in current_ids:
            anchor = item["id"]
        else:
            removed_after.setdefault(anchor, []).append(item)
    old_by_id = {item["id"]: item for item in old_items}
    pairs = [(item, None) for item in removed_after.get(None, [])]
    for item in new_items:
        pairs.append((old_by_id.get(item["id"]), item))
        pairs.extend((removed, None) for removed in removed_after.get(item["id"], []))
    return pairs


def _by_id(priorities: list[dict], key: str) -> dict[int, tuple[dict, dict]]:
    return {item["id"]: (item, priority) for priority in priorities for item in priority.get(key) or []}


def _half_terms(*milestone_sets: dict) -> list[str]:
    names = list(dict.fromkeys(name for milestones in milestone_sets for name in milestones))
    return sorted(names, key=lambda name: (HALF_TERMS.index(name) if name in HALF_TERMS else len(HALF_TERMS)))


def _quoted(text: str | None) -> str:
    return f'"{text or ""}"'
