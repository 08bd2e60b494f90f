"""Comments on a plan: the adviser asks, challenges or praises; the school answers in a thread; the adviser resolves."""

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.auth.models import User
from portal.comments import rules
from portal.comments.models import CommentKind, CommentReply, CommentStatus, PlanComment
from tests.test_meetings import YEAR as TERM_DATES
from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.plans import rules as plan_rules
from portal.plans.models import Plan, PlanKind
from portal.schools.models import Role, School, SchoolRole
from portal.terms.models import AcademicYear
from portal.terms.rules import save_term_dates
from tests.conftest import statements_behind, text_of


@pytest.fixture
def year(app):
    with app.app_context():
        academic_year = save_term_dates(None, *TERM_DATES)
        db.session.commit()
        return academic_year.id


def _plan_for(app, school_id, title="Improve reading in key stage 2"):
    """A plan with one priority, one action and one success criterion; returns their ids."""
    with app.app_context():
        school = db.session.get(School, school_id)
        plan = plan_rules.create_plan(school, None, kind=PlanKind.RAP, title="Raising Achievement Plan 2026 to 2027",
                                      academic_year=db.session.scalar(select(AcademicYear)))
        priority = plan_rules.save_priority(plan, None, title=title, description="")
        action = plan_rules.save_action(priority, None, description="Train staff in guided reading", owner="English lead",
                                        starts_on=None, due_on=None, cost="")
        criterion = plan_rules.save_criterion(priority, None, description="85% of year 6 reach the expected standard",
                                              milestones={})
        db.session.commit()
        return {"school": school_id, "plan": plan.id, "priority": priority.id, "action": action.id, "criterion": criterion.id}


@pytest.fixture
def brookside(app, world, year):
    """Brookside with its head, a senior leader, its adviser and a governor; Kingsway with its own adviser; the LA admin."""
    school = world.school("Brookside Primary School")
    other = world.school("Kingsway Academy")
    people = {
        "head": world.user("head@example.org", "Sarah Lewis", roles=[(school, Role.HEADTEACHER)]),
        "deputy": world.user("deputy@example.org", "Imran Ali", roles=[(school, Role.SENIOR_LEADER)]),
        "adviser": world.user("adviser@example.org", "Priya Shah", roles=[(school, Role.ADVISER)]),
        "governor": world.user("governor@example.org", "Tom Reed", roles=[(school, Role.GOVERNOR)]),
        "other_adviser": world.user("adviser@kingsway.example.org", "Tom Okafor", roles=[(other, Role.ADVISER)]),
        "other_head": world.user("head@kingsway.example.org", "Dan Okafor", roles=[(other, Role.HEADTEACHER)]),
        "admin": world.user("admin@example.org", "Alex Morgan", is_la_admin=True),
    }
    return {"own": _plan_for(app, school), "other": _plan_for(app, other, "Improve attendance"), "people": people}


def _base(ids):
    return f"/schools/{ids['school']}/plans/{ids['plan']}/comments"


def _load(ids):
    plan = db.session.get(Plan, ids["plan"])
    return plan, plan.priorities[0]


def _person(key, people):
    return db.session.get(User, people[key])


def _comment_by_rules(app, ids, people, *, body="How will you know the training changed teaching?", kind=CommentKind.QUESTION):
    with app.app_context():
        plan, priority = _load(ids)
        comment = rules.add_comment(plan, _person("adviser", people), target=priority, kind=kind, body=body)
        db.session.commit()
        return comment.id


# --- the rules -------------------------------------------------------------------------------------

def test_a_comment_can_be_on_a_priority_an_action_or_a_success_criterion(app, ctx, brookside):
    plan, priority = _load(brookside["own"])
    adviser = _person("adviser", brookside["people"])
    on_priority = rules.add_comment(plan, adviser, target=priority, kind=CommentKind.QUESTION, body="  Why reading?  ")
    on_action = rules.add_comment(plan, adviser, target=priority.actions[0], kind="challenge", body="Is one session enough?")
    on_criterion = rules.add_comment(plan, adviser, target=priority.success_criteria[0], kind=CommentKind.PRAISE,
                                     body="A clear, measurable target.")
    db.session.commit()
    assert (on_priority.priority_id, on_priority.action_id, on_priority.criterion_id) == (priority.id, None, None)
    assert on_priority.target_label == "Priority 1: Improve reading in key stage 2" and on_priority.body == "Why reading?"
    assert on_action.action_id == priority.actions[0].id and on_action.target_label == "Action: Train staff in guided reading"
    assert on_action.kind == CommentKind.CHALLENGE
    assert on_criterion.criterion_id == priority.success_criteria[0].id
    assert on_criterion.target_label == "Success criterion: 85% of year 6 reach the expected standard"
    assert {c.status for c in (on_priority, on_action, on_criterion)} == {CommentStatus.OPEN}
    assert on_priority.school_id == plan.school_id and on_priority.created_by_id == adviser.id


