"""Every endpoint × every role × own school / another school.

The expected answers are written out here by hand, not read from portal/access.py,
so a wrong rule there fails this test. A new endpoint fails until it is added.
"""

import re

import pytest

from portal.schools.models import Role

# Who may reach each endpoint: "public", "signed_in", "la_admin", or at one school:
# "school_member" (anyone with a role there, and the LA admin), "school_leader" (headteacher,
# senior leader), "school_validator" (its adviser, the LA admin), "school_recorder" (leaders,
# adviser, LA admin), "school_discussion" (leaders, adviser, LA admin: replies on plan comments).
EXPECTED = {
    "static": "public",
    "auth.sign_in": "public",
    "auth.keep_alive": "signed_in",
    "auth.kept_form": "signed_in",
    "admin.sessions": "la_admin",
    "retention.settings": "la_admin",
    "admin.subject_access": "la_admin",
    "admin.anonymise_user": "la_admin",
    "health.healthz": "public",
    "auth.sign_out": "signed_in",
    "home.index": "signed_in",
    "home.overview_csv": "signed_in",
    "home.overview_xlsx": "signed_in",
    "home.star": "school_member",
    "schools.show": "school_member",
    "schools.timeline": "school_member",
    "intervention.index": "school_member",
    "exit.index": "school_member",
    "exit.show": "school_member",
    "exit.start": "school_runner",
    "exit.answer": "school_runner",
    "exit.recommend": "school_runner",
    "exit.decide": "school_la_admin",
    "exit.answer_new_criterion": "school_runner",
    "exit.letter": "school_member",
    "exit.letter_pdf": "school_member",
    "meeting_kinds.index": "la_admin",
    "meeting_kinds.new": "la_admin",
    "meeting_kinds.edit": "la_admin",
    "meeting_kinds.retire": "la_admin",
    "meeting_kinds.by_category": "la_admin",
    "exit_criteria.index": "la_admin",
    "exit_criteria.ready_made": "la_admin",
    "exit_criteria.new": "la_admin",
    "exit_criteria.edit": "la_admin",
    "exit_criteria.retire": "la_admin",
    "support.templates": "la_admin",
    "support.copy_ready_made": "la_admin",
    "support.template_new": "la_admin",
    "support.template_show": "la_admin",
    "support.template_edit": "la_admin",
    "support.template_activity_new": "la_admin",
    "support.template_activity_edit": "la_admin",
    "support.template_activity_remove": "la_admin",
    "support.index": "school_member",
    "support.apply": "school_la_admin",
    "support.package_edit": "school_la_admin",
    "support.activity_edit": "school_la_admin",
    "support.activity_new": "school_runner",
    "support.activity_record": "school_runner",
    "support.activity_stop_repeating": "school_la_admin",
    "support.review": "school_runner",
    "support.commissioning_view": "la_admin",
    "intervention.download": "school_member",
    "intervention.new": "school_la_admin",
    "intervention.edit": "school_la_admin",
    "intervention.respond": "school_la_admin",
    "intervention.documents": "school_la_admin",
    "intervention.remove_document": "school_la_admin",
    "schools.summary": "school_validator",
    "schools.summary_pdf": "school_validator",
    "schools.chart_self_evaluation": "school_member",
    "schools.chart_plan_rag": "school_member",
    "schools.chart_categories": "la_admin",
    "admin.users": "la_admin",
    "admin.user_new": "la_admin",
    "admin.user_edit": "la_admin",
    "admin.user_role_add": "la_admin",
    "admin.user_role_remove": "la_admin",
    "admin.user_deactivate": "la_admin",
    "admin.user_invite": "la_admin",
    "admin.user_reactivate": "la_admin",
    "admin.schools": "la_admin",
    "admin.school_new": "la_admin",
    "admin.school_edit": "la_admin",
    "admin.gias_import": "la_admin",
    "admin.terms": "la_admin",
    "admin.term_new": "la_admin",
    "admin.term_edit": "la_admin",
    "admin.audit_log": "la_admin",
    "admin.audit_log_csv": "la_admin",
    "admin.audit_log_xlsx": "la_admin",
    "frameworks.index": "la_admin",
    "frameworks.scale_new": "la_admin",
    "frameworks.ready_made_scales": "la_admin",
    "frameworks.framework_new": "la_admin",
    "frameworks.framework_draft": "la_admin",
    "frameworks.framework_make_current": "la_admin",
    "frameworks.version_show": "la_admin",
    "frameworks.version_scale": "la_admin",
    "frameworks.version_publish": "la_admin",
    "frameworks.area_new": "la_admin",
    "frameworks.area_edit": "la_admin",
    "frameworks.area_remove": "la_admin",
    "self_evaluation.index": "school_member",
    "self_evaluation.show": "school_member",
    "self_evaluation.print_view": "school_member",
    "self_evaluation.start": "school_leader",
    "self_evaluation.edit": "school_leader",
    "self_evaluation.save_area": "school_leader",
    "self_evaluation.save_changes": "school_leader",
    "self_evaluation.save_safeguarding": "school_leader",
    "self_evaluation.submit": "school_leader",
    "self_evaluation.validate": "school_validator",
    "self_evaluation.save_adviser_view": "school_validator",
    "self_evaluation.agree_with_every_grade": "school_validator",
    "self_evaluation.decide": "school_validator",
    "inspections.index": "school_member",
    "inspections.new": "school_recorder",
    "admin.deadlines": "la_admin",
    "admin.closure_add": "la_admin",
    "admin.closure_remove": "la_admin",
    "meetings.index": "school_member",
    "meetings.show": "school_member",
    "meetings.invitation": "school_member",
    "meetings.new": "school_runner",
    "meetings.schedule_year": "school_runner",
    "meetings.reschedule": "school_runner",
    "meetings.cancel": "school_runner",
    "meetings.agenda": "school_runner",
    "meetings.review": "school_runner",
    "meetings.review_criterion": "school_runner",
    "meetings.add_next_step": "school_runner",
    "plans.index": "school_member",
    "plans.show": "school_member",
    "plans.create": "school_leader",
    "plans.edit": "school_leader",
    "plans.priority_new": "school_leader",
    "plans.priority_edit": "school_leader",
    "plans.action_new": "school_leader",
    "plans.action_edit": "school_leader",
    "plans.criterion_new": "school_leader",
    "plans.criterion_edit": "school_leader",
    "plans.from_self_evaluation": "school_leader",
    "plans.agree": "school_adviser",
    "plan_comments.index": "school_member",
    "plan_comments.show": "school_member",
    "plan_comments.new": "school_runner",
    "plan_comments.resolve": "school_runner",
    "plan_comments.reopen": "school_runner",
    "plan_comments.reply": "school_discussion",
    "meetings.agenda_document": "school_member",
    "visits.index": "school_member",
    "visits.all_visits": "signed_in",
    "visits.print_pdf": "school_member",
    "minutes.print_pdf": "school_member",
    "self_evaluation.print_pdf": "school_member",
    "categories.letter_pdf": "school_member",
    "visits.new": "school_runner",
    "visits.show": "school_member",
    "visits.edit": "school_runner",
    "visits.notes": "school_runner",
    "visits.issue": "school_runner",
    "visits.respond": "school_leader",
    "visits.corrections": "school_runner",
    "visits.version": "school_member",
    "visits.print_view": "school_member",
    "visits.attach": "school_runner",
    "visits.download": "school_member",
    "visits.remove_attachment": "school_runner",
    "visits.link_evidence": "school_runner",
    "evidence.index": "school_member",
    "evidence.show": "school_member",
    "evidence.download": "school_member",
    "evidence.new": "school_leader",
    "evidence.answer": "school_leader",
    "evidence.upload_file": "school_leader",
    "evidence.withdraw": "school_leader",
    "evidence.decision": "school_runner",
    "evidence_queue.queue": "signed_in",
    "evidence_queue.queue_csv": "signed_in",
    "evidence_queue.queue_xlsx": "signed_in",
    "minutes.show": "school_member",
    "minutes.print_view": "school_member",
    "minutes.document": "school_member",
    "minutes.start": "school_writer",
    "minutes.edit": "school_writer",
    "minutes.circulate": "school_writer",
    "minutes.check_before_circulating": "school_writer",
    "minutes.confirm": "school_governance",
    "minutes.request_changes": "school_governance",
    "minutes.nominate": "school_governance",
    "minutes.governing_body": "school_governance",
    "minutes.action_done": "school_action",
    "reminders.profile": "signed_in",
    "reminders.outbox_page": "la_admin",
    "reminders.retry": "la_admin",
    "auth.forgot_password": "public",
    "auth.reset_password": "public",
    "auth.set_password": "public",
    "auth.sign_in_code": "public",
    "auth.sign_in_set_up": "public",
    "auth.two_factor_qr_code": "public",
    "auth.two_factor_settings": "signed_in",
    "auth.two_factor_set_up": "signed_in",
    "auth.two_factor_turn_off": "signed_in",
    "auth.two_factor_new_codes": "signed_in",
    "admin.user_two_factor_reset": "la_admin",
    "sso.start": "public",
    "sso.callback": "public",
    "sso.providers": "la_admin",
    "sso.provider_new": "la_admin",
    "sso.provider_edit": "la_admin",
    "sso.unlink": "la_admin",
    "categories.index": "la_admin",
    "categories.scheme_new": "la_admin",
    "categories.ready_made_copy": "la_admin",
    "categories.version_copy": "la_admin",
    "categories.version_show": "la_admin",
    "categories.category_new": "la_admin",
    "categories.category_edit": "la_admin",
    "categories.category_remove": "la_admin",
    "categories.category_move": "la_admin",
    "categories.indicator_new": "la_admin",
    "categories.indicator_edit": "la_admin",
    "categories.indicator_remove": "la_admin",
    "categories.indicator_move": "la_admin",
    "categories.letter_edit": "la_admin",
    "categories.version_publish": "la_admin",
    "categories.scheme_draft": "la_admin",
    "categories.scheme_use": "la_admin",
    "categories.round_new": "la_admin",
    "categories.moderation": "la_admin",
    "categories.moderation_csv": "la_admin",
    "categories.moderation_xlsx": "la_admin",
    "categories.agree_proposal": "la_admin",
    "categories.moderate": "la_admin",
    "categories.reopen_proposal": "la_admin",
    "categories.round_publish": "la_admin",
    "categories.import_upload": "la_admin",
    "categories.import_mapping": "la_admin",
    "categories.my_round": "advisers",
    "categories.propose": "school_adviser",
    "categories.proposal": "school_validator",
    "categories.school_history": "school_member",
    "categories.letter": "school_member",
    "categories.change_category": "school_la_admin",
}

