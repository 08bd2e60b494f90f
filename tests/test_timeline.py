"""The school's timeline: every kind of event in order, who sees which visits, its statements, and its filters."""

from datetime import date, datetime, time, timezone

import pytest

from portal import clock
from portal.auth.models import User
from portal.categories import rules as category_rules
from portal.categories.schemes import current_version
from portal.evidence import rules as evidence_rules
from portal.evidence.models import Decision
from portal.extensions import db
from portal.frameworks.ready_made import build_demo_frameworks
from portal.inspections.rules import record_inspection
from portal.intervention import rules as intervention_rules
from portal.intervention.models import StepKind, StepStatus
from portal.meetings import rules as meeting_rules
from portal.minutes import rules as minutes_rules
from portal.plans import rules as plan_rules
from portal.plans.models import PlanKind
from portal.schools.models import Role, School
from portal.schools.timeline import SOURCES, timeline
from portal.terms.rules import save_term_dates
from portal.visits import rules as visit_rules
from portal.visits.models import Verdict, VisitKind
from tests.categories_helpers import build_scheme, category, decide
from tests.conftest import count_queries, statements_behind, text_of
from tests.test_meetings import YEAR
from tests.test_school_summary import _self_evaluation


def on(day: date, hour=10):
    """Record what happens inside on ``day`` (London time, 10:00 by default)."""
    return clock.as_of(datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc))


def _visit(school, adviser, head, visited_on, *, issued_on=None, accurate_on=None):
    visit = visit_rules.record_visit(school, adviser, visited_on=visited_on, kind=VisitKind.MONITORING, today=visited_on)
    db.session.flush()
    visit_rules.save_notes(visit, summary="Reading is improving.", sections={})
    if issued_on:
        visit_rules.issue(visit, adviser, today=issued_on)
    if accurate_on:
        visit_rules.respond(visit, head, verdict=Verdict.ACCURATE, corrections={}, today=accurate_on)
    db.session.flush()
    return visit


def _meeting(school, plan, meets_on):
    meeting = meeting_rules.schedule_meeting(school, None, kind="rap_review", meets_on=meets_on,
                                             starts_at=time(16), ends_at=time(17), place="School library", plan=plan,
                                             closures=frozenset())
    db.session.flush()
    return meeting


def _confirmed_minutes(meeting, writer, chair, confirmed_on):
    with on(confirmed_on):
        version = minutes_rules.start_version(meeting, writer)
        minutes_rules.save_draft(version, attendance="Hal Head, headteacher", apologies="",
                                 discussion=[{"priority": "Reading", "text": "Phonics data reviewed."}],
                                 decisions="Keep going.", summary="", actions=[])
        minutes_rules.circulate(version, meeting)
        minutes_rules.confirm(version, meeting, chair)
    db.session.flush()


def _evidence_decisions(school, head, adviser, meeting, criterion, decisions, decided_on):
    items = []
    with on(date(2026, 11, 20)):
        for number in range(len(decisions)):
            items.append(evidence_rules.submit(school, head, meeting=meeting, title=f"Reading records {number + 1}",
                                               narrative="Tracker and book looks.", criteria=[criterion], files=[]))
        db.session.flush()
    with on(decided_on):
        for item, decision in zip(items, decisions):
            comment = "" if decision == Decision.VERIFIED else "Which pupils?"
            evidence_rules.decide(item, adviser, decision=decision, comment=comment)
    db.session.flush()