def test_a_long_target_is_kept_short_enough_for_its_label(app, ctx, brookside):
    plan, priority = _load(brookside["own"])
    priority.actions[0].description = "Train staff\n" + "in guided reading " * 40
    comment = rules.add_comment(plan, None, target=priority.actions[0], kind="question", body="Which staff?")
    assert len(comment.target_label) == rules.LABEL_LIMIT and comment.target_label.endswith("…")
    assert "\n" not in comment.target_label


def test_bad_input_is_refused_with_the_field_it_belongs_to(app, ctx, brookside):
    plan, priority = _load(brookside["own"])
    other_plan, other_priority = _load(brookside["other"])
    adviser = _person("adviser", brookside["people"])
    with pytest.raises(RuleBroken) as empty:
        rules.add_comment(plan, adviser, target=priority, kind="question", body="   ")
    assert (empty.value.message, empty.value.field) == ("Enter your comment", "body")
    with pytest.raises(RuleBroken) as no_kind:
        rules.add_comment(plan, adviser, target=priority, kind=None, body="Why?")
    assert no_kind.value.field == "kind"
    with pytest.raises(RuleBroken) as too_long:
        rules.add_comment(plan, adviser, target=priority, kind="praise", body="x" * (rules.BODY_LIMIT + 1))
    assert "10,000 characters or fewer" in too_long.value.message
    with pytest.raises(RuleBroken):
        rules.add_comment(plan, adviser, target=other_priority, kind="question", body="Not this plan's")
    assert db.session.scalar(select(PlanComment)) is None


def test_the_thread_changes_hands_and_is_resolved_and_reopened(app, ctx, brookside):
    people = brookside["people"]
    plan, priority = _load(brookside["own"])
    adviser, head = _person("adviser", people), _person("head", people)
    comment = rules.add_comment(plan, adviser, target=priority, kind="question", body="Who leads this?")
    assert rules.awaiting(comment) == rules.Awaiting.SCHOOL

    rules.reply(comment, head, body="Our English lead, with the deputy.")
    assert rules.awaiting(comment) == rules.Awaiting.ADVISER
    rules.reply(comment, adviser, body="Thank you. How often will you check?")
    db.session.flush()
    assert rules.awaiting(comment) == rules.Awaiting.SCHOOL
    with pytest.raises(RuleBroken) as empty:
        rules.reply(comment, head, body="\n ")
    assert (empty.value.message, empty.value.field) == ("Enter your reply", "body")

    rules.resolve(comment, adviser)
    assert comment.status == CommentStatus.RESOLVED and comment.resolved_by_id == adviser.id and comment.resolved_at
    with pytest.raises(RuleBroken, match="already resolved"):
        rules.resolve(comment, adviser)
    with pytest.raises(RuleBroken, match="reopen"):
        rules.reply(comment, head, body="One more thing")
    rules.reopen(comment, adviser)
    assert comment.status == CommentStatus.OPEN and comment.resolved_by_id is None and comment.resolved_at is None
    with pytest.raises(RuleBroken, match="already open"):
        rules.reopen(comment, adviser)
    db.session.commit()
    assert [r.body for r in rules.load_comment(plan, comment.id).replies] == [
        "Our English lead, with the deputy.", "Thank you. How often will you check?"]


def test_the_la_admin_counts_as_the_adviser_side(app, ctx, brookside):
    people = brookside["people"]
    plan, priority = _load(brookside["own"])
    comment = rules.add_comment(plan, _person("admin", people), target=priority, kind="challenge", body="Stretch this.")
    rules.reply(comment, _person("deputy", people), body="We will.")
    rules.reply(comment, _person("admin", people), body="By when?")
    db.session.flush()
    assert rules.awaiting(comment) == rules.Awaiting.SCHOOL