ALLOWED = {
    "school_member": set(PEOPLE_NAMES := ["la_admin", "headteacher", "senior_leader", "governor", "chair_of_governors", "clerk", "adviser"]),
    "school_leader": {"headteacher", "senior_leader"},
    "school_validator": {"adviser", "la_admin"},
    "school_recorder": {"headteacher", "senior_leader", "adviser", "la_admin"},
    "school_runner": {"adviser", "la_admin"},
    "school_adviser": {"adviser"},
    "school_writer": {"adviser", "la_admin", "clerk"},
    "school_governance": {"governor", "chair_of_governors", "clerk"},
    "school_action": {"adviser", "la_admin", "clerk", "headteacher"},  # the writers, and the action's owner
    "school_discussion": {"headteacher", "senior_leader", "adviser", "la_admin"},
    "advisers": {"adviser", "la_admin"},  # pages across schools: each adviser sees only their own schools there
    "school_la_admin": {"la_admin"},
}

PEOPLE = {
    "la_admin": None,
    "headteacher": Role.HEADTEACHER,
    "senior_leader": Role.SENIOR_LEADER,
    "governor": Role.GOVERNOR,
    "chair_of_governors": Role.CHAIR_OF_GOVERNORS,
    "clerk": Role.CLERK,
    "adviser": Role.ADVISER,
}


