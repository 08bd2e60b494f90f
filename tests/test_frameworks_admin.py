"""The LA admin maintaining grading scales and versioned self-evaluation frameworks through the pages."""

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.frameworks.models import EvaluationArea, Framework, FrameworkVersion, GradingScale, VersionStatus
from portal.frameworks.ready_made import FOUR_POINT_SCALE, REPORT_CARD_SCALE, ensure_ready_made_scales
from portal.frameworks.rules import make_framework, publish, save_area
from portal.schools.models import Role
from tests.conftest import text_of

BASE = "/admin/frameworks"


@pytest.fixture
def admin(world, sign_in):
    user_id = world.user("admin@example.org", "Alex Morgan", is_la_admin=True)
    sign_in("admin@example.org")
    return user_id


def _framework(app, name="Our framework", *, published=False, areas=(("inclusion", "Inclusion"),), scale_name=None):
    """A framework on a ready-made scale with ``areas``; ids of the framework, its version and areas."""
    with app.app_context():
        scales = ensure_ready_made_scales()
        scale = scales[scale_name or REPORT_CARD_SCALE[0]]
        framework = make_framework(name, scale, "A test framework.")
        version = framework.versions[0]
        db.session.flush()
        area_ids = []
        for key, title in areas:
            descriptors = {grade.id: f"{grade.name} in {title}." for grade in scale.grades}
            area = save_area(version, None, key=key, title=title, criteria=f"Criteria for {title}.", phases=[], descriptors=descriptors)
            db.session.flush()
            area_ids.append(area.id)
        if published:
            publish(version, "First version.")
        db.session.commit()
        return {"framework": framework.id, "version": version.id, "areas": area_ids, "grades": [g.id for g in scale.grades]}


def _scale_rows(rows):
    data = {}
    for number, (name, descriptor, colour, concern) in enumerate(rows, start=1):
        data[f"grade_{number}_name"] = name
        data[f"grade_{number}_descriptor"] = descriptor
        data[f"grade_{number}_colour"] = colour
        if concern:
            data[f"grade_{number}_is_concern"] = "y"
    return data


def _area_data(grades, key="curriculum-teaching", title="Curriculum and teaching", phases=(), **overrides):
    data = {"key": key, "title": title, "criteria": "How well the curriculum is planned.", "phases": list(phases)}
    data.update({f"descriptor_{grade_id}": f"Descriptor {position}" for position, grade_id in enumerate(grades, start=1)})
    data.update(overrides)
    return data


# --- index and scales ---------------------------------------------------------------

def test_index_lists_frameworks_versions_and_scales(app, client, admin):
    ids = _framework(app, "Report card self-evaluation", published=True)
    response = client.get(BASE)
    assert response.status_code == 200
    page = text_of(response)
    assert "Report card self-evaluation" in page and "Version 1" in page and "Published" in page
    html = response.get_data(as_text=True)
    assert f'href="{BASE}/versions/{ids["version"]}"' in html
    assert 'class="govuk-tag govuk-tag--green">Exceptional<' in html
    assert 'class="govuk-tag govuk-tag--red">Urgent improvement<' in html
    assert "Add the ready-made scales" not in page  # both exist already


def test_add_the_ready_made_scales(app, client, admin):
    assert "Add the ready-made scales" in text_of(client.get(BASE))
    response = client.post(f"{BASE}/scales/ready-made")
    assert response.status_code == 302
    page = text_of(client.get(BASE))
    assert REPORT_CARD_SCALE[0] in page and FOUR_POINT_SCALE[0] in page
    assert "Add the ready-made scales" not in page
    client.post(f"{BASE}/scales/ready-made")  # a second time adds nothing
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(GradingScale)) == 2


def test_add_a_scale_ignores_blank_rows(app, client, admin):
    assert client.get(f"{BASE}/scales/new").status_code == 200
    data = {"name": "Three-point scale", "description": "Simple."}
    data.update(_scale_rows([
        ("Secure", "Consistently secure.", "green", False),
        ("Developing", "Getting there.", "yellow", False),
        ("", "", "blue", False),
        ("Weak", "Needs support.", "red", True),
        ("", "", "red", False),
        ("", "", "grey", False),
    ]))
    response = client.post(f"{BASE}/scales/new", data=data)
    assert response.status_code == 302 and response.headers["Location"] == BASE
    with app.app_context():
        scale = db.session.scalar(select(GradingScale).where(GradingScale.name == "Three-point scale"))
        assert [(g.position, g.name, g.colour, g.is_concern) for g in scale.grades] == [
            (1, "Secure", "green", False), (2, "Developing", "yellow", False), (3, "Weak", "red", True)]
    assert 'class="govuk-tag govuk-tag--yellow">Developing<' in client.get(BASE).get_data(as_text=True)