def test_comments_are_loaded_only_through_their_own_plan(app, ctx, brookside):
    people = brookside["people"]
    plan, priority = _load(brookside["own"])
    other_plan, other_priority = _load(brookside["other"])
    mine = rules.add_comment(plan, _person("adviser", people), target=priority, kind="question", body="Mine")
    theirs = rules.add_comment(other_plan, _person("other_adviser", people), target=other_priority, kind="question", body="Theirs")
    resolved = rules.add_comment(plan, _person("adviser", people), target=priority.actions[0], kind="praise", body="Good")
    db.session.flush()
    rules.resolve(resolved, None)
    newer = rules.add_comment(plan, _person("adviser", people), target=priority.success_criteria[0], kind="challenge", body="Newer")
    db.session.commit()
    assert rules.load_comment(plan, mine.id) is mine
    assert rules.load_comment(plan, theirs.id) is None
    assert [c.body for c in rules.comments_for_plan(plan)] == ["Newer", "Mine", "Good"]  # open first, newest first
    assert rules.find_target(plan, action=priority.actions[0].id) is priority.actions[0]
    assert rules.find_target(plan, priority=other_priority.id) is None
    assert rules.find_target(plan, priority=priority.id, action=priority.actions[0].id) is None
    assert set(rules.open_by_target(rules.comments_for_plan(plan))) == {f"priority-{priority.id}",
                                                                        f"criterion-{priority.success_criteria[0].id}"}
    assert rules.anchor_for_comment(plan, newer) == f"priority-{priority.id}"


def test_open_comments_for_each_person(app, ctx, brookside):
    people = brookside["people"]
    plan, priority = _load(brookside["own"])
    other_plan, other_priority = _load(brookside["other"])
    mine = rules.add_comment(plan, _person("adviser", people), target=priority, kind="question", body="Mine")
    rules.add_comment(other_plan, _person("other_adviser", people), target=other_priority, kind="question", body="Theirs")
    closed = rules.add_comment(plan, _person("adviser", people), target=priority.actions[0], kind="praise", body="Done")
    db.session.flush()
    rules.resolve(closed, None)
    db.session.commit()

    def bodies(key):
        return [item.comment.body for item in rules.open_comments_for(_person(key, people)).items]

    assert bodies("adviser") == ["Mine"] and bodies("head") == ["Mine"] and bodies("deputy") == ["Mine"]
    assert bodies("governor") == [] and bodies("other_adviser") == ["Theirs"]
    assert sorted(bodies("admin")) == ["Mine", "Theirs"]
    rules.reply(mine, _person("head", people), body="Answered")
    db.session.commit()
    found = rules.open_comments_for(_person("adviser", people))
    assert found.total == 1 and found.items[0].awaiting == rules.Awaiting.ADVISER
    assert rules.open_comments_for(_person("admin", people), limit=1).total == 2
    assert len(rules.open_comments_for(_person("admin", people), limit=1).items) == 1


# --- the pages -------------------------------------------------------------------------------------

def test_adviser_comments_on_a_priority_and_the_head_replies(app, client, sign_in, brookside):
    ids, people = brookside["own"], brookside["people"]
    plan_url = f"/schools/{ids['school']}/plans/{ids['plan']}"
    sign_in("adviser@example.org")
    plan_page = client.get(plan_url).get_data(as_text=True)
    for target in ("priority", "action", "criterion"):
        assert f"{_base(ids)}/new?{target}={ids[target]}" in plan_page, target

    page = client.get(f"{_base(ids)}/new?priority={ids['priority']}")
    assert page.status_code == 200
    assert "Add a comment" in text_of(page) and "Priority 1: Improve reading in key stage 2" in text_of(page)
    added = client.post(f"{_base(ids)}/new?priority={ids['priority']}",
                        data={"kind": "question", "body": "How will you know the training changed teaching?"})
    assert added.status_code == 302
    with app.app_context():
        comment = db.session.scalar(select(PlanComment))
        comment_id = comment.id
        assert comment.priority_id == ids["priority"] and comment.created_by_id == people["adviser"]
    thread_url = f"{_base(ids)}/{comment_id}"
    assert added.headers["Location"].endswith(thread_url)
    thread = client.get(thread_url)
    assert "Question added" in text_of(thread) and "Question from Priya Shah" in text_of(thread)
    assert "Waiting for the school" in text_of(thread) and "Mark as resolved" in text_of(thread)
    assert "Open question" in text_of(client.get(plan_url))

    sign_in("head@example.org")
    home = text_of(client.get("/"))
    assert "Open comments on plans" in home and "Priority 1: Improve reading in key stage 2" in home and "The school" in home
    page = client.get(thread_url)
    assert "Your reply" in text_of(page) and "Mark as resolved" not in text_of(page)
    replied = client.post(f"{thread_url}/reply", data={"body": "Through book looks and lesson visits each half term."})
    assert replied.status_code == 302 and f"{thread_url}#reply-" in replied.headers["Location"]
    thread = text_of(client.get(thread_url))
    assert "Reply sent" in thread and "Sarah Lewis, headteacher" in thread and "Waiting for the adviser" in thread

    sign_in("adviser@example.org")
    assert "The adviser" in text_of(client.get("/"))
    index = text_of(client.get(_base(ids)))
    assert "Comments on the plan" in index and "Waiting for the adviser" in index


