"""PDF downloads: the print views' own templates made into PDF files on the server (WeasyPrint), with the same access."""

import io
import re
from datetime import date, time

import pytest
from pypdf import PdfReader

from portal import clock
from portal.auth.models import User
from portal.extensions import db
from portal.schools.models import Role, School

NOTES_SENTENCE = "Pupils in year 5 now choose their own class readers."
DECISION = "Governors will visit a phonics lesson each half term."
STRENGTHS = "Every pupil reads aloud to an adult twice a week."
LETTER_SENTENCE = "The local authority will fund a reading consultant until Easter."


@pytest.fixture
def place(app, world):
    """Brookside (a head, a chair, a governor, a clerk, an adviser) with a plan; Hillview, with its own governor."""
    from portal.plans import rules as plan_rules
    from portal.plans.models import PlanKind
    from portal.terms.rules import save_term_dates
    from tests.test_meetings import YEAR

    school_id = world.school("Brookside Primary School")
    people = {
        "head": world.user("head@example.org", "Sarah Lewis", roles=[(school_id, Role.HEADTEACHER)]),
        "chair": world.user("chair@example.org", "Margaret Dunn", roles=[(school_id, Role.CHAIR_OF_GOVERNORS)]),
        "governor": world.user("governor@example.org", "Kwame Mensah", roles=[(school_id, Role.GOVERNOR)]),
        "adviser": world.user("adviser@example.org", "Priya Shah", roles=[(school_id, Role.ADVISER)]),
        "admin": world.user("admin@example.org", "Lee Admin", is_la_admin=True),
    }
    other_id = world.school("Hillview Academy")
    world.user("other.governor@example.org", roles=[(other_id, Role.GOVERNOR)])
    with app.app_context():
        year = save_term_dates(None, *YEAR)
        plan = plan_rules.create_plan(db.session.get(School, school_id), None, kind=PlanKind.RAP, title="RAP", academic_year=year)
        priority = plan_rules.save_priority(plan, None, title="Improve reading", description="")
        db.session.commit()
        return {"school": school_id, "other": other_id, "people": people, "plan": plan.id, "priority": priority.id}


def _user(place, who):
    return db.session.get(User, place["people"][who])


def pdf_text(response, name_starts):
    """Check the response is a PDF download that is never cached; return its text with white space folded."""
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    assert response.headers["Cache-Control"] == "no-store"
    disposition = re.fullmatch(r'attachment; filename="([A-Za-z0-9.-]+\.pdf)"', response.headers["Content-Disposition"])
    assert disposition and disposition[1].startswith(name_starts)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    text = re.sub(r"\s+", " ", text)
    # The stylesheet was read (from disk): its print rules hid the navigation and the links for the screen.
    assert "Download as PDF" not in text and "Sign out" not in text
    return text


def test_notes_of_a_visit_as_a_pdf_for_a_governor_once_final(app, client, sign_in, place):
    from portal.visits import rules as visit_rules
    from portal.visits.models import Verdict, VisitKind

    with app.app_context():
        school = db.session.get(School, place["school"])
        visit = visit_rules.record_visit(school, _user(place, "adviser"), visited_on=clock.today(), kind=VisitKind.MONITORING,
                                         looked_at=[f"p{place['priority']}"])
        db.session.flush()
        visit_rules.save_notes(visit, summary=NOTES_SENTENCE, sections={})
        visit_rules.issue(visit, _user(place, "adviser"))
        visit_rules.respond(visit, _user(place, "head"), verdict=Verdict.ACCURATE, corrections={})
        db.session.commit()
        url = f"/schools/{place['school']}/visits/{visit.id}/notes-pdf"
    sign_in("governor@example.org")
    assert url in client.get(url.removesuffix("/notes-pdf") + "/print").get_data(as_text=True)
    text = pdf_text(client.get(url), "Brookside-Primary-School-notes-of-visit")
    assert "Brookside Primary School: notes of the monitoring visit" in text and NOTES_SENTENCE in text
    sign_in("other.governor@example.org")
    assert client.get(url).status_code == 404