@pytest.fixture
def alder(app, world):
    """Alder Primary's story from 2024 to 25 November 2026 (the suite's today); Birch Academy next door."""
    alder_id, birch_id = world.school("Alder Primary", urn=111111), world.school("Birch Academy", urn=222222)
    people = {
        "adviser": world.user("adviser@example.org", "Ada Adviser", roles=[(alder_id, Role.ADVISER)]),
        "head": world.user("head@example.org", "Hal Head", roles=[(alder_id, Role.HEADTEACHER)]),
        "chair": world.user("chair@example.org", "Cath Chair", roles=[(alder_id, Role.CHAIR_OF_GOVERNORS)]),
        "governor": world.user("governor@example.org", "Gus Governor", roles=[(alder_id, Role.GOVERNOR)]),
        "admin": world.user("admin@example.org", "Lee Admin", is_la_admin=True),
        "birch_head": world.user("birch.head@example.org", "Bea Birch", roles=[(birch_id, Role.HEADTEACHER)]),
    }
    with app.app_context():
        school = db.session.get(School, alder_id)
        adviser, head, chair, admin = (db.session.get(User, people[name]) for name in ("adviser", "head", "chair", "admin"))
        year = save_term_dates(None, *YEAR)
        build_demo_frameworks()
        version = build_scheme()

        record_inspection(school, head, inspected_on=date(2024, 3, 6), inspection_type="Graded inspection",
                          legacy_grade="Requires improvement", area_grades={}, safeguarding_met=True, notes="",
                          valid_area_grades={})
        with on(date(2025, 10, 1)):
            categorisation_round = category_rules.start_round(name="Autumn 2025", opens_on=date(2025, 9, 15),
                                                              proposals_due_on=date(2025, 9, 15))
            decide(categorisation_round, school, adviser, admin, "Watch")
            category_rules.publish_round(categorisation_round, admin, date(2025, 10, 1))
            db.session.flush()
        with on(date(2026, 2, 10)):
            category_rules.change_between_rounds(school, admin, category_id=category(version, "Concern").id,
                                                 reason="Safeguarding concerns raised by the LADO",
                                                 effective_on=date(2026, 2, 10), today=date(2026, 2, 10))
            db.session.flush()
        notice = intervention_rules.record_step(school, admin, kind=StepKind.WARNING_NOTICE, issued_on=date(2026, 3, 2),
                                                compliance_due_on=date(2026, 3, 30), today=date(2026, 3, 2))
        intervention_rules.record_response(notice, status=StepStatus.CLOSED, outcome="The governors complied in full.",
                                           response_received_on=date(2026, 3, 27), today=date(2026, 4, 20))
        with on(date(2026, 6, 15)):
            _self_evaluation(school, head, adviser, "Summer 2026", 3, validate=True)
        _self_evaluation(school, head, adviser, "Autumn 2026", 3, validate=False)  # submitted, not validated: not shown

        plan = plan_rules.create_plan(school, head, kind=PlanKind.RAP, title="Reading first", academic_year=year)
        priority = plan_rules.save_priority(plan, None, title="Reading", description="")
        plan_rules.save_action(priority, None, description="Daily phonics", owner="", starts_on=None, due_on=None, cost="")
        criterion = plan_rules.save_criterion(priority, None, description="85% pass the phonics check", milestones={})
        db.session.flush()
        with on(date(2026, 9, 10)):
            plan_rules.agree(plan, adviser)
        plan_rules.save_priority(plan, priority, title="Reading for every pupil", description="")
        with on(date(2026, 10, 20)):
            plan_rules.agree(plan, adviser)

        held = _meeting(school, plan, date(2026, 10, 7))
        db.session.flush()
        with on(date(2026, 10, 1)):
            meeting_rules.reschedule(held, adviser, meets_on=date(2026, 10, 14), starts_at=time(16), ends_at=time(17),
                                     reason="The adviser is on a course")
        cancelled = _meeting(school, plan, date(2026, 11, 4))
        meeting_rules.cancel(cancelled, "The headteacher is ill")
        upcoming = _meeting(school, plan, date(2026, 12, 2))
        db.session.flush()
        _confirmed_minutes(held, adviser, chair, date(2026, 10, 21))
        _evidence_decisions(school, head, adviser, upcoming, criterion,
                            [Decision.VERIFIED, Decision.VERIFIED, Decision.QUERY], date(2026, 11, 23))

        final = _visit(school, adviser, head, date(2026, 10, 7), issued_on=date(2026, 10, 8), accurate_on=date(2026, 10, 9))
        issued = _visit(school, adviser, head, date(2026, 11, 3), issued_on=date(2026, 11, 20))
        draft = _visit(school, adviser, head, date(2026, 11, 10))
        db.session.commit()
        return {"alder": alder_id, "birch": birch_id, "plan": plan.id, "criterion": criterion.id, "held": held.id,
                "upcoming": upcoming.id, "visits": {"final": final.id, "issued": issued.id, "draft": draft.id}, **people}


