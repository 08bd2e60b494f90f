"""What changed in a plan since the adviser agreed it: one readable line per change, matched by id."""

import copy

import pytest

from portal.plans.diff import format_day, plan_changes


def agreed_plan():
    return {
        "title": "Raising Achievement Plan 2026 to 2027",
        "kind": "Raising Achievement Plan",
        "priorities": [
            {
                "id": 1, "title": "Improve reading", "description": "Pupils in key stage 1 read fluently.",
                "actions": [
                    {"id": 11, "description": "Daily phonics catch-up", "owner": "Mrs Patel",
                     "starts_on": "2026-09-07", "due_on": "2026-12-01", "cost": "£1,200"},
                    {"id": 12, "description": "Reading buddies", "owner": "Mr Jones",
                     "starts_on": None, "due_on": "2027-07-16", "cost": ""},
                ],
                "success_criteria": [
                    {"id": 101, "description": "90% pass the phonics check",
                     "milestones": {"Autumn 1": "70% on track", "Spring 1": "80% on track"}},
                ],
            },
            {
                "id": 2, "title": "Improve attendance", "description": "",
                "actions": [
                    {"id": 21, "description": "First-day calls", "owner": "Office manager",
                     "starts_on": "2026-09-07", "due_on": None, "cost": ""},
                ],
                "success_criteria": [
                    {"id": 201, "description": "Attendance at 96%", "milestones": {"Autumn 2": "94%"}},
                ],
            },
        ],
    }


@pytest.fixture
def agreed():
    return agreed_plan()


@pytest.fixture
def current():
    return agreed_plan()


def priority(plan, priority_id):
    return next(p for p in plan["priorities"] if p["id"] == priority_id)


def item(plan, key, item_id):
    return next(i for p in plan["priorities"] for i in p[key] if i["id"] == item_id)


# Dates


@pytest.mark.parametrize("iso, shown", [
    ("2026-12-01", "1 December 2026"),
    ("2027-01-15", "15 January 2027"),
    ("2027-03-09", "9 March 2027"),
    (None, "no date"),
    ("", "no date"),
])
def test_format_day_uses_govuk_style(iso, shown):
    assert format_day(iso) == shown


# Nothing changed


def test_nothing_changed_gives_no_lines(agreed, current):
    assert plan_changes(agreed, current) == []


def test_an_empty_plan_against_itself_gives_no_lines():
    plan = {"title": "Plan", "kind": "Raising Achievement Plan", "priorities": []}
    assert plan_changes(plan, copy.deepcopy(plan)) == []


def test_reordering_alone_is_not_a_change(agreed, current):
    """The adviser agreed what the school will do, not the order it is written in."""
    current["priorities"].reverse()
    priority(current, 1)["actions"].reverse()
    assert plan_changes(agreed, current) == []


def test_items_are_matched_by_id_not_position(agreed, current):
    current["priorities"].reverse()
    item(current, "actions", 11)["owner"] = "Mr Singh"
    assert plan_changes(agreed, current) == [
        'Action "Daily phonics catch-up": owner changed from "Mrs Patel" to "Mr Singh"',
    ]


def test_missing_or_none_text_counts_as_blank(agreed, current):
    priority(agreed, 2)["description"] = None
    item(current, "actions", 12)["cost"] = None
    assert plan_changes(agreed, current) == []


# The plan itself


def test_title_changed(agreed, current):
    current["title"] = "Raising Achievement Plan 2026 to 2028"
    assert plan_changes(agreed, current) == [
        'Title changed from "Raising Achievement Plan 2026 to 2027" to "Raising Achievement Plan 2026 to 2028"',
    ]


def test_plan_type_changed(agreed, current):
    current["kind"] = "Post-inspection action plan"
    assert plan_changes(agreed, current) == [
        'Plan type changed from "Raising Achievement Plan" to "Post-inspection action plan"',
    ]


# Priorities


def test_priority_added_lists_what_it_contains(agreed, current):
    current["priorities"].append({
        "id": 3, "title": "Improve writing", "description": "",
        "actions": [{"id": 31, "description": "Weekly extended writing", "owner": "English lead",
                     "starts_on": None, "due_on": None, "cost": ""}],
        "success_criteria": [{"id": 301, "description": "75% at expected standard", "milestones": {}}],
    })
    assert plan_changes(agreed, current) == [
        'Priority added: "Improve writing"',
        'Priority "Improve writing": action added: "Weekly extended writing"',
        'Priority "Improve writing": success criterion added: "75% at expected standard"',
    ]


def test_priority_removed_is_one_line(agreed, current):
    current["priorities"] = [priority(current, 1)]
    assert plan_changes(agreed, current) == ['Priority removed: "Improve attendance"']