def test_every_endpoint_is_listed_and_guarded(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(EXPECTED), f"add these to EXPECTED: {endpoints - set(EXPECTED)}; remove: {set(EXPECTED) - endpoints}"
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        assert hasattr(view, "access_rule"), f"{endpoint} has no access decorator from portal.access"


def test_url_parameters_are_typed_and_urls_kebab_case(app):
    for rule in app.url_map.iter_rules():
        for argument in rule.arguments:
            converter = rule._converters[argument]
            if rule.endpoint != "static":
                fixed_length_token = type(converter).__name__ == "UnicodeConverter" and converter.regex == "[^/]{43}"
                assert type(converter).__name__ in {"IntegerConverter", "UUIDConverter"} or fixed_length_token, \
                    f"{rule.rule}: type <{argument}>"
        static_part = re.sub(r"<[^>]+>", "", rule.rule)
        assert static_part == static_part.lower() and "_" not in static_part, f"{rule.rule} is not kebab-case"


@pytest.fixture
def place(app, world):
    """Two schools; one person per role at the first; ids for every URL parameter."""
    from portal.extensions import db
    from portal.schools.models import SchoolRole

    own = world.school("Own School")
    other = world.school("Other School")
    emails = {}
    for name, role in PEOPLE.items():
        email = f"{name.replace('_', '.')}@example.org"
        world.user(email, roles=[(own, role)] if role else [], is_la_admin=role is None)
        emails[name] = email
    target_user = world.user("target@example.org", roles=[(other, Role.GOVERNOR)])
    with app.app_context():
        from portal.frameworks.ready_made import build_demo_frameworks
        from portal.schools.models import School
        from portal.self_evaluation import rules

        from datetime import date, time

        from tests.test_meetings import YEAR as TERM_DATES
        from portal.meetings import rules as meeting_rules
        from portal.plans import rules as plan_rules
        from portal.plans.models import PlanKind
        from portal.terms.models import ClosureDay
        from portal.terms.rules import save_term_dates

        year = save_term_dates(None, *TERM_DATES)
        closure = ClosureDay(day=date(2027, 1, 4), reason="Training day")
        db.session.add(closure)
        current, _ = build_demo_frameworks()
        db.session.flush()
        import io

        from portal.evidence import rules as evidence_rules
        from portal.evidence.files import check_head
        from portal.evidence.storage import storage_for

        from portal.minutes import rules as minutes_rules

        from portal.comments import rules as comment_rules

        evaluations, plans, meetings, items, minutes_versions, comments, visits = {}, {}, {}, {}, {}, {}, {}
        intervention_ids, support_ids = {}, {}
        for school_id in (own, other):
            school = db.session.get(School, school_id)
            evaluation = rules.start(school, current.published_version, None, "Autumn 2026")
            db.session.flush()
            evaluation.status = rules.EvaluationStatus.SUBMITTED
            evaluations[school_id] = evaluation
            plan = plan_rules.create_plan(school, None, kind=PlanKind.RAP, title="Plan", academic_year=year)
            priority = plan_rules.save_priority(plan, None, title="Reading", description="")
            plan_rules.save_action(priority, None, description="Phonics", owner="", starts_on=None, due_on=None, cost="")
            plan_rules.save_criterion(priority, None, description="85% pass", milestones={})
            plans[school_id] = plan
            meetings[school_id] = meeting_rules.schedule_meeting(
                school, None, kind="rap_review", meets_on=date(2026, 10, 14), starts_at=time(16), ends_at=time(17),
                plan=plan, closures=frozenset())
            db.session.flush()
            stored = storage_for(app.config).save(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), max_bytes=1000, display_name="a.pdf")
            meetings[school_id].agenda_document_name, meetings[school_id].agenda_document_key = "agenda.pdf", stored.key
            evidence_file = evidence_rules.keep_uploaded_file(school, None, stored, check_head("a.pdf", b"%PDF-1.4\n"), "a.pdf")
            items[school_id] = evidence_rules.submit(school, None, meeting=meetings[school_id], title="Book looks", narrative="",
                                                     criteria=plan.success_criteria, files=[evidence_file])
            version = minutes_rules.start_version(meetings[school_id], None)
            owner = next((r.user for r in school.roles if r.role == Role.HEADTEACHER), None)
            minutes_rules.save_draft(version, attendance="All", apologies="", discussion=[], decisions="Agreed", summary="",
                                     actions=[("Share the tracker", owner, "", None)],
                                     document=("minutes.pdf", stored.key, stored.sha256))
            minutes_versions[school_id] = version
            visits[school_id] = _final_visit(app, school, storage_for(app.config).save(
                io.BytesIO(b"%PDF-1.4\n%%EOF\n"), max_bytes=1000, display_name="notes.pdf"))
            intervention_ids[school_id] = _intervention_step(app, school)
            support_ids[school_id] = _support_package(school)
            comments[school_id] = comment_rules.add_comment(plan, None, target=plan.priorities[0], kind="question",
                                                            body="How will you check the phonics groups are working?")
        category_ids = _categorised(school_ids=(own, other))
        for school_id in (own, other):
            support_ids[school_id] |= _exit_checklists(db.session.get(School, school_id))
        new_criterion = _criterion_added_since()
        from portal.reminders import outbox

        outbox.queue(key="test:message", kind="test", recipient_email="someone@example.org", subject="Test",
                     text_body="Test", html_body="<p>Test</p>")
        db.session.commit()
        from portal.reminders.models import OutboxMessage

        message_id = db.session.scalar(db.select(OutboxMessage.id))
        from portal.sso.models import IdentityProvider, SsoLink

        # Nothing answers on port 9: a sign-in through it gets the "not answering" page at once.
        provider = IdentityProvider(name="Microsoft", issuer="http://127.0.0.1:9/tenant", client_id="portal",
                                    client_secret="secret", email_domains="", active=True)
        db.session.add(provider)
        db.session.flush()
        link = SsoLink(provider_id=provider.id, user_id=target_user, subject="subject-1")
        db.session.add(link)
        db.session.commit()
        membership = db.session.scalar(db.select(SchoolRole).where(SchoolRole.user_id == target_user))
        ids = {
            school_id: {"user_id": target_user, "year_id": year.id, "role_id": membership.id,
                        "evaluation_id": evaluation.id, "judgement_id": evaluation.judgements[0].id,
                        "version_id": current.published_version.id, "framework_id": current.id,
                        "area_id": current.published_version.areas[0].id, "closure_id": closure.id,
                        "plan_id": plans[school_id].id, "priority_id": plans[school_id].priorities[0].id,
                        "action_id": plans[school_id].priorities[0].actions[0].id,
                        "criterion_id": plans[school_id].priorities[0].success_criteria[0].id,
                        "meeting_id": meetings[school_id].id, "item_id": items[school_id].id,
                        "file_id": items[school_id].versions[0].files[0].id,
                        "minutes_version_id": minutes_versions[school_id].id,
                        "minutes_action_id": minutes_versions[school_id].actions[0].id, "message_id": message_id, "token": "x" * 43,
                        "comment_id": comments[school_id].id, "visit_id": visits[school_id].id, "number": 1,
                        "visit_file_id": visits[school_id].attachments[0].id, **category_ids,
                        "entry_id": category_ids["entries"][school_id], **intervention_ids[school_id],
                        "meeting_type_id": meetings[school_id].kind.id,
                        **support_ids[school_id], "new_exit_criterion_id": new_criterion,
                        "provider_id": provider.id, "link_id": link.id}
            for school_id, evaluation in evaluations.items()
        }
    return {"own": own, "other": other, "emails": emails, "ids": ids}