EXPECTED = [  # newest first: (date, kind, title)
    (date(2026, 11, 23), "evidence", "Evidence decisions: RAP review meeting (2 December 2026)"),
    (date(2026, 11, 10), "visit", "Monitoring visit by Ada Adviser"),
    (date(2026, 11, 4), "meeting", "Cancelled: RAP review meeting"),
    (date(2026, 11, 3), "visit", "Monitoring visit by Ada Adviser"),
    (date(2026, 10, 21), "minutes", "Minutes confirmed: RAP review meeting"),
    (date(2026, 10, 20), "plan", "Amended plan agreed again: Reading first"),
    (date(2026, 10, 14), "meeting", "Held: RAP review meeting"),
    (date(2026, 10, 7), "visit", "Monitoring visit by Ada Adviser"),
    (date(2026, 10, 1), "meeting", "Moved: RAP review meeting"),
    (date(2026, 9, 10), "plan", "Plan agreed: Reading first"),
    (date(2026, 6, 15), "self_evaluation", "Self-evaluation validated: Summer 2026"),
    (date(2026, 4, 20), "intervention", "Closed: Warning notice"),
    (date(2026, 3, 2), "intervention", "Issued: Warning notice"),
    (date(2026, 2, 10), "category", "Category: 3: Concern (was 2: Watch)"),
    (date(2025, 10, 1), "category", "Category: 2: Watch"),
    (date(2024, 3, 6), "inspection", "Graded inspection"),
]


def _timeline(app, school_id, user_id, **filters):
    with app.app_context():
        return timeline(db.session.get(School, school_id), db.session.get(User, user_id), **filters)


# --- the rules --------------------------------------------------------------------------------------------------------

def test_every_kind_of_event_appears_newest_first(app, alder):
    events = _timeline(app, alder["alder"], alder["head"])
    assert [(e.on, e.kind, e.title) for e in events] == EXPECTED
    # Support packages and exit have their own tests (tests/test_support.py, tests/test_exit.py).
    assert {e.kind for e in events} == {source.kind for source in SOURCES} - {"support", "exit"}
    details = {e.title: e.detail for e in events}
    assert details["Category: 3: Concern (was 2: Watch)"] == \
        "Changed between rounds. Why: Safeguarding concerns raised by the LADO"
    assert details["Category: 2: Watch"].startswith("Autumn 2025.")
    assert details["Moved: RAP review meeting"] == "From 7 October 2026 to 14 October 2026. Why: The adviser is on a course"
    assert "Why: The headteacher is ill" in details["Cancelled: RAP review meeting"]
    assert details["Evidence decisions: RAP review meeting (2 December 2026)"] == \
        "3 decisions on the evidence for this review: 2 verified, 1 query raised."
    assert "Overall grade: Requires improvement." in details["Graded inspection"]
    assert details["Issued: Warning notice"] == \
        "To comply by 30 March 2026. Response received on 27 March 2026. Now: closed."
    assert details["Closed: Warning notice"] == "Outcome: The governors complied in full."
    assert all(e.link is not None for e in events)
    # The meeting still to come is not on the timeline yet, and neither is the unvalidated self-evaluation.
    assert not any(e.on > date(2026, 11, 25) for e in events)


def test_governors_see_only_visits_whose_notes_are_final(app, alder):
    visits_for = {name: [e.link.values["visit_id"] for e in _timeline(app, alder["alder"], alder[name]) if e.kind == "visit"]
                  for name in ("governor", "chair", "head", "adviser", "admin")}
    everyone = [alder["visits"][status] for status in ("draft", "issued", "final")]
    assert visits_for["governor"] == visits_for["chair"] == [alder["visits"]["final"]]
    assert visits_for["head"] == visits_for["adviser"] == visits_for["admin"] == everyone
    governor_events = _timeline(app, alder["alder"], alder["governor"])
    assert len(governor_events) == len(EXPECTED) - 2  # everything else is the same for them


