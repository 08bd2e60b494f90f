"""Categorisation: the scheme as versioned data, rounds, moderation, publishing and history."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.categories import rules, schemes
from portal.categories.guard import CategoryHistoryLocked
from portal.categories.models import ChangeKind, IndicatorSource, ProposalStatus, Rating, SchoolCategory
from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.frameworks.rules import VersionLocked
from portal.reminders.models import OutboxMessage
from portal.schools.models import Role, School
from tests.categories_helpers import build_scheme, category, decide, rate_all
from tests.conftest import statements_behind, text_of

FIVE_LEVELS = [("A", "Thriving", "green", False), ("B", "Secure", "teal", False), ("C", "Light", "blue", False),
               ("D", "Focused", "orange", True), ("E", "Intensive", "red", True)]


@pytest.fixture
def people(app, world):
    """Two schools with an adviser each (one shared), leaders and governors at the first, and the LA admin."""
    first, second = world.school("Alder Primary"), world.school("Birch Academy", phase="Secondary")
    ids = {
        "first": first, "second": second,
        "adviser": world.user("adviser@example.org", "Ada Adviser", roles=[(first, Role.ADVISER), (second, Role.ADVISER)]),
        "head": world.user("head@example.org", "Hal Head", roles=[(first, Role.HEADTEACHER)]),
        "chair": world.user("chair@example.org", "Cho Chair", roles=[(first, Role.CHAIR_OF_GOVERNORS)]),
        "governor": world.user("governor@example.org", roles=[(first, Role.GOVERNOR)]),
        "admin": world.user("admin@example.org", "Lee Admin", is_la_admin=True),
        "other_adviser": world.user("other.adviser@example.org", roles=[(second, Role.ADVISER)]),
    }
    return ids


def _objects(ids):
    from portal.auth.models import User

    return {key: db.session.get(School if key in ("first", "second") else User, value) for key, value in ids.items()}


# --- the scheme ------------------------------------------------------------------------------------

def test_a_published_version_is_frozen_and_a_new_draft_copies_it(ctx):
    version = build_scheme()
    with pytest.raises(VersionLocked):
        schemes.save_category(version, None, code="4", name="Urgent", colour="red")
    draft = schemes.draft_next_version(version.scheme)
    assert [c.key for c in draft.categories] == [c.key for c in version.categories]
    schemes.save_category(draft, draft.categories[0], code="1", name="Steady and strong", colour="green")
    schemes.publish(draft, "Renamed the first category")
    db.session.flush()
    assert version.categories[0].name == "Steady"  # history keeps the version it was made under
    assert schemes.current_version().id == draft.id
    assert version.status.value == "superseded"


def test_only_one_scheme_is_in_use(ctx):
    first = build_scheme("First")
    second = build_scheme("Second")
    assert not first.scheme.is_current and second.scheme.is_current
    assert schemes.current_version().id == second.id


def test_scheme_rules_refuse_what_would_confuse_people(ctx):
    version = schemes.make_scheme("Draft").versions[0]
    schemes.save_category(version, None, code="1", name="Steady", colour="green")
    with pytest.raises(RuleBroken, match="already has the code"):
        schemes.save_category(version, None, code="1", name="Other", colour="green")
    with pytest.raises(RuleBroken, match="Choose a colour"):
        schemes.save_category(version, None, code="2", name="Other", colour="tartan")
    with pytest.raises(RuleBroken, match="at least two categories"):
        schemes.publish(version)
    with pytest.raises(RuleBroken, match="red figure must be below"):
        schemes.save_indicator(version, None, name="Attendance", source=IndicatorSource.IMPORTED, higher_is_better=True,
                               green_from=90, red_from=95)
    with pytest.raises(RuleBroken, match=r"\{head\}"):
        schemes.save_letter(version, subject="{school}", body="Dear {head}")
    with pytest.raises(RuleBroken, match="A category scheme called Draft"):
        schemes.make_scheme("Draft")


@pytest.mark.parametrize("slug", ["neutral", "birmingham", "cheshire-east", "reading", "staffordshire", "worcestershire"])
def test_every_ready_made_scheme_can_be_copied_and_published(ctx, slug):
    data = schemes.ready_made(slug)
    scheme = schemes.scheme_from_data(data, f"Our copy of {slug}")
    version = scheme.versions[0]
    schemes.publish(version)
    db.session.flush()
    assert len(version.categories) == len(data["categories"]) >= 3
    assert any(c.requires_intervention for c in version.categories)
    assert all(not schemes.unknown_placeholders(text) for text in (version.letter_subject, version.letter_body))
    assert {i.source for i in version.indicators} - {IndicatorSource.ADVISER}


# --- a round ---------------------------------------------------------------------------------------

@pytest.fixture
def round_on(ctx):
    def _start(name="Autumn", version=None):
        version = version or build_scheme()
        return rules.start_round(name=name, opens_on=clock.today(), proposals_due_on=clock.today() + timedelta(days=14))
    return _start


def test_a_round_needs_a_scheme_in_use_and_sensible_dates(ctx):
    with pytest.raises(RuleBroken, match="Choose the category scheme"):
        rules.start_round(name="Autumn", opens_on=date(2026, 10, 1), proposals_due_on=date(2026, 10, 20))
    build_scheme()
    with pytest.raises(RuleBroken, match="before the round opens"):
        rules.start_round(name="Autumn", opens_on=date(2026, 10, 20), proposals_due_on=date(2026, 10, 1))
    rules.start_round(name="Autumn", opens_on=date(2026, 10, 1), proposals_due_on=date(2026, 10, 20))
    with pytest.raises(RuleBroken, match="still open"):
        rules.start_round(name="Spring", opens_on=date(2027, 2, 1), proposals_due_on=date(2027, 2, 20))


def test_a_draft_may_be_incomplete_but_a_proposal_needs_every_rating_a_category_and_a_reason(people, round_on):
    o = _objects(people)
    autumn = round_on()
    version = autumn.version
    ratings = rate_all(version)
    ratings[version.indicators[1].id] = (None, "")
    draft = rules.save_proposal(autumn, o["first"], o["adviser"], ratings=ratings, category_id=None, reason="", submit=False)
    assert draft.status == ProposalStatus.DRAFT
    with pytest.raises(RuleBroken, match="Leadership not rated yet"):
        rules.save_proposal(autumn, o["first"], o["adviser"], ratings=ratings, category_id=None, reason="", submit=True)
    with pytest.raises(RuleBroken, match="Choose the category"):
        rules.save_proposal(autumn, o["first"], o["adviser"], ratings=rate_all(version), category_id=None, reason="x", submit=True)
    with pytest.raises(RuleBroken, match="Say why"):
        rules.save_proposal(autumn, o["first"], o["adviser"], ratings=rate_all(version),
                            category_id=category(version, "Watch").id, reason=" ", submit=True)
    sent = rules.save_proposal(autumn, o["first"], o["adviser"], ratings=rate_all(version, Rating.RED),
                               category_id=category(version, "Watch").id, reason="Outcomes fell", submit=True)
    assert sent is draft and sent.status == ProposalStatus.PROPOSED and sent.red_count == 3


def test_moderating_agrees_or_changes_with_a_reason_and_tells_the_adviser(people, round_on):
    o = _objects(people)
    autumn = round_on()
    proposal = decide(autumn, o["first"], o["adviser"], o["admin"], "Watch", agree=False)
    with pytest.raises(RuleBroken, match="Say why"):
        rules.change(autumn, o["first"], o["admin"], category_id=category(autumn.version, "Concern").id, reason="")
    changed = rules.change(autumn, o["first"], o["admin"], category_id=category(autumn.version, "Concern").id,
                           reason="Safeguarding concerns raised since")
    assert changed is proposal and proposal.status == ProposalStatus.CHANGED
    from portal.categories import notify

    db.session.flush()
    assert notify.proposal_changed(proposal) == 1
    with pytest.raises(RuleBroken, match="already moderated"):
        rules.save_proposal(autumn, o["first"], o["adviser"], ratings=rate_all(autumn.version),
                            category_id=category(autumn.version, "Watch").id, reason="Again", submit=True)
    rules.reopen(autumn, proposal)
    assert proposal.status == ProposalStatus.PROPOSED and proposal.agreed_category is None


def test_publishing_needs_every_sent_proposal_moderated_then_writes_history_and_letters(people, round_on):
    o = _objects(people)
    autumn = round_on()
    decide(autumn, o["first"], o["adviser"], o["admin"], "Concern", agree=False)
    with pytest.raises(RuleBroken, match="1 proposal"):
        rules.publish_round(autumn, o["admin"], clock.today())
    rules.agree(autumn, rules.proposal_for(autumn, o["first"]), o["admin"])
    entries = rules.publish_round(autumn, o["admin"], clock.today())
    assert [(e.school.name, e.category.name, e.kind, e.letter_sent) for e in entries] == [
        ("Alder Primary", "Concern", ChangeKind.ROUND, True)]
    assert autumn.is_published
    with pytest.raises(RuleBroken, match="published"):
        rules.change(autumn, o["second"], o["admin"], category_id=category(autumn.version, "Watch").id, reason="Late")


def test_history_is_append_only_and_changes_between_rounds_are_their_own_event(people, round_on):
    o = _objects(people)
    autumn = round_on()
    decide(autumn, o["first"], o["adviser"], o["admin"], "Steady")
    rules.publish_round(autumn, o["admin"], clock.today())
    db.session.commit()
    version = autumn.version
    with pytest.raises(RuleBroken, match="future"):
        rules.change_between_rounds(o["first"], o["admin"], category_id=category(version, "Watch").id, reason="New head",
                                    effective_on=clock.today() + timedelta(days=1), today=clock.today())
    with pytest.raises(RuleBroken, match="already in"):
        rules.change_between_rounds(o["first"], o["admin"], category_id=category(version, "Steady").id, reason="Same",
                                    effective_on=clock.today(), today=clock.today())
    entry = rules.change_between_rounds(o["first"], o["admin"], category_id=category(version, "Concern").id,
                                        reason="Inspection found safeguarding not met", effective_on=clock.today(),
                                        today=clock.today())
    db.session.commit()
    assert entry.kind == ChangeKind.BETWEEN_ROUNDS and entry.previous_category.name == "Steady" and entry.letter_sent
    assert [e.category.name for e in rules.history(o["first"])] == ["Concern", "Steady"]
    first_entry = rules.history(o["first"])[-1]
    first_entry.reason = "Rewritten"
    with pytest.raises(CategoryHistoryLocked):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(SchoolCategory, first_entry.id))
    with pytest.raises(CategoryHistoryLocked):
        db.session.flush()
    db.session.rollback()


def test_movement_compares_the_categories_order():
    class C:
        def __init__(self, position):
            self.position = position

    assert rules.movement(None, C(1)).word == "new"
    assert rules.movement(C(1), C(3)).word == "up"
    assert rules.movement(C(3), C(2)).word == "down"
    assert rules.movement(C(2), C(2)).word == "same"


# --- through the pages -----------------------------------------------------------------------------

def _start_round_through_the_page(client, sign_in, name):
    sign_in("admin@example.org")
    response = client.post("/categories/rounds/new", data={
        "name": name, "opens_on": ["25", "11", "2026"], "proposals_due_on": ["4", "12", "2026"]})
    assert response.status_code == 302, text_of(response)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def _build_through_the_pages(client, sign_in):
    """The LA admin builds a five-category scheme of their own, publishes and uses it."""
    sign_in("admin@example.org")
    response = client.post("/categories/schemes/new", data={"name": "Our five levels"})
    version_url = response.headers["Location"]
    version_id = int(version_url.rstrip("/").split("/")[-1])
    for code, name, colour, intervention in FIVE_LEVELS:
        data = {"code": code, "name": name, "colour": colour, "support_level": f"{name} support"}
        if intervention:
            data["requires_intervention"] = "y"
        assert client.post(f"/categories/versions/{version_id}/categories/new", data=data).status_code == 302
    for name, source in (("Attendance", "imported"), ("Governance", "adviser")):
        data = {"name": name, "source": source, "guidance_red": "Weak", "guidance_amber": "Mixed", "guidance_green": "Strong"}
        if source == "imported":
            data |= {"higher_is_better": "higher", "green_from": "95", "red_from": "90"}
        assert client.post(f"/categories/versions/{version_id}/indicators/new", data=data).status_code == 302
    assert client.post(f"/categories/versions/{version_id}/letter", data={
        "letter_subject": "{school}: {category}", "letter_body": "Dear {headteacher},\n\n{reason}"}).status_code == 302
    client.post(f"/categories/versions/{version_id}/publish", data={"change_note": "First version"})
    page = client.get(version_url)
    assert "Published" in text_of(page)
    from portal.categories.models import SchemeVersion

    with client.application.app_context():
        scheme_id = db.session.get(SchemeVersion, version_id).scheme_id
    client.post(f"/categories/schemes/{scheme_id}/use")
    assert "Our five levels In use" in text_of(client.get("/categories"))


@pytest.mark.parametrize("scheme", ["built in the pages", "three levels"])
def test_a_whole_round_through_the_pages(app, client, sign_in, people, scheme):
    if scheme == "three levels":
        with app.app_context():
            build_scheme()
            db.session.commit()
        intervention, steady = "3: Concern", "1: Steady"
    else:
        _build_through_the_pages(client, sign_in)
        intervention, steady = "E: Intensive", "A: Thriving"
    round_id = _start_round_through_the_page(client, sign_in, "Autumn 2026")
    with app.app_context():
        from portal.categories.rules import load_round

        version = load_round(round_id).version
        indicators = [i.id for i in version.indicators]
        by_label = {c.label: c.id for c in version.categories}

    # The school sees nothing of a round before it is published.
    sign_in("head@example.org")
    assert client.get(f"/categories/rounds/{round_id}/schools/{people['first']}").status_code == 403
    assert "not been categorised yet" in text_of(client.get(f"/categories/schools/{people['first']}"))

    # The adviser proposes: a refusal keeps what was typed.
    sign_in("adviser@example.org")
    assert "Alder Primary" in text_of(client.get(f"/categories/rounds/{round_id}/my-schools"))
    form = {f"rating_{indicators[0]}": "red", f"note_{indicators[0]}": "Attendance is falling",
            "category_id": str(by_label[intervention]), "reason": "Attendance and leadership", "send": "y"}
    refused = client.post(f"/categories/rounds/{round_id}/schools/{people['first']}/propose", data=form)
    assert refused.status_code == 200
    assert "not rated yet" in text_of(refused) and "Attendance is falling" in refused.get_data(as_text=True)
    for indicator in indicators[1:]:
        form[f"rating_{indicator}"] = "amber"
    assert client.post(f"/categories/rounds/{round_id}/schools/{people['first']}/propose", data=form).status_code == 302
    # Not for a school they do not advise.
    assert client.get(f"/categories/rounds/{round_id}/schools/{people['second'] + 999}/propose").status_code == 404

    # The LA admin agrees one, decides another, publishes.
    sign_in("admin@example.org")
    page = text_of(client.get(f"/categories/rounds/{round_id}"))
    assert "Alder Primary" in page and "Waiting for moderation" in page
    assert client.post(f"/categories/rounds/{round_id}/schools/{people['first']}/agree").status_code == 302
    refused = client.post(f"/categories/rounds/{round_id}/schools/{people['second']}/moderate",
                          data={"decision": "change", "category_id": str(by_label[steady]), "reason": ""})
    assert "Say why" in text_of(refused)
    client.post(f"/categories/rounds/{round_id}/schools/{people['second']}/moderate",
                data={"decision": "change", "category_id": str(by_label[steady]), "reason": "Strong results"})
    assert "Tick to confirm" in text_of(client.post(f"/categories/rounds/{round_id}/publish", data={}))
    published = client.post(f"/categories/rounds/{round_id}/publish", data={"confirm": "y"}, follow_redirects=True)
    assert "is published: 2 schools" in text_of(published)

    # The school now sees its category, the ratings and the letter; the letter went to the head and chair.
    sign_in("governor@example.org")
    history = text_of(client.get(f"/categories/schools/{people['first']}"))
    assert intervention in history and "Attendance and leadership" in history and "Attendance is falling" in history
    with app.app_context():
        entry = db.session.scalar(select(SchoolCategory).where(SchoolCategory.school_id == people["first"]))
        letters = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "category-letter")).all()
        told = db.session.scalars(select(OutboxMessage.recipient_email).where(OutboxMessage.kind == "category-published")).all()
    assert sorted(m.recipient_email for m in letters) == ["chair@example.org", "head@example.org"]
    assert "Alder Primary" in letters[0].text_body
    assert {"head@example.org", "chair@example.org", "governor@example.org"} <= set(told)
    letter = text_of(client.get(f"/categories/schools/{people['first']}/letters/{entry.id}"))
    assert "Alder Primary" in letter
    # Another school's governor sees nothing of it.
    assert client.get(f"/categories/schools/{people['second']}").status_code == 404


def test_the_la_admin_changes_a_category_between_rounds(app, client, sign_in, people):
    with app.app_context():
        version = build_scheme()
        db.session.commit()
        concern = category(version, "Concern").id
    sign_in("admin@example.org")
    url = f"/categories/schools/{people['first']}/change"
    refused = client.post(url, data={"category_id": str(concern), "reason": "", "effective_on": ["25", "11", "2026"]})
    assert "Say why the category changes" in text_of(refused)
    response = client.post(url, data={"category_id": str(concern), "reason": "Inspection: safeguarding not met",
                                      "effective_on": ["25", "11", "2026"]},
                           follow_redirects=True)
    assert "now in 3: Concern" in text_of(response) and "Changed between rounds" in text_of(response)
    sign_in("head@example.org")
    assert client.get(url).status_code == 403


def test_the_moderation_page_runs_the_same_statements_for_any_number_of_schools(app, client, sign_in, world, people):
    with app.app_context():
        version = build_scheme()
        autumn = rules.start_round(name="Autumn", opens_on=clock.today(), proposals_due_on=clock.today())
        db.session.commit()
        round_id = autumn.id
    sign_in("admin@example.org")

    def statements_with(extra):
        school_ids = [world.school(f"School {extra}-{n}") for n in range(extra)]
        with app.app_context():
            from portal.auth.models import User
            from portal.schools.models import SchoolRole

            adviser = db.session.get(User, people["adviser"])
            autumn_round = rules.load_round(round_id)
            for n, school_id in enumerate(school_ids):
                school = db.session.get(School, school_id)
                db.session.add(SchoolRole(user=adviser, school=school, role=Role.ADVISER))
                db.session.flush()
                decide(autumn_round, school, adviser, db.session.get(User, people["admin"]), "Watch", agree=n % 2 == 0)
            db.session.commit()
        return statements_behind(app, client, f"/categories/rounds/{round_id}?sort=red")

    assert statements_with(3) == statements_with(30)
    assert version is not None


def _proposed(app, people, category_name):
    """A round on a scheme in use, with the adviser's proposal for the first school waiting for moderation."""
    with app.app_context():
        build_scheme()
        autumn = rules.start_round(name="Autumn", opens_on=clock.today(), proposals_due_on=clock.today())
        o = _objects(people)
        decide(autumn, o["first"], o["adviser"], o["admin"], category_name, agree=False)
        db.session.commit()
        return autumn.id