def test_a_scale_needs_two_grades_and_a_name(app, client, admin):
    data = {"name": "Too short"}
    data.update(_scale_rows([("Only grade", "", "green", False)] + [("", "", "grey", False)] * 5))
    response = client.post(f"{BASE}/scales/new", data=data)
    page = text_of(response)
    assert response.status_code == 200 and "There is a problem" in page
    assert "A grading scale needs at least two grades" in page
    assert 'value="Only grade"' in response.get_data(as_text=True) and 'value="Too short"' in response.get_data(as_text=True)

    data = {"name": ""}
    data.update(_scale_rows([("", "A description but no name", "green", False)] + [("", "", "grey", False)] * 5))
    page = text_of(client.post(f"{BASE}/scales/new", data=data))
    assert "Enter the grading scale's name" in page and "Enter a name for grade 1" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(GradingScale)) == 0


def test_scale_names_are_unique(app, client, admin):
    with app.app_context():
        ensure_ready_made_scales()
        db.session.commit()
    data = {"name": REPORT_CARD_SCALE[0]}
    data.update(_scale_rows([("A", "", "green", False), ("B", "", "red", True)]))
    response = client.post(f"{BASE}/scales/new", data=data)
    assert response.status_code == 200
    assert f"A grading scale called {REPORT_CARD_SCALE[0]} already exists" in text_of(response)


# --- frameworks and areas -----------------------------------------------------------