def test_filters_by_kind_and_academic_year(app, alder):
    visits_and_plans = _timeline(app, alder["alder"], alder["head"], kinds={"visit", "plan"})
    assert [e.kind for e in visits_and_plans] == ["visit", "visit", "plan", "visit", "plan"]
    last_year = _timeline(app, alder["alder"], alder["head"], year=2025)
    assert [(e.on, e.kind) for e in last_year] == [
        (date(2026, 6, 15), "self_evaluation"), (date(2026, 4, 20), "intervention"), (date(2026, 3, 2), "intervention"),
        (date(2026, 2, 10), "category"), (date(2025, 10, 1), "category")]
    assert _timeline(app, alder["alder"], alder["head"], year=2025, kinds={"visit"}) == []


def _statements(app, school_id, user_id):
    with app.app_context():
        school, user = db.session.get(School, school_id), db.session.get(User, user_id)
        counter, stop = count_queries(app)
        try:
            found = timeline(school, user)
        finally:
            stop()
        return counter["n"], len(found)


def test_the_timeline_takes_a_fixed_number_of_statements_whatever_the_history(app, client, sign_in, alder):
    def page_statements():
        return statements_behind(app, client, f"/schools/{alder['alder']}/timeline")

    sign_in("head@example.org")
    before, events_before = _statements(app, alder["alder"], alder["head"])
    page_before = page_statements()
    with app.app_context():
        school = db.session.get(School, alder["alder"])
        adviser, head, chair, admin = (db.session.get(User, alder[name]) for name in ("adviser", "head", "chair", "admin"))
        plan = plan_rules.load_plan(school, alder["plan"])
        criterion = next(c for c in plan.success_criteria if c.id == alder["criterion"])
        for day in (date(2026, 9, 16), date(2026, 9, 23)):
            _visit(school, adviser, head, day, issued_on=day, accurate_on=day)
        _visit(school, adviser, head, date(2026, 11, 11))
        record_inspection(school, head, inspected_on=date(2026, 11, 18), inspection_type="Report card inspection",
                          legacy_grade=None, area_grades={"inclusion": "Secure"}, safeguarding_met=True, notes="",
                          valid_area_grades={"inclusion": ["Secure"]})
        with on(date(2026, 11, 2)):
            category_rules.change_between_rounds(school, admin, category_id=category(current_version(), "Watch").id,
                                                 reason="The new headteacher has settled in",
                                                 effective_on=date(2026, 11, 2), today=date(2026, 11, 2))
        second = _meeting(school, plan, date(2026, 9, 30))
        db.session.flush()
        with on(date(2026, 9, 20)):
            meeting_rules.reschedule(second, adviser, meets_on=date(2026, 10, 5), starts_at=time(16), ends_at=time(17),
                                     reason="Clash with parents' evening")
        _confirmed_minutes(second, adviser, chair, date(2026, 10, 12))
        cancelled_too = _meeting(school, plan, date(2026, 11, 18))
        meeting_rules.cancel(cancelled_too, "Snow")
        intervention_rules.record_step(school, admin, kind=StepKind.ADDITIONAL_GOVERNORS, issued_on=date(2026, 11, 16))
        later = _meeting(school, plan, date(2026, 12, 9))
        db.session.flush()
        _evidence_decisions(school, head, adviser, later, criterion, [Decision.NOT_ACCEPTED, Decision.VERIFIED],
                            date(2026, 11, 24))
        db.session.commit()
    after, events_after = _statements(app, alder["alder"], alder["head"])
    assert events_after >= events_before + 10
    assert after == before
    assert page_statements() == page_before