def _categorised(school_ids):
    """A published round in which both schools moved into a category needing intervention (so each has a letter)."""
    import uuid

    from portal.auth.models import User
    from portal.categories import rules as category_rules
    from portal.extensions import db
    from portal.schools.models import School
    from tests.categories_helpers import build_scheme, decide

    version = build_scheme()
    admin = db.session.scalar(db.select(User).where(User.is_la_admin.is_(True)))
    categorisation_round = category_rules.start_round(name="Autumn", opens_on=version.published_at.date(),
                                                      proposals_due_on=version.published_at.date())
    db.session.flush()
    for school_id in school_ids:
        school = db.session.get(School, school_id)
        adviser = next((r.user for r in school.roles if r.role == Role.ADVISER), admin)
        decide(categorisation_round, school, adviser, admin, "Concern")
    entries = category_rules.publish_round(categorisation_round, admin, version.published_at.date())
    db.session.flush()
    return {"scheme_id": version.scheme_id, "scheme_version_id": version.id, "category_id": version.categories[0].id,
            "indicator_id": version.indicators[0].id, "down": 1, "round_id": categorisation_round.id,
            "upload_id": uuid.UUID(int=1), "entries": {e.school_id: e.id for e in entries}}


def _intervention_step(app, school):
    """A warning notice with one document, so its pages and download have something to show."""
    import io
    from datetime import date

    from portal.evidence import rules as evidence_rules
    from portal.evidence.files import check_head
    from portal.evidence.storage import storage_for
    from portal.extensions import db
    from portal.intervention import rules as intervention_rules
    from portal.intervention.models import StepKind

    step_file = evidence_rules.keep_uploaded_file(school, None, storage_for(app.config).save(
        io.BytesIO(b"%PDF-1.4\n%%EOF\n"), max_bytes=1000, display_name="notice.pdf"), check_head("a.pdf", b"%PDF-1.4\n"),
        "notice.pdf")
    db.session.flush()
    step = intervention_rules.record_step(school, None, kind=StepKind.WARNING_NOTICE, issued_on=date(2026, 11, 2),
                                          compliance_due_on=date(2026, 11, 16), documents=[step_file])
    db.session.flush()
    return {"step_id": step.id, "document_id": step_file.id}