def test_add_a_framework_then_areas_with_descriptors_and_phases(app, client, admin):
    with app.app_context():
        scale_id = ensure_ready_made_scales()[FOUR_POINT_SCALE[0]].id
        db.session.commit()
    assert client.get(f"{BASE}/new").status_code == 200
    page = text_of(client.post(f"{BASE}/new", data={"name": "", "scale_id": "0"}))
    assert "Enter the framework's name" in page and "Select a grading scale" in page

    response = client.post(f"{BASE}/new", data={"name": "Trust framework", "description": "Ours.", "scale_id": str(scale_id)})
    assert response.status_code == 302
    version_url = response.headers["Location"]
    with app.app_context():
        framework = db.session.scalar(select(Framework).where(Framework.name == "Trust framework"))
        version = framework.versions[0]
        assert (version.number, version.status, version.scale_id, version.has_safeguarding) == (1, VersionStatus.DRAFT, scale_id, False)
        version_id, grades = version.id, [g.id for g in version.scale.grades]
    assert version_url == f"{BASE}/versions/{version_id}"
    page = text_of(client.get(version_url))
    assert "Trust framework, version 1" in page and "Draft" in page and "This version has no areas yet" in page

    assert client.get(f"{BASE}/versions/{version_id}/areas/new").status_code == 200
    response = client.post(f"{BASE}/versions/{version_id}/areas/new",
                           data=_area_data(grades, key="early-years", title="Early years", phases=["Nursery", "Primary"]))
    assert response.status_code == 302 and response.headers["Location"] == version_url
    response = client.post(f"{BASE}/versions/{version_id}/areas/new", data=_area_data(grades))
    assert response.status_code == 302
    page = text_of(client.get(version_url))
    assert "1. Early years" in page and "Nursery, Primary" in page
    assert "2. Curriculum and teaching" in page and "All phases" in page and "Descriptor 3" in page
    response = client.post(f"{BASE}/versions/{version_id}/areas/new",
                           data={**_area_data(grades, key="sixth-form", title="Sixth form", phases=["Secondary"]),
                                 "needs_sixth_form": "y"})
    assert response.status_code == 302
    assert "Secondary; only schools with a sixth form" in text_of(client.get(version_url))

    with app.app_context():
        area = db.session.scalar(select(EvaluationArea).where(EvaluationArea.version_id == version_id, EvaluationArea.key == "early-years"))
        area_id = area.id
        assert area.phase_list == ["Nursery", "Primary"]
        assert {d.grade_id: d.text for d in area.descriptors} == {g: f"Descriptor {n}" for n, g in enumerate(grades, start=1)}

    edit_url = f"{BASE}/versions/{version_id}/areas/{area_id}"
    response = client.get(edit_url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="early-years"' in html and 'value="Nursery" checked' in html and "Descriptor 2" in html
    response = client.post(edit_url, data=_area_data(grades, key="early-years", title="Early years provision", phases=[],
                                                     **{f"descriptor_{grades[0]}": "Exemplary early years."}))
    assert response.status_code == 302
    with app.app_context():
        area = db.session.get(EvaluationArea, area_id)
        assert area.title == "Early years provision" and area.phases == ""
        assert area.descriptor_for(area.version.scale.grades[0]) == "Exemplary early years."


def test_area_form_errors_keep_what_was_typed(app, client, admin):
    ids = _framework(app)
    url = f"{BASE}/versions/{ids['version']}/areas/new"
    response = client.post(url, data=_area_data(ids["grades"], key="Not a key!", title=""))
    page = text_of(response)
    assert response.status_code == 200 and "There is a problem" in page
    assert "Key must use lowercase letters, numbers and hyphens, like curriculum-teaching" in page
    assert "Enter the area's title" in page
    assert "Descriptor 2" in response.get_data(as_text=True)


def test_duplicate_key_in_the_same_version_is_refused(app, client, admin):
    ids = _framework(app, areas=(("inclusion", "Inclusion"), ("achievement", "Achievement")))
    response = client.post(f"{BASE}/versions/{ids['version']}/areas/new", data=_area_data(ids["grades"], key="inclusion", title="Inclusion again"))
    page = text_of(response)
    assert response.status_code == 200 and "There is a problem" in page
    assert "Another area in this version already uses the key inclusion" in page
    assert 'value="Inclusion again"' in response.get_data(as_text=True)
    response = client.post(f"{BASE}/versions/{ids['version']}/areas/{ids['areas'][1]}",
                           data=_area_data(ids["grades"], key="inclusion", title="Achievement"))
    assert "Another area in this version already uses the key inclusion" in text_of(response)
    with app.app_context():
        assert sorted(db.session.scalars(select(EvaluationArea.key).where(EvaluationArea.version_id == ids["version"]))) == ["achievement", "inclusion"]


def test_remove_an_area(app, client, admin):
    ids = _framework(app, areas=(("inclusion", "Inclusion"), ("achievement", "Achievement")))
    response = client.post(f"{BASE}/versions/{ids['version']}/areas/{ids['areas'][0]}/remove")
    assert response.status_code == 302
    with app.app_context():
        areas = db.session.get(FrameworkVersion, ids["version"]).areas
        assert [(a.key, a.position) for a in areas] == [("achievement", 1)]


def test_area_of_another_version_is_not_found(app, client, admin):
    first = _framework(app, "First")
    second = _framework(app, "Second")
    assert client.get(f"{BASE}/versions/{first['version']}/areas/{second['areas'][0]}").status_code == 404
    assert client.post(f"{BASE}/versions/{first['version']}/areas/{second['areas'][0]}/remove").status_code == 404
    assert client.get(f"{BASE}/versions/999999").status_code == 404


def test_change_a_drafts_scale_drops_old_descriptors(app, client, admin):
    ids = _framework(app)
    with app.app_context():
        four_point = db.session.scalar(select(GradingScale.id).where(GradingScale.name == FOUR_POINT_SCALE[0]))
    assert "removes every descriptor" in text_of(client.get(f"{BASE}/versions/{ids['version']}"))
    response = client.post(f"{BASE}/versions/{ids['version']}/scale", data={"scale_id": str(four_point)})
    assert response.status_code == 302
    with app.app_context():
        version = db.session.get(FrameworkVersion, ids["version"])
        assert version.scale_id == four_point and version.areas[0].descriptors == []


# --- publishing and versions --------------------------------------------------------

def test_publish_needs_an_area(app, client, admin):
    ids = _framework(app, areas=())
    response = client.post(f"{BASE}/versions/{ids['version']}/publish", data={"change_note": "First go."})
    page = text_of(response)
    assert response.status_code == 200 and "There is a problem" in page and "Add at least one area before publishing" in page
    assert "First go." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(FrameworkVersion, ids["version"]).status == VersionStatus.DRAFT


def test_publish_then_the_version_is_read_only(app, client, admin):
    ids = _framework(app)
    response = client.post(f"{BASE}/versions/{ids['version']}/publish", data={"change_note": "First version."})
    assert response.status_code == 302
    with app.app_context():
        version = db.session.get(FrameworkVersion, ids["version"])
        assert version.status == VersionStatus.PUBLISHED and version.published_at is not None and version.change_note == "First version."
    response = client.get(f"{BASE}/versions/{ids['version']}")
    page = text_of(response)
    assert "Published" in page and "cannot be changed" in page and "Start a new draft version" in page
    assert "Add an area" not in page and "Publish version" not in page

    area_url = f"{BASE}/versions/{ids['version']}/areas/{ids['areas'][0]}"
    for response in (client.get(area_url),
                     client.post(area_url, data=_area_data(ids["grades"], key="changed", title="Changed")),
                     client.get(f"{BASE}/versions/{ids['version']}/areas/new"),
                     client.post(f"{area_url}/remove"),
                     client.post(f"{BASE}/versions/{ids['version']}/publish", data={"change_note": "Again"})):
        assert response.status_code == 302 and response.headers["Location"] == f"{BASE}/versions/{ids['version']}"
    assert "Version 1 is published and cannot be changed" in text_of(client.get(f"{BASE}/versions/{ids['version']}"))
    with app.app_context():
        area = db.session.get(EvaluationArea, ids["areas"][0])
        assert (area.key, area.title) == ("inclusion", "Inclusion")
        assert db.session.get(FrameworkVersion, ids["version"]).change_note == "First version."


def test_new_draft_copies_areas_and_publishing_it_supersedes_the_old(app, client, admin):
    ids = _framework(app, published=True, areas=(("inclusion", "Inclusion"), ("achievement", "Achievement")))
    response = client.post(f"{BASE}/{ids['framework']}/draft")
    assert response.status_code == 302
    draft_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert draft_id != ids["version"]
    with app.app_context():
        draft = db.session.get(FrameworkVersion, draft_id)
        assert (draft.number, draft.status) == (2, VersionStatus.DRAFT)
        assert [a.key for a in draft.areas] == ["inclusion", "achievement"]
        assert {a.id for a in draft.areas}.isdisjoint(ids["areas"])
        draft_inclusion = draft.areas[0].id
    page = text_of(client.get(f"{BASE}/versions/{draft_id}"))
    assert "version 2" in page and "Draft" in page and "Inclusion" in page

    # a second draft is refused while one exists
    response = client.post(f"{BASE}/{ids['framework']}/draft", follow_redirects=True)
    assert "Version 2 is already a draft" in text_of(response)

    # change the draft: the published version stays as it was
    response = client.post(f"{BASE}/versions/{draft_id}/areas/{draft_inclusion}",
                           data=_area_data(ids["grades"], key="inclusion", title="Inclusion and belonging"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(EvaluationArea, ids["areas"][0]).title == "Inclusion"

    response = client.post(f"{BASE}/versions/{draft_id}/publish", data={"change_note": "Renamed inclusion."})
    assert response.status_code == 302
    with app.app_context():
        old = db.session.get(FrameworkVersion, ids["version"])
        new = db.session.get(FrameworkVersion, draft_id)
        assert (old.status, new.status) == (VersionStatus.SUPERSEDED, VersionStatus.PUBLISHED)
        assert [a.title for a in old.areas] == ["Inclusion", "Achievement"]
    page = text_of(client.get(f"{BASE}/versions/{ids['version']}"))
    assert "Superseded" in page and "cannot be changed" in page
    assert "Superseded" in text_of(client.get(BASE))


def test_make_current(app, client, admin):
    first = _framework(app, "First framework", published=True)
    second = _framework(app, "Second framework", published=True)
    draft_only = _framework(app, "Draft framework")
    with app.app_context():
        db.session.get(Framework, first["framework"]).is_current = True
        db.session.commit()
    assert "Use this framework for new self-evaluations" in text_of(client.get(f"{BASE}/versions/{second['version']}"))
    assert "Use this framework for new self-evaluations" not in text_of(client.get(f"{BASE}/versions/{draft_only['version']}"))
    response = client.post(f"{BASE}/{second['framework']}/make-current")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Framework, second["framework"]).is_current is True
        assert db.session.get(Framework, first["framework"]).is_current is False
    assert "Use this framework for new self-evaluations" not in text_of(client.get(f"{BASE}/versions/{second['version']}"))
    response = client.post(f"{BASE}/{draft_only['framework']}/make-current", follow_redirects=True)
    assert "Publish a version of this framework before making it the one schools use" in text_of(response)
    with app.app_context():
        assert db.session.get(Framework, draft_only["framework"]).is_current is False


# --- access -------------------------------------------------------------------------

def test_people_who_are_not_la_admins_are_refused(app, client, world, sign_in):
    ids = _framework(app)
    school = world.school()
    world.user("head@example.org", roles=[(school, Role.HEADTEACHER)])
    sign_in("head@example.org")
    version, area = ids["version"], ids["areas"][0]
    for url in (BASE, f"{BASE}/scales/new", f"{BASE}/new", f"{BASE}/versions/{version}",
                f"{BASE}/versions/{version}/areas/new", f"{BASE}/versions/{version}/areas/{area}"):
        assert client.get(url).status_code == 403, url
    for url in (f"{BASE}/scales/ready-made", f"{BASE}/{ids['framework']}/draft", f"{BASE}/{ids['framework']}/make-current",
                f"{BASE}/versions/{version}/scale", f"{BASE}/versions/{version}/publish",
                f"{BASE}/versions/{version}/areas/{area}/remove"):
        assert client.post(url).status_code == 403, url
    with app.app_context():
        assert db.session.get(FrameworkVersion, version).status == VersionStatus.DRAFT
        assert db.session.get(EvaluationArea, area) is not None


def test_scale_choice_that_is_not_on_the_list_is_refused_in_words(app, client, admin):
    ids = _framework(app)
    for value in ("999", "not-a-number"):
        response = client.post(f"{BASE}/versions/{ids['version']}/scale", data={"scale_id": value})
        assert response.status_code == 200 and "Select a grading scale" in text_of(response)
