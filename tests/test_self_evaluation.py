"""Self-evaluation: the school's judgements, the adviser's validation, the rules between them."""

from datetime import date
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from portal.audit import AuditEvent
from portal.auth.models import User
from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.frameworks import rules as framework_rules
from portal.frameworks.models import VersionStatus
from portal.frameworks.ready_made import build_demo_frameworks
from portal.schools.models import Role, School
from portal.self_evaluation import rules
from portal.self_evaluation.models import AreaJudgement, EvaluationStatus, SelfEvaluation
from tests.conftest import text_of


@pytest.fixture
def frameworks(app):
    with app.app_context():
        current, legacy = build_demo_frameworks()
        db.session.commit()
        return current.id, legacy.id


@pytest.fixture
def brookside(world, frameworks):
    """A primary school with a headteacher, a senior leader, an adviser and a chair of governors."""
    school = world.school("Brookside Primary School", phase="Primary")
    people = {
        "head": world.user("head@example.org", "Sarah Lewis", roles=[(school, Role.HEADTEACHER)]),
        "deputy": world.user("deputy@example.org", "Imran Ali", roles=[(school, Role.SENIOR_LEADER)]),
        "adviser": world.user("adviser@example.org", "Priya Shah", roles=[(school, Role.ADVISER)]),
        "chair": world.user("chair@example.org", "Margaret Dunn", roles=[(school, Role.CHAIR_OF_GOVERNORS)]),
    }
    return school, people


def _complete(evaluation, user, grade_position=3):
    grades = evaluation.version.scale.grades
    for judgement in evaluation.judgements:
        rules.save_judgement(judgement, user, grade_id=grades[grade_position - 1].id, strengths="Strong reading.",
                             areas_for_development="Maths fluency.", evidence="Book looks.", revision=judgement.revision)
    if evaluation.version.has_safeguarding:
        rules.save_safeguarding(evaluation, met=True, note="SCR checked.")


# --- rules -------------------------------------------------------------------------

def test_areas_follow_the_schools_phase(ctx, world, frameworks):
    primary = db.session.get(School, world.school("Primary", phase="Primary"))
    secondary = db.session.get(School, world.school("Secondary", phase="Secondary"))
    version = framework_rules.current_version()
    keys = lambda e: {j.area.key for j in e.judgements}  # noqa: E731
    primary_evaluation = rules.start(primary, version, None, "Autumn 2026")
    secondary_evaluation = rules.start(secondary, version, None, "Autumn 2026")
    assert "early-years" in keys(primary_evaluation) and "sixth-form" not in keys(primary_evaluation)
    assert "sixth-form" in keys(secondary_evaluation) and "early-years" not in keys(secondary_evaluation)
    assert {"inclusion", "achievement", "leadership-governance"} <= keys(primary_evaluation)


def test_a_secondary_without_a_sixth_form_is_not_asked_about_one(ctx, world, frameworks):
    version = framework_rules.current_version()
    keys = lambda school: {area.key for area in version.areas_for_school(school)}  # noqa: E731
    eleven_to_sixteen = db.session.get(School, world.school("Oakfield High School", phase="Secondary"))
    assert "sixth-form" in keys(eleven_to_sixteen)  # not known: the phase decides
    eleven_to_sixteen.has_sixth_form = False
    assert "sixth-form" not in keys(eleven_to_sixteen)
    middle = db.session.get(School, world.school("Ashdown Middle School", phase="Middle deemed secondary"))
    middle.has_sixth_form = True
    assert "sixth-form" in keys(middle)
    evaluation = rules.start(eleven_to_sixteen, version, None, "Autumn 2026")
    assert "sixth-form" not in {j.area.key for j in evaluation.judgements}


def test_one_unfinished_self_evaluation_at_a_time(ctx, brookside):
    school = db.session.get(School, brookside[0])
    rules.start(school, framework_rules.current_version(), None, "Autumn 2026")
    db.session.flush()
    with pytest.raises(RuleBroken, match="finish that self-evaluation first"):
        rules.start(school, framework_rules.current_version(), None, "Spring 2027")


def test_grade_must_be_on_the_versions_scale(ctx, brookside, frameworks):
    school = db.session.get(School, brookside[0])
    evaluation = rules.start(school, framework_rules.current_version(), None, "Autumn 2026")
    db.session.flush()
    legacy_grade = db.session.get(framework_rules.Framework, frameworks[1]).published_version.scale.grades[0]
    judgement = evaluation.judgements[0]
    with pytest.raises(RuleBroken, match="Choose a grade from this framework's scale"):
        rules.save_judgement(judgement, None, grade_id=legacy_grade.id, strengths="", areas_for_development="", evidence="", revision=0)


def test_second_save_from_a_stale_form_is_refused(ctx, brookside):
    school = db.session.get(School, brookside[0])
    evaluation = rules.start(school, framework_rules.current_version(), None, "Autumn 2026")
    db.session.flush()
    judgement = evaluation.judgements[0]
    rules.save_judgement(judgement, None, grade_id=None, strengths="First", areas_for_development="", evidence="", revision=0)
    with pytest.raises(rules.AreaChangedElsewhere):
        rules.save_judgement(judgement, None, grade_id=None, strengths="Second", areas_for_development="", evidence="", revision=0)
    assert judgement.strengths == "First" and judgement.revision == 1