def _exit_checklists(school):
    """An approved exit checklist (with its letter: the school moved from Concern to Watch) and an open one on the
    ready-made criteria."""
    from portal.auth.models import User
    from portal.categories.schemes import current_version
    from portal.exit import notify as exit_notify
    from portal.exit import rules as exit_rules
    from portal.exit.models import Answer
    from portal.extensions import db
    from tests.categories_helpers import category

    if not exit_rules.active_criteria():
        exit_rules.add_ready_made()
    admin = db.session.scalar(db.select(User).where(User.is_la_admin.is_(True)))
    approved = exit_rules.start_checklist(school, None)
    db.session.flush()
    for answer in approved.answers:
        exit_rules.answer_criterion(approved, answer, None, value=Answer.MET, note="Seen at the reviews")
    exit_rules.recommend(approved, None, category_id=category(current_version(), "Watch").id, reason="Ready")
    decision, entry = exit_rules.approve(approved, admin, reason="The evidence shows it")
    exit_notify.exit_approved(approved, decision, entry)
    checklist = exit_rules.start_checklist(school, None)
    db.session.flush()
    return {"checklist_id": checklist.id, "approved_checklist_id": approved.id, "answer_id": checklist.answers[0].id,
            "exit_criterion_id": checklist.answers[0].criterion_id}