def test_htmx_agree_returns_just_the_row(app, client, sign_in, people):
    round_id = _proposed(app, people, "Watch")
    sign_in("admin@example.org")
    response = client.post(f"/categories/rounds/{round_id}/schools/{people['first']}/agree", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith("<tr") and "Agreed" in html


def test_the_moderation_table_filters_and_sorts(app, client, sign_in, people):
    round_id = _proposed(app, people, "Concern")
    with app.app_context():
        urn = db.session.get(School, people["second"]).urn
    sign_in("admin@example.org")
    url = f"/categories/rounds/{round_id}"

    def schools(query):
        page = text_of(client.get(f"{url}?{query}"))
        return [name for name in ("Alder Primary", "Birch Academy") if f"{name} " in page]

    assert schools("") == ["Alder Primary", "Birch Academy"]
    assert schools("phase=Secondary") == ["Birch Academy"]
    assert schools(f"q={urn}") == ["Birch Academy"]
    assert schools("q=alder") == ["Alder Primary"]
    assert schools("state=not-proposed") == ["Birch Academy"]
    assert schools("movement=new") == ["Alder Primary"]
    assert schools(f"adviser={people['other_adviser']}") == ["Birch Academy"]
    concern = text_of(client.get(f"{url}?category=3"))
    assert "Alder Primary" in concern and "Birch Academy " not in concern
    rows = client.get(f"{url}?q=a", headers={"HX-Request": "true", "HX-Target": "moderation-rows"}).get_data(as_text=True)
    assert rows.lstrip().startswith('<div id="moderation-rows">')


def test_scheme_pages_refuse_bad_input_and_keep_what_was_typed(app, client, sign_in, people):
    with app.app_context():
        version = schemes.make_scheme("Draft scheme").versions[0]
        db.session.commit()
        version_id = version.id
    sign_in("admin@example.org")
    base = f"/categories/versions/{version_id}"
    for page in ("/categories/new", "/indicators/new", "/letter", ""):
        assert client.get(base + page).status_code == 200
    refused = client.post(f"{base}/indicators/new", data={
        "name": "Attendance", "source": "imported", "higher_is_better": "higher", "green_from": "90", "red_from": "96%"})
    assert "red figure must be below" in text_of(refused) and 'value="96%"' in refused.get_data(as_text=True)
    refused = client.post(f"{base}/indicators/new", data={"name": "Attendance", "source": "imported", "green_from": "lots"})
    assert "Green at must be a number" in text_of(refused) and 'value="lots"' in refused.get_data(as_text=True)
    refused = client.post(f"{base}/letter", data={"letter_subject": "{school}", "letter_body": "Dear {head},"})
    assert "{head}" in text_of(refused) and "Dear {head}," in refused.get_data(as_text=True)
    refused = client.post(f"{base}/categories/new", data={"code": "", "name": "Steady", "colour": "green"})
    assert "Enter the category's code" in text_of(refused) and 'value="Steady"' in refused.get_data(as_text=True)
    # Copy a ready-made scheme: its name must not clash.
    refused = client.post("/categories/ready-made/1", data={"name": "Draft scheme"})
    assert "already exists" in text_of(refused)
    copied = client.post("/categories/ready-made/1", data={"name": "Our scheme"}, follow_redirects=True)
    assert "Our scheme is ready to change" in text_of(copied)


def test_the_moderation_table_downloads_as_filtered(app, client, sign_in, people):
    import io

    import openpyxl

    round_id = _proposed(app, people, "Concern")
    sign_in("admin@example.org")
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(f"/categories/rounds/{round_id}/moderation.xlsx?state=proposed").data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Autumn moderation" and values[2][0] == "Filters: Status: Waiting for moderation"
    assert [row[0] for row in values[5:]] == ["Alder Primary"] and values[5][5] == "3: Concern"
    text = client.get(f"/categories/rounds/{round_id}/moderation.csv?q=birch").get_data(as_text=True)
    assert "Name or URN: birch" in text and "Birch Academy" in text and "Alder Primary" not in text
    sign_in("adviser@example.org")
    assert client.get(f"/categories/rounds/{round_id}/moderation.csv").status_code == 403


def test_the_moderation_table_pages_keep_the_round(app, client, sign_in, people, monkeypatch):
    round_id = _proposed(app, people, "Watch")
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    sign_in("admin@example.org")
    page = client.get(f"/categories/rounds/{round_id}?sort=name").get_data(as_text=True)
    assert f'href="/categories/rounds/{round_id}?sort=name&amp;page=2"' in page
    assert "Birch Academy" in text_of(client.get(f"/categories/rounds/{round_id}?sort=name&page=2"))


def test_a_change_that_lost_a_race_says_so_and_saves_nothing(app, client, sign_in, people):
    """Two LA admins edit one draft: the other removes a category just before this one's move is written. This one
    gets a page saying what happened (409), not a server error, and nothing of the move is saved. (The removal runs
    on the request's own connection, just before its flush: on SQLite a second connection would wait for the lock.)"""
    from sqlalchemy import delete, event
    from sqlalchemy.orm import Session

    from portal.categories.models import Category

    with app.app_context():
        draft = schemes.draft_next_version(build_scheme(use=False).scheme)
        db.session.commit()
        draft_id, (first, second, third) = draft.id, [c.id for c in draft.categories]

    removed = []

    def the_other_admin_removes_it_first(session, flush_context, instances):
        if not removed and any(isinstance(row, Category) for row in session.dirty):
            removed.append(second)
            session.connection().execute(delete(Category).where(Category.id == second))

    sign_in("admin@example.org")
    event.listen(Session, "before_flush", the_other_admin_removes_it_first)
    try:
        response = client.post(f"/categories/versions/{draft_id}/categories/{first}/move-1")
    finally:
        event.remove(Session, "before_flush", the_other_admin_removes_it_first)
    assert removed and response.status_code == 409
    assert "Someone else changed this at the same time" in text_of(response) and "Nothing you just did was saved" in text_of(response)
    with app.app_context():
        assert [(c.id, c.position) for c in db.session.get(type(draft), draft_id).categories] == [(first, 1), (second, 2), (third, 3)]


def test_the_usual_moderation_view_pages_in_sql_in_the_order_every_other_view_sorts(app, world, people):
    """By name with no filter on the rows, the moderation table counts and cuts its page in the database; names with
    accents, capitals and punctuation come in the order the in-memory sorts (and so the downloads) list them, on
    SQLite and PostgreSQL alike, and each page's rows carry their proposal."""
    from portal.categories.round_views import _moderation_page, _moderation_table

    round_id = _proposed(app, people, "Concern")
    for name in ("École du Parc", "eden Primary", "St Mary's", "Stanley Park", "St. Anne's", "Ångström Academy",
                 "saint Helen's"):
        world.school(name)
    with app.test_request_context():
        autumn = rules.load_round(round_id)
        first = _moderation_page(autumn, {}, 1, 3)
        pages = [first] + [_moderation_page(autumn, {}, number, 3) for number in range(2, first.pages + 2)]
        in_memory = _moderation_table(autumn, {"sort": "name"})
        by_state = _moderation_page(autumn, {"state": "proposed"}, 1, 3)
        by_name = _moderation_page(autumn, {"q": "st"}, 1, 50)
    paged = [row.school.name for page in pages for row in page.items]
    assert paged == [row.school.name for row in in_memory] == sorted(paged, key=str.casefold)
    assert first.total == len(paged) and pages[-1].items == []
    assert {row.school.name: row.state for page in pages for row in page.items}["Alder Primary"] == "proposed"
    assert [row.school.name for row in by_state.items] == ["Alder Primary"] and by_state.total == 1
    assert [row.school.name for row in by_name.items] == ["St Mary's", "St. Anne's", "Stanley Park", "Ångström Academy"]