def test_status_rules_from_draft_to_validated(ctx, brookside):
    school = db.session.get(School, brookside[0])
    head, adviser = db.session.get(User, brookside[1]["head"]), db.session.get(User, brookside[1]["adviser"])
    evaluation = rules.start(school, framework_rules.current_version(), head, "Autumn 2026")
    db.session.flush()
    problems = rules.missing_for_submission(evaluation)
    assert ("safeguarding", "Say whether safeguarding is met") in problems
    assert any(message == "Choose a grade for Inclusion" for _, message in problems)
    with pytest.raises(RuleBroken):
        rules.submit(evaluation, head)
    with pytest.raises(rules.WrongStatus):
        rules.validate(evaluation, adviser, "Fine")
    _complete(evaluation, head)
    rules.submit(evaluation, head)
    db.session.commit()  # each step is its own request in real life
    assert evaluation.status == EvaluationStatus.SUBMITTED
    with pytest.raises(rules.WrongStatus):
        rules.save_judgement(evaluation.judgements[0], head, grade_id=None, strengths="x", areas_for_development="", evidence="",
                             revision=evaluation.judgements[0].revision)
    with pytest.raises(RuleBroken, match="Record your view of every area first"):
        rules.validate(evaluation, adviser, "Fine")
    first, *others = evaluation.judgements
    with pytest.raises(RuleBroken, match="Explain why"):
        rules.record_adviser_view(first, agrees=False, grade_id=evaluation.version.scale.grades[3].id, reason="")
    rules.record_adviser_view(first, agrees=False, grade_id=evaluation.version.scale.grades[3].id, reason="Over-optimistic")
    for judgement in others:
        rules.record_adviser_view(judgement, agrees=True, grade_id=None, reason="")
    rules.validate(evaluation, adviser, "Mostly accurate.", True)
    db.session.commit()
    assert evaluation.status == EvaluationStatus.VALIDATED and first.validated_grade.name == "Needs attention"
    statuses = [e.changes.get("status") for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.record_type == "self_evaluation", AuditEvent.action == "self_evaluation.updated")
        .order_by(AuditEvent.id))]
    assert ["draft", "submitted"] in statuses and ["submitted", "validated"] in statuses


def test_return_needs_comments_and_reopens_for_the_school(ctx, brookside):
    school = db.session.get(School, brookside[0])
    head = db.session.get(User, brookside[1]["head"])
    evaluation = rules.start(school, framework_rules.current_version(), head, "Autumn 2026")
    db.session.flush()
    _complete(evaluation, head)
    rules.submit(evaluation, head)
    with pytest.raises(RuleBroken, match="Tell the school what to change"):
        rules.return_to_school(evaluation, None, " ")
    rules.return_to_school(evaluation, None, "Add evidence for inclusion.")
    assert evaluation.status == EvaluationStatus.RETURNED and evaluation.is_open_to_school


def test_history_matches_areas_by_key_across_frameworks(ctx, brookside, frameworks):
    school = db.session.get(School, brookside[0])
    head = db.session.get(User, brookside[1]["head"])
    legacy_version = db.session.get(framework_rules.Framework, frameworks[1]).published_version
    older = rules.start(school, legacy_version, head, "Summer 2026")
    db.session.flush()
    _complete(older, head, grade_position=2)
    rules.submit(older, head)
    older.status = EvaluationStatus.VALIDATED
    newer = rules.start(school, framework_rules.current_version(), head, "Autumn 2026")
    db.session.flush()
    columns, rows = rules.history(rules.school_self_evaluations(school))
    assert [c.title for c in columns] == ["Summer 2026", "Autumn 2026"]
    by_key = {row.key: row for row in rows}
    assert by_key["achievement"].cells[0] is not None and by_key["achievement"].cells[1] is not None
    assert by_key["finance"].note == "Not in Autumn 2026 (retired)"
    assert by_key["inclusion"].note == "New in Autumn 2026"
    assert by_key["achievement"].title == "Achievement"  # newest title wins
    assert newer


def test_published_framework_version_cannot_be_edited(ctx, frameworks):
    version = framework_rules.current_version()
    assert version.status == VersionStatus.PUBLISHED
    with pytest.raises(framework_rules.VersionLocked):
        framework_rules.save_area(version, version.areas[0], key="inclusion", title="Changed", criteria="", phases=[], descriptors={})
    draft = framework_rules.draft_next_version(version.framework)
    db.session.flush()
    assert [a.key for a in draft.areas] == [a.key for a in version.areas]
    framework_rules.save_area(draft, draft.areas[0], key="inclusion", title="Inclusion and SEND", criteria="", phases=[], descriptors={})
    framework_rules.publish(draft, "Renamed inclusion")
    assert version.status == VersionStatus.SUPERSEDED and version.areas[0].title == "Inclusion"
    assert framework_rules.current_version() is draft


# --- pages -------------------------------------------------------------------------

def _start(client, school_id):
    response = client.post(f"/schools/{school_id}/self-evaluations/new", data={"title": "Autumn 2026"})
    assert response.status_code == 302, text_of(response)
    return response.headers["Location"]


def _evaluation(app, school_id):
    with app.app_context():
        evaluation = db.session.scalar(select(SelfEvaluation).where(SelfEvaluation.school_id == school_id))
        return evaluation.id, {j.area.key: (j.id, j.revision) for j in evaluation.judgements}, \
            {g.name: g.id for g in evaluation.version.scale.grades}