def _criterion_added_since():
    """An exit criterion the LA added after the open checklists started: answered from its own page."""
    from portal.exit import rules as exit_rules
    from portal.extensions import db

    criterion = exit_rules.save_criterion(None, title="Attendance above the national average for two terms")
    db.session.flush()
    return criterion.id


def _support_package(school):
    """A copy of a ready-made support template, applied to the school."""
    from datetime import date

    from portal.extensions import db
    from portal.support import rules as support_rules

    template = support_rules.copy_ready_made(dict(support_rules.ready_made_templates())[1])
    db.session.flush()
    package = support_rules.apply_template(school, template, None, trigger_on=date(2026, 11, 2),
                                           trigger_label="Inspection report published", closures=frozenset())
    db.session.flush()
    return {"template_id": template.id, "template_activity_id": template.activities[0].id,
            "package_id": package.id, "activity_id": package.activities[0].id}


def _final_visit(app, school, stored):
    """A visit with an attachment and final notes, so governors may read it too."""
    from datetime import date

    from portal.evidence import rules as evidence_rules
    from portal.evidence.files import check_head
    from portal.extensions import db
    from portal.visits import rules as visit_rules
    from portal.visits.models import Verdict, VisitKind

    visit = visit_rules.record_visit(school, None, visited_on=date(2026, 10, 7), kind=VisitKind.MONITORING,
                                     looked_at=[f"p{school_plan_priority(school)}"], today=date(2026, 10, 7))
    db.session.flush()
    attachment = evidence_rules.keep_uploaded_file(school, None, stored, check_head("a.pdf", b"%PDF-1.4\n"), "notes.pdf")
    db.session.flush()
    visit_rules.attach_files(visit, [attachment])
    visit_rules.save_notes(visit, summary="Reading is improving.", sections={})
    visit_rules.issue(visit, None, today=date(2026, 10, 8))
    visit_rules.respond(visit, None, verdict=Verdict.ACCURATE, corrections={}, today=date(2026, 10, 9))
    db.session.flush()
    db.session.refresh(visit)
    return visit