def test_confirmed_minutes_as_a_pdf(app, client, sign_in, place):
    from portal.meetings import rules as meeting_rules
    from portal.minutes import rules as minutes_rules
    from portal.plans.models import Plan

    with app.app_context():
        school = db.session.get(School, place["school"])
        meeting = meeting_rules.schedule_meeting(school, None, kind="rap_review", meets_on=date(2026, 10, 14),
                                                 starts_at=time(16), ends_at=time(17), plan=db.session.get(Plan, place["plan"]))
        version = minutes_rules.start_version(meeting, _user(place, "adviser"))
        minutes_rules.save_draft(version, attendance="Sarah Lewis, headteacher", apologies="",
                                 discussion=[{"priority": "Improve reading", "text": "Phonics data reviewed."}],
                                 decisions=DECISION, summary="", actions=[])
        minutes_rules.circulate(version, meeting)
        minutes_rules.confirm(version, meeting, _user(place, "chair"))
        db.session.commit()
        url = f"/schools/{place['school']}/meetings/{meeting.id}/minutes/{version.id}/pdf"
    sign_in("governor@example.org")
    assert url in client.get(url.removesuffix("/pdf") + "/print").get_data(as_text=True)
    text = pdf_text(client.get(url), "Brookside-Primary-School-minutes-2026-10-14-version-1")
    assert "Brookside Primary School: minutes of the" in text and DECISION in text
    assert "Confirmed as an accurate record by Margaret Dunn" in text
    sign_in("other.governor@example.org")
    assert client.get(url).status_code == 404


def test_a_self_evaluation_as_a_pdf(app, client, sign_in, place):
    from portal.frameworks import rules as framework_rules
    from portal.frameworks.ready_made import build_demo_frameworks
    from portal.self_evaluation import rules as evaluation_rules

    with app.app_context():
        build_demo_frameworks()
        head = _user(place, "head")
        evaluation = evaluation_rules.start(db.session.get(School, place["school"]), framework_rules.current_version(), head,
                                            "Autumn 2026")
        db.session.flush()
        grade = evaluation.version.scale.grades[1]
        for judgement in evaluation.judgements:
            evaluation_rules.save_judgement(judgement, head, grade_id=grade.id, strengths=STRENGTHS,
                                            areas_for_development="Maths.", evidence="Book looks.", revision=judgement.revision)
        db.session.commit()
        url = f"/schools/{place['school']}/self-evaluations/{evaluation.id}/pdf"
    sign_in("chair@example.org")
    assert url in client.get(url.removesuffix("/pdf")).get_data(as_text=True)
    text = pdf_text(client.get(url), "Brookside-Primary-School-Autumn-2026-self-evaluation")
    assert "Brookside Primary School: Autumn 2026 self-evaluation" in text and STRENGTHS in text
    sign_in("other.governor@example.org")
    assert client.get(url).status_code == 404


def test_a_published_category_letter_as_a_pdf(app, client, sign_in, place):
    from portal.categories import rules as category_rules
    from tests.categories_helpers import build_scheme, decide

    with app.app_context():
        body = f"Dear {{headteacher}} and {{chair}},\n\n{{school}} is now in {{category}}.\n\n{LETTER_SENTENCE}"
        build_scheme(letter=("{school}: now {category}", body))
        autumn = category_rules.start_round(name="Autumn", opens_on=clock.today(), proposals_due_on=clock.today())
        db.session.flush()
        decide(autumn, db.session.get(School, place["school"]), _user(place, "adviser"), _user(place, "admin"), "Concern")
        entry = category_rules.publish_round(autumn, _user(place, "admin"), clock.today())[0]
        db.session.commit()
        assert entry.letter_sent
        url = f"/categories/schools/{place['school']}/letters/{entry.id}/pdf"
    sign_in("head@example.org")
    assert url in client.get(f"/categories/schools/{place['school']}").get_data(as_text=True)
    text = pdf_text(client.get(url), "Brookside-Primary-School-category-letter")
    assert "Brookside Primary School: now" in text and "Dear Sarah Lewis and Margaret Dunn" in text and LETTER_SENTENCE in text
    sign_in("other.governor@example.org")
    assert client.get(url).status_code == 404
    assert client.get(f"/categories/schools/{place['other']}/letters/{entry.id}/pdf").status_code == 404  # not their letter


def test_the_pdf_fetcher_reads_only_the_portals_static_files(app):
    from portal.pdf import safe_filename, static_file_for

    static = app.static_folder
    prefix = "http://localhost/static/"
    assert static_file_for(prefix + "css/portal.css?v=1", prefix, static).name == "portal.css"
    for refused in ("https://example.org/static/css/portal.css", "http://localhost/static/../pdf.py",
                    "http://localhost/static/%2e%2e/pdf.py", "file:///etc/passwd", "http://localhost/static/nothing.css"):
        assert static_file_for(refused, prefix, static) is None, refused
    assert safe_filename('Ysgol Santes Dwynwen – "Sainte‑Thérèse"/notes.pdf') == "Ysgol-Santes-Dwynwen-Sainte-Therese-notes.pdf"