def test_priority_title_changed(agreed, current):
    priority(current, 1)["title"] = "Improve early reading"
    assert plan_changes(agreed, current) == [
        'Priority "Improve early reading": title changed from "Improve reading" to "Improve early reading"',
    ]


def test_priority_description_changed_added_and_removed(agreed, current):
    priority(current, 1)["description"] = "Pupils in key stage 1 and 2 read fluently."
    priority(current, 2)["description"] = "Persistent absence falls."
    assert plan_changes(agreed, current) == [
        'Priority "Improve reading": description changed from "Pupils in key stage 1 read fluently." '
        'to "Pupils in key stage 1 and 2 read fluently."',
        'Priority "Improve attendance": description added: "Persistent absence falls."',
    ]
    assert plan_changes(current, agreed)[1] == 'Priority "Improve attendance": description removed: "Persistent absence falls."'


# Actions


def test_action_added(agreed, current):
    priority(current, 1)["actions"].append({"id": 13, "description": "Parent phonics workshop", "owner": "",
                                            "starts_on": None, "due_on": None, "cost": ""})
    assert plan_changes(agreed, current) == ['Priority "Improve reading": action added: "Parent phonics workshop"']


def test_action_removed(agreed, current):
    priority(current, 1)["actions"] = [item(current, "actions", 11)]
    assert plan_changes(agreed, current) == ['Priority "Improve reading": action removed: "Reading buddies"']


def test_action_due_date_changed(agreed, current):
    item(current, "actions", 11)["due_on"] = "2027-01-15"
    assert plan_changes(agreed, current) == [
        'Action "Daily phonics catch-up": due date changed from 1 December 2026 to 15 January 2027',
    ]


def test_action_start_date_set_and_due_date_cleared(agreed, current):
    item(current, "actions", 12)["starts_on"] = "2026-10-05"
    item(current, "actions", 12)["due_on"] = None
    assert plan_changes(agreed, current) == [
        'Action "Reading buddies": start date changed from no date to 5 October 2026',
        'Action "Reading buddies": due date changed from 16 July 2027 to no date',
    ]


def test_action_owner_changed(agreed, current):
    item(current, "actions", 11)["owner"] = "Mr Singh"
    assert plan_changes(agreed, current) == [
        'Action "Daily phonics catch-up": owner changed from "Mrs Patel" to "Mr Singh"',
    ]


def test_action_cost_changed_and_added(agreed, current):
    item(current, "actions", 11)["cost"] = "£1,500"
    item(current, "actions", 12)["cost"] = "£300 for books"
    assert plan_changes(agreed, current) == [
        'Action "Daily phonics catch-up": cost changed from "£1,200" to "£1,500"',
        'Action "Reading buddies": cost added: "£300 for books"',
    ]


def test_action_description_changed_shows_old_and_new(agreed, current):
    item(current, "actions", 11)["description"] = "Daily phonics catch-up for Year 2"
    assert plan_changes(agreed, current) == [
        'Action "Daily phonics catch-up for Year 2": description changed from "Daily phonics catch-up" '
        'to "Daily phonics catch-up for Year 2"',
    ]


def test_several_changes_to_one_action_come_in_a_fixed_order(agreed, current):
    action = item(current, "actions", 11)
    action.update(cost="£900", due_on="2026-12-18", owner="Mr Singh", starts_on="2026-09-14")
    assert plan_changes(agreed, current) == [
        'Action "Daily phonics catch-up": owner changed from "Mrs Patel" to "Mr Singh"',
        'Action "Daily phonics catch-up": start date changed from 7 September 2026 to 14 September 2026',
        'Action "Daily phonics catch-up": due date changed from 1 December 2026 to 18 December 2026',
        'Action "Daily phonics catch-up": cost changed from "£1,200" to "£900"',
    ]


def test_action_moved_to_another_priority(agreed, current):
    moved = priority(current, 1)["actions"].pop()
    moved["owner"] = "Attendance lead"
    priority(current, 2)["actions"].append(moved)
    assert plan_changes(agreed, current) == [
        'Priority "Improve attendance": action moved here from priority "Improve reading": "Reading buddies"',
        'Action "Reading buddies": owner changed from "Mr Jones" to "Attendance lead"',
    ]


def test_action_moved_out_of_a_removed_priority(agreed, current):
    kept = priority(current, 2)["actions"][0]
    current["priorities"] = [priority(current, 1)]
    priority(current, 1)["actions"].append(kept)
    assert plan_changes(agreed, current) == [
        'Priority "Improve reading": action moved here from priority "Improve attendance": "First-day calls"',
        'Priority removed: "Improve attendance"',
    ]


# Success criteria