def school_plan_priority(school):
    from portal.visits.rules import current_plan

    return current_plan(school).priorities[0].id


def _url(app, endpoint, school_id, ids):
    """The endpoint's URL for ``school_id``, naming that school's own records."""
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    def value(name):
        if name == "school_id":
            return school_id
        if name in ("version_id", "action_id") and endpoint.startswith("minutes."):
            return ids[school_id][f"minutes_{name}"]  # minutes have their own versions and actions
        if name == "file_id" and endpoint.startswith("visits."):
            return ids[school_id]["visit_file_id"]
        if name == "checklist_id" and endpoint.startswith("exit.letter"):
            return ids[school_id]["approved_checklist_id"]  # an exit letter exists once exit is approved
        if name == "exit_criterion_id" and endpoint == "exit.answer_new_criterion":
            return ids[school_id]["new_exit_criterion_id"]
        return ids[school_id][name]

    values = {name: value(name) for name in rule.arguments}
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values), ("GET" if "GET" in rule.methods else "POST"), "school_id" in rule.arguments


def _request(client, method, url):
    return client.get(url) if method == "GET" else client.post(url, data={})


ENDPOINTS = sorted(e for e in EXPECTED if e != "static")
# Public pages with answers of their own: the QR code of an app being set up is only its owner's session's (404
# without one); a single sign-on through a provider that does not answer gets the "not answering" page (502).
PUBLIC_ANSWERS = {"auth.two_factor_qr_code": (200, 302, 400, 404), "sso.start": (200, 302, 400, 502)}