def test_comments_on_an_action_and_a_success_criterion(app, client, sign_in, brookside):
    ids = brookside["own"]
    sign_in("admin@example.org")
    for target, kind, label in (("action", "challenge", "Action: Train staff in guided reading"),
                                ("criterion", "praise", "Success criterion: 85% of year 6 reach the expected standard")):
        response = client.post(f"{_base(ids)}/new?{target}={ids[target]}", data={"kind": kind, "body": f"About the {target}"})
        assert response.status_code == 302, target
        thread = text_of(client.get(response.headers["Location"]))
        assert label in thread and f"About the {target}" in thread and "Alex Morgan, local authority" in thread
    with app.app_context():
        comments = db.session.scalars(select(PlanComment).order_by(PlanComment.id)).all()
        assert [(c.action_id, c.criterion_id, c.kind) for c in comments] == [
            (ids["action"], None, CommentKind.CHALLENGE), (None, ids["criterion"], CommentKind.PRAISE)]


def test_mistakes_are_explained_and_nothing_typed_is_lost(app, client, sign_in, brookside):
    ids = brookside["own"]
    sign_in("adviser@example.org")
    url = f"{_base(ids)}/new?action={ids['action']}"
    no_body = client.post(url, data={"kind": "challenge", "body": ""})
    assert no_body.status_code == 200
    assert "There is a problem" in text_of(no_body) and "Enter your comment" in text_of(no_body)
    html = no_body.get_data(as_text=True)
    challenge = html[html.rindex("<input", 0, html.index('value="challenge"')):]
    assert "checked" in challenge[:challenge.index(">")]

    no_kind = client.post(url, data={"body": "Is one training session enough to change practice?"})
    assert no_kind.status_code == 200 and "Choose question, challenge or praise" in text_of(no_kind)
    assert "Is one training session enough to change practice?" in no_kind.get_data(as_text=True)

    blank = client.post(url, data={"kind": "question", "body": "   "})
    assert blank.status_code == 200 and "Enter your comment" in text_of(blank)
    with app.app_context():
        assert db.session.scalar(select(PlanComment)) is None

    comment_id = _comment_by_rules(app, ids, brookside["people"])
    sign_in("head@example.org")
    long_reply = "We will check. " * 700
    refused = client.post(f"{_base(ids)}/{comment_id}/reply", data={"body": long_reply})
    assert refused.status_code == 200 and "Reply must be 10,000 characters or fewer" in text_of(refused)
    assert long_reply.strip() in refused.get_data(as_text=True)
    empty = client.post(f"{_base(ids)}/{comment_id}/reply", data={"body": ""})
    assert empty.status_code == 200 and "Enter your reply" in text_of(empty)
    with app.app_context():
        assert db.session.scalar(select(CommentReply)) is None


def test_adviser_resolves_and_reopens(app, client, sign_in, brookside):
    ids, people = brookside["own"], brookside["people"]
    comment_id = _comment_by_rules(app, ids, people)
    thread_url = f"{_base(ids)}/{comment_id}"
    sign_in("head@example.org")
    assert client.post(f"{thread_url}/resolve").status_code == 403
    sign_in("adviser@example.org")
    resolved = client.post(f"{thread_url}/resolve")
    assert resolved.status_code == 302 and resolved.headers["Location"].endswith(thread_url)
    page = text_of(client.get(thread_url))
    assert "Comment resolved" in page and "Resolved by Priya Shah" in page and "Reopen this comment" in page
    assert "Open comments on plans" not in text_of(client.get("/"))
    again = client.post(f"{thread_url}/resolve")
    assert again.status_code == 302 and "already resolved" in text_of(client.get(thread_url))

    sign_in("head@example.org")
    assert "Open comments on plans" not in text_of(client.get("/"))
    assert "Your reply" not in text_of(client.get(thread_url))
    late = client.post(f"{thread_url}/reply", data={"body": "One more thing"})
    assert late.status_code == 200 and "The adviser can reopen it" in text_of(late)

    sign_in("adviser@example.org")
    assert client.post(f"{thread_url}/reopen").status_code == 302
    page = text_of(client.get(thread_url))
    assert "Comment reopened" in page and "Mark as resolved" in page
    with app.app_context():
        comment = db.session.get(PlanComment, comment_id)
        assert comment.status == CommentStatus.OPEN and comment.resolved_by_id is None