def test_success_criterion_added_and_removed(agreed, current):
    priority(current, 2)["success_criteria"] = [
        {"id": 202, "description": "Persistent absence below 12%", "milestones": {"Spring 2": "15%"}},
    ]
    assert plan_changes(agreed, current) == [
        'Priority "Improve attendance": success criterion removed: "Attendance at 96%"',
        'Priority "Improve attendance": success criterion added: "Persistent absence below 12%"',
    ]


def test_success_criterion_description_changed(agreed, current):
    item(current, "success_criteria", 101)["description"] = "92% pass the phonics check"
    assert plan_changes(agreed, current) == [
        'Success criterion "92% pass the phonics check": description changed from '
        '"90% pass the phonics check" to "92% pass the phonics check"',
    ]


def test_milestone_changed(agreed, current):
    item(current, "success_criteria", 101)["milestones"]["Spring 1"] = "85% on track"
    assert plan_changes(agreed, current) == [
        'Success criterion "90% pass the phonics check": Spring 1 milestone changed from "80% on track" '
        'to "85% on track"',
    ]


def test_milestones_added_and_removed_in_school_year_order(agreed, current):
    milestones = item(current, "success_criteria", 101)["milestones"]
    del milestones["Autumn 1"]
    milestones["Summer 2"] = "90% pass"
    milestones["Autumn 2"] = "75% on track"
    assert plan_changes(agreed, current) == [
        'Success criterion "90% pass the phonics check": Autumn 1 milestone removed: "70% on track"',
        'Success criterion "90% pass the phonics check": Autumn 2 milestone added: "75% on track"',
        'Success criterion "90% pass the phonics check": Summer 2 milestone added: "90% pass"',
    ]


def test_a_milestone_made_blank_counts_as_removed(agreed, current):
    item(current, "success_criteria", 201)["milestones"]["Autumn 2"] = ""
    assert plan_changes(agreed, current) == [
        'Success criterion "Attendance at 96%": Autumn 2 milestone removed: "94%"',
    ]


# Order of the whole list


def test_lines_follow_plan_order(agreed, current):
    """The plan's title and type, then each priority in turn: itself, its actions, its success criteria."""
    current["kind"] = "Statement of Action"
    priority(current, 2)["title"] = "Improve attendance and punctuality"
    item(current, "success_criteria", 201)["milestones"]["Autumn 2"] = "95%"
    item(current, "actions", 21)["due_on"] = "2027-03-31"
    item(current, "success_criteria", 101)["milestones"]["Spring 1"] = "85% on track"
    priority(current, 1)["actions"] = [item(current, "actions", 12)]
    current["title"] = "Statement of Action 2026 to 2027"
    assert plan_changes(agreed, current) == [
        'Title changed from "Raising Achievement Plan 2026 to 2027" to "Statement of Action 2026 to 2027"',
        'Plan type changed from "Raising Achievement Plan" to "Statement of Action"',
        'Priority "Improve reading": action removed: "Daily phonics catch-up"',
        'Success criterion "90% pass the phonics check": Spring 1 milestone changed from "80% on track" '
        'to "85% on track"',
        'Priority "Improve attendance and punctuality": title changed from "Improve attendance" '
        'to "Improve attendance and punctuality"',
        'Action "First-day calls": due date changed from no date to 31 March 2027',
        'Success criterion "Attendance at 96%": Autumn 2 milestone changed from "94%" to "95%"',
    ]


def test_removed_item_is_listed_after_the_item_it_followed(agreed, current):
    """A removed item keeps its place: after the kept item it followed, or first if none came before it."""
    priority(current, 1)["actions"].insert(0, {"id": 13, "description": "Parent phonics workshop", "owner": "",
                                               "starts_on": None, "due_on": None, "cost": ""})
    priority(current, 1)["actions"].append({"id": 14, "description": "Library refit", "owner": "",
                                            "starts_on": None, "due_on": None, "cost": ""})
    del priority(current, 1)["actions"][1]  # Daily phonics catch-up, which came before Reading buddies
    assert plan_changes(agreed, current) == [
        'Priority "Improve reading": action removed: "Daily phonics catch-up"',
        'Priority "Improve reading": action added: "Parent phonics workshop"',
        'Priority "Improve reading": action added: "Library refit"',
    ]


def test_removed_priority_between_kept_ones_stays_between_them(agreed, current):
    current["priorities"].insert(1, {"id": 3, "title": "Improve maths", "description": "",
                                     "actions": [], "success_criteria": []})
    current["priorities"].append({"id": 4, "title": "Improve writing", "description": "",
                                  "actions": [], "success_criteria": []})
    agreed["priorities"].insert(1, {"id": 5, "title": "Improve behaviour", "description": "",
                                    "actions": [], "success_criteria": []})
    assert plan_changes(agreed, current) == [
        'Priority removed: "Improve behaviour"',
        'Priority added: "Improve maths"',
        'Priority added: "Improve writing"',
    ]