def _area_data(judgement_id, revision, grade_id, strengths="Reading is strong.", development="Maths fluency."):
    prefix = f"judgement-{judgement_id}-"
    return {prefix + "grade_id": str(grade_id) if grade_id else "", prefix + "strengths": strengths,
            prefix + "areas_for_development": development, prefix + "evidence": "Lesson visits.", prefix + "revision": str(revision)}


def test_headteacher_writes_saves_and_submits(app, client, sign_in, brookside):
    school, _ = brookside
    sign_in("head@example.org")
    edit_url = _start(client, school)
    page = text_of(client.get(edit_url))
    assert "Your self-evaluation: Autumn 2026" in page and "Early years" in page and "Sixth form" not in page
    evaluation_id, judgements, grades = _evaluation(app, school)
    judgement_id, revision = judgements["inclusion"]
    response = client.post(f"/schools/{school}/self-evaluations/{evaluation_id}/areas/{judgement_id}",
                           data=_area_data(judgement_id, revision, grades["Strong standard"]))
    assert response.status_code == 302 and response.headers["Location"].endswith("#area-inclusion")
    page = client.get(edit_url).get_data(as_text=True)
    assert "Reading is strong." in page and "Saved" in page

    submit_url = f"/schools/{school}/self-evaluations/{evaluation_id}/submit"
    response = client.post(submit_url)
    page = text_of(response)
    assert response.status_code == 200 and "There is a problem" in page
    assert "Choose a grade for Achievement" in page and "Say whether safeguarding is met" in page
    assert 'href="#area-achievement"' in response.get_data(as_text=True)
    assert "Reading is strong." in response.get_data(as_text=True)  # nothing lost

    for key, (judgement_id, revision) in judgements.items():
        if key == "inclusion":
            revision += 1
        client.post(f"/schools/{school}/self-evaluations/{evaluation_id}/areas/{judgement_id}",
                    data=_area_data(judgement_id, revision, grades["Expected standard"]))
    client.post(f"/schools/{school}/self-evaluations/{evaluation_id}/safeguarding", data={"met": "met", "note": "SCR checked."})
    response = client.post(submit_url, follow_redirects=True)
    page = text_of(response)
    assert "Autumn 2026 self-evaluation submitted to your adviser" in page and "Submitted" in page
    assert client.get(edit_url).status_code == 302  # read-only now