def test_every_change_is_in_the_audit_log(app, client, sign_in, brookside):
    ids, people = brookside["own"], brookside["people"]
    sign_in("adviser@example.org")
    client.post(f"{_base(ids)}/new?criterion={ids['criterion']}", data={"kind": "question", "body": "What is the baseline?"})
    with app.app_context():
        comment_id = db.session.scalar(select(PlanComment.id))
    sign_in("deputy@example.org")
    client.post(f"{_base(ids)}/{comment_id}/reply", data={"body": "62% last summer."})
    sign_in("adviser@example.org")
    client.post(f"{_base(ids)}/{comment_id}/resolve")
    client.post(f"{_base(ids)}/{comment_id}/reopen")
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.record_type.in_(["plan_comment", "comment_reply"]))
                                    .order_by(AuditEvent.id)).all()
        assert [(e.action, e.user_id) for e in events] == [
            ("plan_comment.created", people["adviser"]), ("comment_reply.created", people["deputy"]),
            ("plan_comment.updated", people["adviser"]), ("plan_comment.updated", people["adviser"])]
        assert {e.school_id for e in events} == {ids["school"]}
        assert events[2].changes["status"] == ["open", "resolved"] and events[3].changes["status"] == ["resolved", "open"]


def test_governor_reads_but_does_not_post(app, client, sign_in, brookside):
    ids = brookside["own"]
    comment_id = _comment_by_rules(app, ids, brookside["people"])
    sign_in("governor@example.org")
    assert client.get(_base(ids)).status_code == 200
    thread = client.get(f"{_base(ids)}/{comment_id}")
    assert thread.status_code == 200 and "How will you know the training changed teaching?" in text_of(thread)
    assert "Your reply" not in text_of(thread) and "Mark as resolved" not in text_of(thread)
    assert "/comments/new?" not in client.get(f"/schools/{ids['school']}/plans/{ids['plan']}").get_data(as_text=True)
    assert client.post(f"{_base(ids)}/{comment_id}/reply", data={"body": "Governors ask too"}).status_code == 403
    assert client.get(f"{_base(ids)}/new?priority={ids['priority']}").status_code == 403
    assert client.post(f"{_base(ids)}/{comment_id}/resolve").status_code == 403
    assert "Open comments on plans" not in text_of(client.get("/"))
    with app.app_context():
        assert db.session.scalar(select(CommentReply)) is None


def test_another_schools_adviser_gets_not_found(app, client, sign_in, brookside):
    ids = brookside["own"]
    comment_id = _comment_by_rules(app, ids, brookside["people"])
    sign_in("adviser@kingsway.example.org")
    assert client.get(_base(ids)).status_code == 404
    assert client.get(f"{_base(ids)}/{comment_id}").status_code == 404
    assert client.get(f"{_base(ids)}/new?priority={ids['priority']}").status_code == 404
    assert client.post(f"{_base(ids)}/{comment_id}/reply", data={"body": "Hello"}).status_code == 404
    assert client.post(f"{_base(ids)}/{comment_id}/resolve").status_code == 404
    assert "Open comments on plans" not in text_of(client.get("/"))


