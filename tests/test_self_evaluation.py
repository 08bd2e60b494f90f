"""Self-evaluation: the school's judgements, the adviser's validation, the rules between them."""

from datetime import date

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
from portal.self_evaluation.models import EvaluationStatus, SelfEvaluation
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
    assert "Record your view of every area first" in text_of(response)
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