def test_htmx_save_returns_the_saved_line_and_new_revision(app, client, sign_in, brookside):
    school, _ = brookside
    sign_in("deputy@example.org")
    _start(client, school)
    evaluation_id, judgements, grades = _evaluation(app, school)
    judgement_id, revision = judgements["achievement"]
    response = client.post(f"/schools/{school}/self-evaluations/{evaluation_id}/areas/{judgement_id}",
                           data=_area_data(judgement_id, revision, grades["Needs attention"]), headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert f'id="saved-{judgement_id}"' in body and "Saved" in body and "Imran Ali" in body
    assert 'hx-swap-oob="true"' in body and 'value="1"' in body
    with app.app_context():
        saved = db.session.get(AreaJudgement, judgement_id)
        assert f'value="{rules.judgement_fingerprint(saved)}"' in body  # the page now stands on what was saved


def test_two_people_editing_one_area_never_overwrite_silently(app, client, sign_in, brookside):
    school, _ = brookside
    sign_in("head@example.org")
    _start(client, school)
    evaluation_id, judgements, grades = _evaluation(app, school)
    judgement_id, revision = judgements["inclusion"]
    url = f"/schools/{school}/self-evaluations/{evaluation_id}/areas/{judgement_id}"
    other = app.test_client()
    other.post("/sign-in", data={"email": "deputy@example.org", "password": "correct-horse-battery"})
    assert other.post(url, data=_area_data(judgement_id, revision, grades["Strong standard"], strengths="Deputy's words")).status_code == 302
    response = client.post(url, data=_area_data(judgement_id, revision, grades["Exceptional"], strengths="Head's words"))
    page = text_of(response)
    assert response.status_code == 200 and "Imran Ali saved Inclusion while you were editing" in page
    assert "Deputy's words" in page and "Head's words" in page
    with app.app_context():
        evaluation = db.session.get(SelfEvaluation, evaluation_id)
        assert evaluation.judgements[0].strengths in ("Deputy's words",) or any(
            j.strengths == "Deputy's words" for j in evaluation.judgements)
    # Saving again (the form now carries the current revision) replaces theirs deliberately.
    response = client.post(url, data=_area_data(judgement_id, revision + 1, grades["Exceptional"], strengths="Head's words"))
    assert response.status_code == 302


def test_adviser_validates_with_one_disagreement_and_governors_read_it(app, client, sign_in, brookside):
    school, people = brookside
    with app.app_context():
        head = db.session.get(User, people["head"])
        evaluation = rules.start(db.session.get(School, school), framework_rules.current_version(), head, "Autumn 2026")
        db.session.flush()
        _complete(evaluation, head, grade_position=2)
        rules.submit(evaluation, head)
        db.session.commit()
        evaluation_id = evaluation.id
        judgements = {j.area.key: j.id for j in evaluation.judgements}
        grades = {g.name: g.id for g in evaluation.version.scale.grades}
    sign_in("adviser@example.org")
    base = f"/schools/{school}/self-evaluations/{evaluation_id}"
    assert "Validate Autumn 2026 self-evaluation" in text_of(client.get(f"{base}/validate"))
    response = client.post(f"{base}/decision", data={"summary": "Good.", "validate_evaluation": "Mark as validated"})
    assert "Record your view of Inclusion" in text_of(response) and "Record your view of Early years" in text_of(response)
    for key, judgement_id in judgements.items():
        prefix = f"adviser-{judgement_id}-"
        data = {prefix + "agrees": "yes", prefix + "grade_id": "0", prefix + "reason": ""}
        if key == "achievement":
            data = {prefix + "agrees": "no", prefix + "grade_id": str(grades["Needs attention"]), prefix + "reason": ""}
            response = client.post(f"{base}/validate/areas/{judgement_id}", data=data)
            assert "Explain why you would grade Achievement differently" in text_of(response)
            data[prefix + "reason"] = "Over-optimistic: disadvantaged pupils' reading."
        assert client.post(f"{base}/validate/areas/{judgement_id}", data=data).status_code == 302
    response = client.post(f"{base}/decision", data={"summary": "An accurate view, except achievement.", "safeguarding_agrees": "yes",
                                                      "validate_evaluation": "Mark as validated"}, follow_redirects=True)
    page = text_of(response)
    assert "Autumn 2026 self-evaluation validated" in page and "Over-optimistic" in page
    sign_in("chair@example.org")
    page = text_of(client.get(base))
    assert "Validated" in page and "Needs attention" in page and "An accurate view, except achievement." in page
    assert client.get(f"{base}/validate").status_code == 403
    printable = text_of(client.get(f"{base}/print"))
    assert "Brookside Primary School: Autumn 2026 self-evaluation" in printable and "Over-optimistic" in printable


def test_adviser_returns_it_and_the_school_can_change_it_again(app, client, sign_in, brookside):
    school, people = brookside
    with app.app_context():
        head = db.session.get(User, people["head"])
        evaluation = rules.start(db.session.get(School, school), framework_rules.current_version(), head, "Autumn 2026")
        db.session.flush()
        _complete(evaluation, head)
        rules.submit(evaluation, head)
        db.session.commit()
        evaluation_id = evaluation.id
    sign_in("adviser@example.org")
    base = f"/schools/{school}/self-evaluations/{evaluation_id}"
    response = client.post(f"{base}/decision", data={"summary": "", "comments": "", "return_evaluation": "Return to the school"})
    assert "Tell the school what to change before you return it" in text_of(response)
    client.post(f"{base}/decision", data={"comments": "Add evidence for inclusion.", "return_evaluation": "Return to the school"})
    sign_in("head@example.org")
    page = text_of(client.get(f"{base}/edit"))
    assert "Your adviser returned this for changes" in page and "Add evidence for inclusion." in page


def test_inspections_report_card_and_legacy(app, client, sign_in, brookside):
    school, _ = brookside
    sign_in("head@example.org")
    url = f"/schools/{school}/inspections/new"
    assert client.get(url).status_code == 200
    bad = client.post(url, data={"inspected_on": ["3", "3", "2026"], "inspection_type": "Report card inspection",
                                 "legacy_grade": "Good", "safeguarding": "met"})
    assert "Inspections from 10 November 2025 have no overall grade" in text_of(bad)
    good = client.post(url, data={"inspected_on": ["3", "3", "2026"], "inspection_type": "Report card inspection",
                                  "legacy_grade": "", "area_inclusion": "Needs attention", "area_achievement": "Expected standard",
                                  "safeguarding": "met"})
    assert good.status_code == 302
    page = text_of(client.get(f"/schools/{school}/inspections"))
    assert "3 March 2026" in page and "Needs attention" in page and "Met" in page
    missing = client.post(url, data={"inspected_on": ["", "", ""], "inspection_type": ""})
    assert "Enter the date of the inspection" in text_of(missing) and "Choose the type of inspection" in text_of(missing)
    with app.app_context():
        from portal.inspections.models import Inspection

        assert db.session.scalar(select(Inspection.inspected_on)) == date(2026, 3, 3)


def test_school_page_links_self_evaluation(client, sign_in, brookside):
    school, _ = brookside
    sign_in("chair@example.org")
    page = text_of(client.get(f"/schools/{school}"))
    assert "No self-evaluation yet" in page and "All self-evaluations" in page
    page = text_of(client.get(f"/schools/{school}/self-evaluations"))
    assert "Start a self-evaluation" not in page  # governors read; leaders start


def test_home_pages_list_self_evaluations_waiting(app, client, sign_in, brookside):
    school, people = brookside
    sign_in("head@example.org")
    _start(client, school)
    assert "Finish Brookside Primary School's Autumn 2026 self-evaluation" in text_of(client.get("/"))
    with app.app_context():
        evaluation = db.session.scalar(select(SelfEvaluation))
        _complete(evaluation, db.session.get(User, people["head"]))
        rules.submit(evaluation, db.session.get(User, people["head"]))
        db.session.commit()
    assert "Self-evaluations waiting for you" not in text_of(client.get("/"))
    sign_in("adviser@example.org")
    assert "Validate Brookside Primary School's Autumn 2026 self-evaluation" in text_of(client.get("/"))


def test_history_says_what_changed_on_the_same_scale(ctx, brookside):
    school = db.session.get(School, brookside[0])
    head = db.session.get(User, brookside[1]["head"])
    version = framework_rules.current_version()
    first = rules.start(school, version, head, "Autumn 2026")
    db.session.flush()
    _complete(first, head, grade_position=4)
    first.status = EvaluationStatus.VALIDATED
    for judgement in first.judgements:
        judgement.adviser_agrees = True
    db.session.flush()
    second = rules.start(school, version, head, "Spring 2027")
    db.session.flush()
    _complete(second, head, grade_position=3)
    second.judgements[0].grade = version.scale.grades[4]
    db.session.flush()
    _, rows = rules.history(rules.school_self_evaluations(school))
    by_key = {row.key: row for row in rows}
    first_key = second.judgements[0].area.key
    other_key = next(k for k in by_key if k != first_key)
    assert by_key[first_key].changes == ["", "Worse than before"]
    assert by_key[other_key].changes == ["", "Better than before"]


# --- the whole page is one form without JavaScript ------------------------------------

class _PageForm(HTMLParser):
    """What a browser without JavaScript sends from the page's form whose action ends with ``action``."""

    def __init__(self, action):
        super().__init__()
        self.action, self.data, self._inside, self._textarea = action, {}, False, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._inside = (attrs.get("action") or "").endswith(self.action)
        elif self._inside and tag == "input" and attrs.get("name") and attrs.get("type") in ("hidden", "text", None):
            self.data[attrs["name"]] = attrs.get("value") or ""
        elif self._inside and tag == "input" and attrs.get("type") == "radio" and "checked" in attrs:
            self.data[attrs["name"]] = attrs["value"]
        elif self._inside and tag == "textarea":
            self._textarea = attrs["name"]
            self.data[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "textarea":
            text = self.data[self._textarea].replace("\r\n", "\n").removeprefix("\n")  # as a browser parses it
            self.data[self._textarea] = text.replace("\n", "\r\n")  # and sends it
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def _page_form(response, action="/edit"):
    reader = _PageForm(action)
    reader.feed(response.get_data(as_text=True))
    assert reader.data, f"no form posting to {action} on the page"
    return reader.data


def _type_into(data, judgement_id, *, grade_id=None, strengths=None, development=None):
    prefix = f"judgement-{judgement_id}-"
    if grade_id is not None:
        data[prefix + "grade_id"] = str(grade_id)
    if strengths is not None:
        data[prefix + "strengths"] = strengths
    if development is not None:
        data[prefix + "areas_for_development"] = development
    return data


def _saved(app, judgement_id):
    with app.app_context():
        judgement = db.session.get(AreaJudgement, judgement_id)
        return judgement.strengths, judgement.grade_id, judgement.revision


def test_one_save_button_saves_every_area_typed_into(app, client, sign_in, brookside):
    school, _ = brookside
    sign_in("head@example.org")
    edit_url = _start(client, school)
    evaluation_id, judgements, grades = _evaluation(app, school)
    data = _page_form(client.get(edit_url))
    _type_into(data, judgements["inclusion"][0], grade_id=grades["Strong standard"], strengths="Inclusion: SEND reviews.")
    _type_into(data, judgements["achievement"][0], strengths="Achievement: KS2 writing.\r\nSecond line.")
    _type_into(data, judgements["early-years"][0], grade_id=grades["Expected standard"], development="Early years: outdoor play.")
    data["met"] = "met"
    data[f"judgement-{judgements['achievement'][0]}-save"] = ""  # pressing Achievement's Save button
    response = client.post(edit_url, data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("#area-achievement")
    assert _saved(app, judgements["inclusion"][0])[:2] == ("Inclusion: SEND reviews.", grades["Strong standard"])
    assert _saved(app, judgements["achievement"][0])[0].splitlines() == ["Achievement: KS2 writing.", "Second line."]
    with app.app_context():
        evaluation = db.session.get(SelfEvaluation, evaluation_id)
        assert evaluation.safeguarding_met is True
        early_years = db.session.get(AreaJudgement, judgements["early-years"][0])
        assert (early_years.grade_id, early_years.areas_for_development) == (grades["Expected standard"], "Early years: outdoor play.")
        assert [j.revision for j in evaluation.judgements if j.area.key == "curriculum-teaching"] == [0]  # untouched: not saved
    page = text_of(client.get(response.headers["Location"]))
    assert "Inclusion, Achievement, Early years and Safeguarding saved." in page
    # Saving the page again without changes saves nothing: the revisions stay.
    response = client.post(edit_url, data=_page_form(client.get(edit_url)))
    assert response.status_code == 302 and _saved(app, judgements["inclusion"][0])[2] == 1
    assert "Everything on this page is saved." in text_of(client.get(response.headers["Location"]))


def _deputy_saves_inclusion_meanwhile(app, school, evaluation_id, judgements, grades):
    """The senior leader saves Inclusion from their own browser; returns its judgement id."""
    other = app.test_client()
    other.post("/sign-in", data={"email": "deputy@example.org", "password": "correct-horse-battery"})
    inclusion, revision = judgements["inclusion"]
    assert other.post(f"/schools/{school}/self-evaluations/{evaluation_id}/areas/{inclusion}",
                      data=_area_data(inclusion, revision, grades["Strong standard"], strengths="Deputy's words")).status_code == 302
    return inclusion


def test_a_page_save_leaves_areas_a_colleague_saved_meanwhile_alone(app, client, sign_in, brookside):
    school, _ = brookside
    sign_in("head@example.org")
    edit_url = _start(client, school)
    evaluation_id, judgements, grades = _evaluation(app, school)
    data = _page_form(client.get(edit_url))  # the head's page, opened before the deputy saves
    inclusion = _deputy_saves_inclusion_meanwhile(app, school, evaluation_id, judgements, grades)
    _type_into(data, judgements["achievement"][0], strengths="Head's achievement words")
    response = client.post(edit_url, data=data)
    assert response.status_code == 302  # no conflict: the head did not touch Inclusion
    assert _saved(app, inclusion)[0] == "Deputy's words"
    assert _saved(app, judgements["achievement"][0])[0] == "Head's achievement words"


def test_a_page_save_shows_a_colleagues_version_beside_the_typed_text_and_saves_the_rest(app, client, sign_in, brookside):
    school, _ = brookside
    sign_in("head@example.org")
    edit_url = _start(client, school)
    evaluation_id, judgements, grades = _evaluation(app, school)
    data = _page_form(client.get(edit_url))
    inclusion = _deputy_saves_inclusion_meanwhile(app, school, evaluation_id, judgements, grades)
    _type_into(data, inclusion, strengths="Head's inclusion words")
    _type_into(data, judgements["achievement"][0], strengths="Head's achievement words")
    response = client.post(edit_url, data=data)
    page = text_of(response)
    assert response.status_code == 200 and "There is a problem" in page
    assert "Imran Ali saved Inclusion while you were editing" in page
    assert "Deputy's words" in page and "Head's inclusion words" in page
    assert _saved(app, inclusion)[0] == "Deputy's words"
    assert _saved(app, judgements["achievement"][0])[0] == "Head's achievement words"  # not held back
    # The page now stands on the deputy's version: saving again replaces it, deliberately.
    response = client.post(edit_url, data=_page_form(response))
    assert response.status_code == 302 and _saved(app, inclusion)[0] == "Head's inclusion words"


def test_a_problem_in_one_area_keeps_what_was_typed_in_every_area(app, client, sign_in, brookside):
    school, _ = brookside
    sign_in("head@example.org")
    edit_url = _start(client, school)
    _, judgements, _ = _evaluation(app, school)
    data = _page_form(client.get(edit_url))
    too_long = "x" * 10_001
    _type_into(data, judgements["inclusion"][0], strengths=too_long)
    _type_into(data, judgements["achievement"][0], strengths="Achievement words")
    data["note"] = "Single central record checked."
    response = client.post(edit_url, data=data)
    html, page = response.get_data(as_text=True), text_of(response)
    assert response.status_code == 200 and "There is a problem" in page
    assert "Strengths must be 10,000 characters or fewer" in page
    assert f'href="#judgement-{judgements["inclusion"][0]}-strengths"' in html
    assert too_long in html and "Achievement words" in page and "Single central record checked." in page
    assert _saved(app, judgements["inclusion"][0])[0] == ""
    assert _saved(app, judgements["achievement"][0])[0] == "Achievement words"


def test_submit_saves_the_pages_changes_first(app, client, sign_in, brookside):
    school, _ = brookside
    sign_in("head@example.org")
    edit_url = _start(client, school)
    evaluation_id, judgements, grades = _evaluation(app, school)
    data = _page_form(client.get(edit_url))
    for judgement_id, _ in judgements.values():
        _type_into(data, judgement_id, grade_id=grades["Expected standard"], strengths="Strong.", development="Next.")
    response = client.post(f"/schools/{school}/self-evaluations/{evaluation_id}/submit", data=data)
    page = text_of(response)
    assert response.status_code == 200 and "Say whether safeguarding is met" in page
    assert "Choose a grade for" not in page  # every area was saved before the check
    data = _page_form(response)
    data["met"] = "met"
    response = client.post(f"/schools/{school}/self-evaluations/{evaluation_id}/submit", data=data, follow_redirects=True)
    assert "Autumn 2026 self-evaluation submitted to your adviser" in text_of(response)


def test_the_edit_page_is_one_form_and_htmx_still_saves_area_by_area(app, client, sign_in, brookside):
    school, _ = brookside
    sign_in("head@example.org")
    edit_url = _start(client, school)
    html = client.get(edit_url).get_data(as_text=True)
    evaluation_id, judgements, _ = _evaluation(app, school)
    assert html.count("<form") == html.count(f'action="{edit_url}"') + 1  # the page's form, and signing out
    inclusion = judgements["inclusion"][0]
    assert f'hx-post="/schools/{school}/self-evaluations/{evaluation_id}/areas/{inclusion}"' in html
    assert f'formaction="/schools/{school}/self-evaluations/{evaluation_id}/submit"' in html
    assert "Any Save button on this page saves everything you have changed" in text_of(client.get(edit_url))


# --- the adviser's validation page ---------------------------------------------------

def _submitted(app, people, school, grade_position=2):
    with app.app_context():
        head = db.session.get(User, people["head"])
        evaluation = rules.start(db.session.get(School, school), framework_rules.current_version(), head, "Autumn 2026")
        db.session.flush()
        _complete(evaluation, head, grade_position=grade_position)
        rules.submit(evaluation, head)
        db.session.commit()
        return evaluation.id, {j.area.key: j.id for j in evaluation.judgements}, {g.name: g.id for g in evaluation.version.scale.grades}


def test_what_is_still_to_do_is_recomputed_from_what_is_saved(app, client, sign_in, brookside):
    school, people = brookside
    evaluation_id, judgements, _ = _submitted(app, people, school)
    sign_in("adviser@example.org")
    base = f"/schools/{school}/self-evaluations/{evaluation_id}"
    assert "You have recorded your view of 0 of 7 areas" in text_of(client.get(f"{base}/validate"))
    response = client.post(f"{base}/decision", data={"summary": "Good.", "validate_evaluation": "Mark as validated"})
    page = text_of(response)
    assert page.count("Record your view of ") == 7 and 'value="1"' in response.get_data(as_text=True)

    def save(key, flagged=True):
        prefix = f"adviser-{judgements[key]}-"
        return client.post(f"{base}/validate/areas/{judgements[key]}", headers={"HX-Request": "true"},
                           data={prefix + "agrees": "yes", prefix + "grade_id": "0", prefix + "reason": "",
                                 "awaiting_shown": "1" if flagged else ""}).get_data(as_text=True)

    body = save("inclusion")
    assert 'id="validation-problems" hx-swap-oob="true"' in body and 'id="adviser-progress" hx-swap-oob="true"' in body
    assert "Record your view of Inclusion" not in body and body.count("Record your view of ") == 6
    assert "You have recorded your view of 1 of 7 areas" in body
    assert "validation-problems" not in save("achievement", flagged=False)  # no summary on the page: none sent
    for key in judgements:
        if key not in ("inclusion", "achievement"):
            body = save(key)
    assert "Record your view of" not in body and "You have recorded your view of every area" in body
    assert 'name="awaiting_shown" value=""' in body
    assert "You have recorded your view of every area" in text_of(client.get(f"{base}/validate"))


def test_agree_with_every_remaining_grade_leaves_a_different_grade_alone(app, client, sign_in, brookside):
    school, people = brookside
    evaluation_id, judgements, grades = _submitted(app, people, school)
    sign_in("adviser@example.org")
    base = f"/schools/{school}/self-evaluations/{evaluation_id}"
    prefix = f"adviser-{judgements['achievement']}-"
    client.post(f"{base}/validate/areas/{judgements['achievement']}", data={
        prefix + "agrees": "no", prefix + "grade_id": str(grades["Needs attention"]), prefix + "reason": "Over-optimistic."})
    assert "Agree with every remaining grade" in text_of(client.get(f"{base}/validate"))
    response = client.post(f"{base}/validate/agree-with-every-grade")
    assert response.status_code == 302 and response.headers["Location"].endswith("/validate#decision")
    page = text_of(client.get(response.headers["Location"]))
    assert "You agree with the school's grade for Inclusion, Curriculum and teaching," in page
    assert "Achievement" not in page.split("You agree with the school's grade for")[1].split(".")[0]
    assert "Agree with every remaining grade" not in page
    with app.app_context():
        evaluation = db.session.get(SelfEvaluation, evaluation_id)
        views = {j.area.key: (j.adviser_agrees, j.adviser_grade_id, j.adviser_reason) for j in evaluation.judgements}
        assert views["achievement"] == (False, grades["Needs attention"], "Over-optimistic.")
        assert all(view == (True, None, "") for key, view in views.items() if key != "achievement")
        agreed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "area_judgement.updated",
                                                             AuditEvent.user_id == people["adviser"],
                                                             AuditEvent.record_id != judgements["achievement"])).all()
        assert len(agreed) == 6 and all(e.changes["adviser_agrees"] == [None, True] for e in agreed)
    response = client.post(f"{base}/decision", data={"summary": "Accurate.", "safeguarding_agrees": "yes",
                                                      "validate_evaluation": "Mark as validated"}, follow_redirects=True)
    assert "Autumn 2026 self-evaluation validated" in text_of(response)
    assert client.post(f"{base}/validate/agree-with-every-grade").status_code == 302  # validated: refused, nothing changes


def test_agreeing_with_the_remaining_grades_needs_a_submitted_self_evaluation(ctx, brookside):
    school = db.session.get(School, brookside[0])
    evaluation = rules.start(school, framework_rules.current_version(), None, "Autumn 2026")
    db.session.flush()
    with pytest.raises(rules.WrongStatus):
        rules.agree_with_remaining_grades(evaluation)


# --- which areas apply: GIAS's statutory age range -------------------------------------

def _area_keys(school):
    return {area.key for area in framework_rules.current_version().areas_for_school(school)}


@pytest.mark.parametrize("phase, low, high, early_years", [
    ("Primary", 7, 11, False),  # a junior school
    ("Middle deemed primary", 8, 12, False),
    ("Primary", 4, 11, True),
    ("Primary", 3, 11, True),  # with a nursery class
    ("Primary", 4, 7, True),  # an infant school
    ("Nursery", 2, 5, True),
    ("All-through", 4, 18, True),
    ("Primary", None, None, True),  # not known: the phase decides, as before
    ("Secondary", None, None, False),
])
def test_early_years_follows_the_statutory_age_range(ctx, world, frameworks, phase, low, high, early_years):
    school = db.session.get(School, world.school("A School", phase=phase))
    school.statutory_low_age, school.statutory_high_age = low, high
    assert ("early-years" in _area_keys(school)) is early_years


def test_a_junior_school_is_not_asked_about_early_years(app, client, sign_in, world, frameworks):
    junior = world.school("Hillside Junior School", phase="Primary")
    world.user("head@example.org", "Sarah Lewis", roles=[(junior, Role.HEADTEACHER)])
    with app.app_context():
        db.session.get(School, junior).statutory_low_age, db.session.get(School, junior).statutory_high_age = 7, 11
        db.session.commit()
    sign_in("head@example.org")
    page = text_of(client.get(_start(client, junior)))
    assert "Inclusion" in page and "Early years" not in page
    with app.app_context():
        evaluation = db.session.scalar(select(SelfEvaluation).where(SelfEvaluation.school_id == junior))
        assert "early-years" not in {j.area.key for j in evaluation.judgements}
        assert not any("Early years" in message for _, message in rules.missing_for_submission(evaluation))


def test_an_oldest_age_of_16_means_no_sixth_form_unless_gias_says_otherwise(ctx, world, frameworks):
    school = db.session.get(School, world.school("Oakfield High School", phase="Secondary"))
    school.statutory_low_age, school.statutory_high_age = 11, 16
    assert "sixth-form" not in _area_keys(school)
    school.has_sixth_form = True  # OfficialSixthForm already said: that decides
    assert "sixth-form" in _area_keys(school)
    school.has_sixth_form, school.statutory_high_age = None, 18
    assert "sixth-form" in _area_keys(school)


def test_an_area_that_stops_applying_drops_out_of_an_open_draft(ctx, brookside):
    """GIAS corrects the age range while a draft is open: the draft stops asking, submission and validation agree."""
    school = db.session.get(School, brookside[0])
    head = db.session.get(User, brookside[1]["head"])
    evaluation = rules.start(school, framework_rules.current_version(), head, "Autumn 2026")
    db.session.flush()
    assert "early-years" in [area.key for area in rules.areas_for(evaluation)]
    school.statutory_low_age, school.statutory_high_age = 7, 11
    assert "early-years" not in [area.key for area in rules.areas_for(evaluation)]
    school.statutory_low_age = 3  # an area that was not started with is not added part-way
    school.has_sixth_form = True
    assert "sixth-form" not in [area.key for area in rules.areas_for(evaluation)]
    school.statutory_low_age = 7
    grades = evaluation.version.scale.grades
    for area in rules.areas_for(evaluation):
        judgement = evaluation.judgement_for(area)
        rules.save_judgement(judgement, head, grade_id=grades[2].id, strengths="S", areas_for_development="D", evidence="",
                             revision=judgement.revision)
    rules.save_safeguarding(evaluation, met=True, note="")
    rules.submit(evaluation, head)
    assert rules.agree_with_remaining_grades(evaluation)
    rules.validate(evaluation, None, "Accurate.", True)
    assert "early-years" not in [area.key for area in rules.areas_for(evaluation)]


def test_the_page_form_and_htmx_saves_work_with_csrf_on(app, client, sign_in, brookside):
    """With CSRF on, the page's one form carries a token for itself and one per area (no id repeats)."""
    school, _ = brookside
    sign_in("head@example.org")
    edit_url = _start(client, school)
    _, judgements, _ = _evaluation(app, school)
    app.config.update(WTF_CSRF_ENABLED=True)
    try:
        data = _page_form(client.get(edit_url))  # the checking client fails on duplicate ids
        assert "csrf_token" in data and f"judgement-{judgements['inclusion'][0]}-csrf_token" in data
        _type_into(data, judgements["inclusion"][0], strengths="With a token.")
        assert client.post(edit_url, data=data).status_code == 302
        assert _saved(app, judgements["inclusion"][0])[0] == "With a token."
        assert client.post(edit_url, data={**data, "csrf_token": "forged"}).status_code == 400
        # The scanner reports per-area forms as lacking a token (it looks for a field named csrf_token): without one,
        # whatever the prefix, the post is refused.
        tokenless = {name: value for name, value in data.items() if not name.endswith("csrf_token")}
        assert client.post(edit_url, data=tokenless).status_code == 400
    finally:
        app.config.update(WTF_CSRF_ENABLED=False)


def test_htmx_saves_safeguarding_on_its_own(app, client, sign_in, brookside):
    school, _ = brookside
    sign_in("head@example.org")
    _start(client, school)
    evaluation_id, _, _ = _evaluation(app, school)
    url = f"/schools/{school}/self-evaluations/{evaluation_id}/safeguarding"
    response = client.post(url, data={"met": "not-met", "note": "SCR gaps.", "opened": ""}, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="saved-safeguarding"' in body and "Saved." in body
    with app.app_context():
        evaluation = db.session.get(SelfEvaluation, evaluation_id)
        assert evaluation.safeguarding_met is False and evaluation.safeguarding_note == "SCR gaps."
        assert f'hx-swap-oob="true" id="opened" name="opened" type="hidden" value="{rules.safeguarding_fingerprint(evaluation)}"' in body
    response = client.post(url, data={"met": "met", "note": "x" * 10_001}, headers={"HX-Request": "true"})
    assert response.headers["HX-Retarget"] == "#safeguarding" and "must be 10,000 characters or fewer" in text_of(response)


def test_changes_sent_after_submission_are_shown_again_not_lost(app, client, sign_in, brookside):
    school, people = brookside
    sign_in("head@example.org")
    edit_url = _start(client, school)
    evaluation_id, judgements, _ = _evaluation(app, school)
    data = _page_form(client.get(edit_url))  # the deputy submits while the head is still typing
    with app.app_context():
        evaluation = db.session.get(SelfEvaluation, evaluation_id)
        _complete(evaluation, db.session.get(User, people["deputy"]))
        rules.submit(evaluation, db.session.get(User, people["deputy"]))
        db.session.commit()
    _type_into(data, judgements["inclusion"][0], strengths="Typed after it went.")
    response = client.post(edit_url, data=data)
    assert response.status_code == 200
    assert "This self-evaluation is submitted: the school can no longer change it" in text_of(response)
    assert "Typed after it went." in text_of(response)
    assert _saved(app, judgements["inclusion"][0])[0] == "Strong reading."