def test_ids_from_another_plan_or_school_are_not_found(app, client, sign_in, brookside):
    own, other, people = brookside["own"], brookside["other"], brookside["people"]
    with app.app_context():  # a second plan at the same school, with its own comment
        school = db.session.get(School, own["school"])
        second = plan_rules.create_plan(school, None, kind=PlanKind.STATEMENT_OF_ACTION, title="Statement of Action",
                                        academic_year=db.session.scalar(select(AcademicYear)))
        second_priority = plan_rules.save_priority(second, None, title="Safeguarding records", description="")
        db.session.flush()
        second_comment = rules.add_comment(second, None, target=second_priority, kind="question", body="Second plan")
        db.session.commit()
        second_ids = {"comment": second_comment.id, "priority": second_priority.id}
    other_comment = _comment_by_rules(app, other, people)
    sign_in("adviser@example.org")
    for comment_id in (second_ids["comment"], other_comment, 999999):
        assert client.get(f"{_base(own)}/{comment_id}").status_code == 404
        assert client.post(f"{_base(own)}/{comment_id}/reply", data={"body": "Hi"}).status_code == 404
        assert client.post(f"{_base(own)}/{comment_id}/resolve").status_code == 404
    for query in (f"priority={second_ids['priority']}", f"action={other['action']}", f"criterion={other['criterion']}",
                  "priority=abc", f"priority={own['priority']}&action={own['action']}"):
        assert client.get(f"{_base(own)}/new?{query}").status_code == 404, query
        assert client.post(f"{_base(own)}/new?{query}", data={"kind": "question", "body": "Hi"}).status_code == 404, query
    assert client.get(f"/schools/{own['school']}/plans/{other['plan']}/comments").status_code == 404
    without_target = client.get(f"{_base(own)}/new")
    assert without_target.status_code == 302 and without_target.headers["Location"].endswith(f"/plans/{own['plan']}")
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(PlanComment)) == 2


def _school_with_comments(app, world, adviser_id, n, comments=2):
    """Another school the adviser advises, with a head, a plan and ``comments`` open comments, each answered once."""
    school = world.school(f"School {n}")
    head = world.user(f"head{n}@example.org", roles=[(school, Role.HEADTEACHER)])
    ids = _plan_for(app, school)
    with app.app_context():
        db.session.add(SchoolRole(user_id=adviser_id, school_id=school, role=Role.ADVISER))
        db.session.flush()
        plan, priority = _load(ids)
        for number in range(comments):
            comment = rules.add_comment(plan, db.session.get(User, adviser_id), target=priority, kind="question",
                                        body=f"Question {number}")
            rules.reply(comment, db.session.get(User, head), body="An answer")
        db.session.commit()


def _home_queries(app, client):
    return statements_behind(app, client, "/")


def test_home_page_queries_do_not_grow_with_schools_or_comments(app, client, world, sign_in, year):
    adviser = world.user("adviser@example.org", "Priya Shah")
    world.user("admin@example.org", is_la_admin=True)
    _school_with_comments(app, world, adviser, 1)
    sign_in("adviser@example.org")
    few = _home_queries(app, client)
    for n in range(2, 8):
        _school_with_comments(app, world, adviser, n, comments=3)
    page = text_of(client.get("/"))
    assert "School 7" in page and "Question 2" not in page  # the home page shows what the comment is on, not its text
    assert _home_queries(app, client) == few
    sign_in("admin@example.org")
    admin_many = _home_queries(app, client)
    _school_with_comments(app, world, adviser, 8, comments=5)
    assert _home_queries(app, client) == admin_many


def test_home_page_shows_the_most_recent_open_comments_and_how_many_more(app, client, world, sign_in, year):
    adviser = world.user("adviser@example.org", "Priya Shah")
    _school_with_comments(app, world, adviser, 1, comments=rules.HOME_LIMIT + 2)
    sign_in("adviser@example.org")
    page = text_of(client.get("/"))
    assert f"These are the {rules.HOME_LIMIT} most recently active of {rules.HOME_LIMIT + 2} open comments" in page


def test_plan_page_queries_do_not_grow_with_comments(app, client, sign_in, brookside):
    ids, people = brookside["own"], brookside["people"]
    _comment_by_rules(app, ids, people)
    sign_in("adviser@example.org")
    plan_url = f"/schools/{ids['school']}/plans/{ids['plan']}"

    def plan_page_queries():
        return statements_behind(app, client, plan_url)

    one = plan_page_queries()
    with app.app_context():
        plan, priority = _load(ids)
        for target in (priority, priority.actions[0], priority.success_criteria[0]) * 2:
            comment = rules.add_comment(plan, _person("adviser", people), target=target, kind="challenge", body="More")
            rules.reply(comment, _person("head", people), body="Answer")
        db.session.commit()
    assert plan_page_queries() == one
    assert "All comments on this plan (7)" in text_of(client.get(plan_url))