def _public_answers(endpoint):
    return PUBLIC_ANSWERS.get(endpoint, (200, 302, 400))


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_visitors_are_sent_to_sign_in(app, client, place, endpoint):
    url, method, _ = _url(app, endpoint, place["own"], place["ids"])
    response = _request(client, method, url)
    if EXPECTED[endpoint] == "public":
        assert response.status_code in _public_answers(endpoint)  # 400: a made-up password link is refused
    else:
        assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


# Endpoints a page's script calls, which refuse what it sent (here: nothing) with a status rather than a page.
REFUSES_BAD_INPUT_WITH = {"evidence.upload_file": (422,)}


def _problems(app, client, place, endpoint, person):
    """What is wrong with the answers ``person`` gets from ``endpoint`` at their school and at another: [message]."""
    rule = EXPECTED[endpoint]
    own_url, method, school_scoped = _url(app, endpoint, place["own"], place["ids"])
    answer = _request(client, method, own_url).status_code
    if rule == "public":
        expected = _public_answers(endpoint)
    elif rule == "signed_in":
        expected = (200, 204, 302)
    elif rule == "la_admin":
        expected = (200, 302, 400) if person == "la_admin" else (403,)
    else:
        expected = (200, 302, *REFUSES_BAD_INPUT_WITH.get(endpoint, ())) if person in ALLOWED[rule] else (403,)
    found = [] if answer in expected else [f"{person} got {answer} at their own school (expected {expected})"]
    if school_scoped:
        other_url, _, _ = _url(app, endpoint, place["other"], place["ids"])
        other_answer = _request(client, method, other_url).status_code
        if person == "la_admin":
            other_expected = (200, 302, 400) if rule == "la_admin" or person in ALLOWED.get(rule, ()) else (403,)
        else:
            other_expected = (403, 404) if rule == "la_admin" else (404,)
        if other_answer not in other_expected:
            found.append(f"{person} got {other_answer} at another school (expected {other_expected})")
    return found


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e != "auth.sign_out"])  # sign-out: test_auth
def test_each_role_gets_the_expected_answer(app, client, sign_in, place, endpoint):
    """Every person in turn, on one set of records (the place is built once per endpoint, not per person)."""
    problems = []
    for person in sorted(PEOPLE):
        sign_in(place["emails"][person])
        problems += _problems(app, client, place, endpoint, person)
    assert not problems, f"{endpoint}: " + "; ".join(problems)


def test_another_schools_record_under_my_school_is_not_found(app, client, sign_in, place):
    """A headteacher cannot reach school B's self-evaluation by putting its id under their own school."""
    sign_in(place["emails"]["headteacher"])
    other_evaluation = place["ids"][place["other"]]["evaluation_id"]
    other_judgement = place["ids"][place["other"]]["judgement_id"]
    own_evaluation = place["ids"][place["own"]]["evaluation_id"]
    base = f"/schools/{place['own']}/self-evaluations"
    assert client.get(f"{base}/{other_evaluation}").status_code == 404
    assert client.get(f"{base}/{other_evaluation}/print").status_code == 404
    assert client.post(f"{base}/{own_evaluation}/areas/{other_judgement}", data={}).status_code == 404


def test_unknown_school_and_forbidden_school_look_the_same(client, world, sign_in):
    own = world.school("Own School")
    other = world.school("Other School")
    world.user("head@example.org", roles=[(own, Role.HEADTEACHER)])
    sign_in("head@example.org")
    forbidden = client.get(f"/schools/{other}")
    missing = client.get("/schools/999999")
    assert forbidden.status_code == missing.status_code == 404
    from tests.conftest import text_of

    assert text_of(forbidden) == text_of(missing)


def test_adviser_sees_only_assigned_schools(client, world, sign_in):
    from tests.conftest import text_of

    assigned = world.school("Assigned School")
    world.school("Unassigned School")
    world.user("adviser@example.org", roles=[(assigned, Role.ADVISER)])
    sign_in("adviser@example.org")
    page = text_of(client.get("/"))
    assert "Assigned School" in page and "Unassigned School" not in page