def test_reading_only_some_kinds_reads_only_their_sources(app, alder):
    everything, _ = _statements(app, alder["alder"], alder["head"])
    with app.app_context():
        school, user = db.session.get(School, alder["alder"]), db.session.get(User, alder["head"])
        counter, stop = count_queries(app)
        try:
            timeline(school, user, kinds={"inspection"})
        finally:
            stop()
    assert counter["n"] < everything


# --- the page ---------------------------------------------------------------------------------------------------------

def test_the_school_page_links_to_the_timeline_which_lists_everything(app, client, sign_in, alder):
    sign_in("head@example.org")
    school_page = client.get(f"/schools/{alder['alder']}").get_data(as_text=True)
    assert f'href="/schools/{alder["alder"]}/timeline"' in school_page
    response = client.get(f"/schools/{alder['alder']}/timeline")
    assert response.status_code == 200
    html, text = response.get_data(as_text=True), text_of(response)
    assert f"{len(EXPECTED)} events." in text
    assert "<ol" in html and '<time datetime="2026-11-23">23 November 2026</time>' in html
    for year in ("2026 to 2027", "2025 to 2026", "2023 to 2024"):
        assert f'<h2 class="govuk-heading-m">{year}</h2>' in html
    positions = [text.index(title) for title in ("Evidence decisions: RAP review meeting", "Held: RAP review meeting",
                                                 "Plan agreed: Reading first", "Category: 2: Watch", "Graded inspection")]
    assert positions == sorted(positions)
    assert f'href="/schools/{alder["alder"]}/visits/{alder["visits"]["draft"]}"' in html
    assert f'href="/schools/{alder["alder"]}/meetings/{alder["held"]}/minutes"' in html
    assert f'href="/schools/{alder["alder"]}/intervention#step-' in html
    assert "Visit (3)" in text and "Category (2)" in text  # each kind named in words beside its count


def test_a_governor_sees_a_final_visit_on_the_page_but_not_a_draft_or_issued_one(client, sign_in, alder):
    sign_in("governor@example.org")
    html = client.get(f"/schools/{alder['alder']}/timeline").get_data(as_text=True)
    assert f'/visits/{alder["visits"]["final"]}"' in html
    assert f'/visits/{alder["visits"]["issued"]}"' not in html and f'/visits/{alder["visits"]["draft"]}"' not in html
    assert "Visit (1)" in html


def test_another_schools_people_get_not_found(client, sign_in, alder):
    sign_in("birch.head@example.org")
    assert client.get(f"/schools/{alder['alder']}/timeline").status_code == 404
    assert client.get(f"/schools/{alder['birch']}/timeline").status_code == 200
    sign_in("admin@example.org")
    assert client.get(f"/schools/{alder['alder']}/timeline").status_code == 200


def test_signed_out_people_are_sent_to_sign_in(client, alder):
    response = client.get(f"/schools/{alder['alder']}/timeline")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_the_filters_work_without_javascript(client, sign_in, alder):
    sign_in("governor@example.org")
    base = f"/schools/{alder['alder']}/timeline"
    response = client.get(f"{base}?kind=meeting&kind=minutes")
    text, html = text_of(response), response.get_data(as_text=True)
    assert "4 events match the filters." in text
    assert "Held: RAP review meeting" in text and "Minutes confirmed" in text and "Graded inspection" not in text
    assert 'id="kind-meeting" name="kind" type="checkbox" value="meeting" checked' in html
    assert 'id="kind-visit" name="kind" type="checkbox" value="visit">' in html
    assert "Clear filters" in text

    response = client.get(f"{base}?year=2025")
    text, html = text_of(response), response.get_data(as_text=True)
    assert "5 events match the filters." in text and "Self-evaluation validated: Summer 2026" in text
    assert '<option value="2025" selected>2025 to 2026</option>' in html
    assert "Visit (0)" in text  # counts are for the chosen year

    response = client.get(f"{base}?year=2025&kind=visit")
    assert "Nothing matches the filters." in text_of(response)

    response = client.get(f"{base}?year=1999&kind=nonsense")  # not offered: ignored
    assert f"{len(EXPECTED) - 2} events." in text_of(response)
