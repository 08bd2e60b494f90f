"""In a real browser: what follows a school's categorisation, from the round's publication to exit.

The LA admin publishes the round that puts Brookside into the category needing intervention and applies that
category's support package on the date of the inspection report; the adviser records the days an activity used
(more than allocated, so they confirm), reviews the package's impact for the term, works through the exit
checklist and recommends exit; the LA admin approves it; the headteacher sees the new category and light-touch
monitoring. The clock is pinned to Wednesday 25 November 2026.
"""

import re
from datetime import date, timedelta
from decimal import Decimal

from playwright.sync_api import expect

from portal import clock
from portal.auth.models import User
from portal.categories import rules as category_rules
from portal.exit import rules as exit_rules
from portal.extensions import db
from portal.schools.models import Role, School
from portal.support import rules as support_rules
from portal.support.models import OffsetUnit, Repeat
from portal.terms.rules import save_term_dates
from tests.categories_helpers import build_scheme, category, decide
from tests.conftest import PASSWORD
from tests.test_meetings import YEAR


def _person(browser, portal_url, email, violations):
    context = browser.new_context()
    page = context.new_page()
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)
    page.goto(portal_url + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/sign-in"))
    return context, page


def _fill_date(group, day):
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def _world(app, world):
    school_id = world.school("Brookside Primary School")
    adviser_id = world.user("adviser@example.org", "Priya Shah", roles=[(school_id, Role.ADVISER)])
    world.user("head@example.org", "Sarah Lewis", roles=[(school_id, Role.HEADTEACHER)])
    world.user("chair@example.org", "Tom Baker", roles=[(school_id, Role.CHAIR_OF_GOVERNORS)])
    admin_id = world.user("admin@example.org", "Alex Morgan", is_la_admin=True)
    with app.app_context():
        save_term_dates(None, *YEAR)
        version = build_scheme()
        today = clock.today()
        autumn = category_rules.start_round(name="Autumn 2026", opens_on=today - timedelta(days=14),
                                            proposals_due_on=today - timedelta(days=7), moderation_on=today)
        decide(autumn, db.session.get(School, school_id), db.session.get(User, adviser_id), db.session.get(User, admin_id),
               "Concern")
        template = support_rules.save_template(name="Concern: first term", category_key=category(version, "Concern").key)
        support_rules.save_template_activity(
            template, what="Action planning meeting with leaders and governors", purpose="Agree the plan's priorities",
            offset_count=15, offset_unit=OffsetUnit.WORKING_DAYS, repeat=Repeat.NONE, who="LA adviser",
            days=Decimal("1"), cost_pence=0)
        support_rules.save_template_activity(
            template, what="Support visit", purpose="Check progress against the plan", offset_count=6,
            offset_unit=OffsetUnit.WEEKS, repeat=Repeat.HALF_TERMLY, who="LA adviser", days=Decimal("2"), cost_pence=60000)
        for title in ("Accurate self-evaluation reported to governors", "A credible plan with milestones"):
            exit_rules.save_criterion(None, title=title)
        db.session.commit()
        return school_id, autumn.id


def test_from_categorisation_to_a_package_an_impact_review_and_exit(app, browser, portal_url, world):
    school_id, round_id = _world(app, world)
    violations, contexts = [], []

    # --- the LA admin publishes the round and applies the category's package --------------------------------
    context, admin = _person(browser, portal_url, "admin@example.org", violations)
    contexts.append(context)
    admin.goto(f"{portal_url}/categories/rounds/{round_id}")
    admin.get_by_role("link", name="Publish the round").click()
    admin.get_by_label("I have checked the decisions: publish them to the schools").check()
    admin.get_by_role("button", name="Publish the round").click()
    expect(admin.locator(".govuk-notification-banner")).to_contain_text("Autumn 2026 is published")

    admin.goto(f"{portal_url}/schools/{school_id}")
    admin.get_by_role("link", name="Support package").click()
    admin.get_by_role("link", name="Apply a support package").click()
    admin.get_by_label("Concern: first term").check()
    admin.get_by_label("What was the trigger?").fill("Inspection report published")
    _fill_date(admin.get_by_role("group", name="Trigger date"), date(2026, 11, 2))
    admin.get_by_role("button", name="Apply the template").click()
    main = admin.get_by_role("main")
    expect(main).to_contain_text("Action planning meeting with leaders and governors")
    expect(main).to_contain_text("23 November 2026")  # 15 working days after 2 November
    expect(main).to_contain_text("14 December 2026")  # 6 weeks after, the first of the half-termly visits

    # --- the adviser records the days used, and reviews the package's impact ----------------------------------
    context, adviser = _person(browser, portal_url, "adviser@example.org", violations)
    contexts.append(context)
    adviser.goto(f"{portal_url}/schools/{school_id}/support")
    adviser.get_by_role("link", name="Record use of Action planning meeting with leaders and governors").click()
    adviser.get_by_label("Days used").fill("1.5")
    _fill_date(adviser.get_by_role("group", name="Date done (optional)"), date(2026, 11, 23))
    adviser.get_by_role("button", name="Save").click()
    summary = adviser.locator(".govuk-error-summary")
    expect(summary).to_contain_text("more than the days allocated")
    expect(adviser.get_by_label("Days used")).to_have_value("1.5")  # what was typed stays
    adviser.get_by_label("I confirm more days were used than were allocated").check()
    adviser.get_by_role("button", name="Save").click()
    expect(adviser.get_by_role("main")).to_contain_text("1.5")

    adviser.get_by_role("link", name=re.compile("Review its impact this term")).click()
    adviser.get_by_label("What impact has the support had?").fill("Leaders now track reading weekly; governors challenge it.")
    adviser.get_by_label("Maintain").check()
    adviser.get_by_label("Why").fill("Early signs are good but it is too soon to reduce.")
    adviser.get_by_role("button", name="Record the review").click()
    expect(adviser.get_by_role("main")).to_contain_text("Leaders now track reading weekly")
    expect(adviser.get_by_role("main")).to_contain_text("Maintain")

    # --- the adviser works through the exit checklist and recommends exit -----------------------------------
    adviser.goto(f"{portal_url}/schools/{school_id}")
    adviser.get_by_role("link", name="Exit from support").click()
    adviser.get_by_role("button", name="Start an exit checklist").click()
    for title in ("Accurate self-evaluation reported to governors", "A credible plan with milestones"):
        adviser.get_by_role("link", name=f"Answer {title}").click()
        adviser.get_by_label("Met", exact=True).check()
        adviser.get_by_label("Note").fill(f"{title}: seen at the last two reviews.")
        adviser.get_by_role("button", name="Save the answer").click()
    adviser.get_by_role("link", name="Recommend exit").click()
    adviser.get_by_label("2: Watch").check()
    adviser.get_by_label("Why the school is ready to exit").fill("Both criteria met for two half terms running.")
    adviser.get_by_role("button", name="Recommend exit").click()
    expect(adviser.locator(".govuk-notification-banner")).to_be_visible()
    checklist_url = adviser.url.split("#")[0]

    # --- the LA admin approves exit ------------------------------------------------------------------------------
    admin.goto(checklist_url)
    admin.get_by_role("link", name="Approve or decline exit").click()
    admin.get_by_label("Approve exit: move the school to the recommended category").check()
    admin.get_by_label("Reasons").fill("The evidence shows leaders can sustain improvement.")
    admin.get_by_label("Light-touch monitoring (terms)").fill("2")
    admin.get_by_role("button", name="Save the decision").click()
    expect(admin.locator(".govuk-notification-banner")).to_be_visible()
    expect(admin.get_by_role("main")).to_contain_text("2: Watch")

    # --- the headteacher sees the new category and the light-touch monitoring --------------------------------
    context, head = _person(browser, portal_url, "head@example.org", violations)
    contexts.append(context)
    head.goto(f"{portal_url}/categories/schools/{school_id}")
    expect(head.locator("#current-category")).to_contain_text("Watch")
    head.goto(checklist_url)
    expect(head.get_by_role("main")).to_contain_text("Light-touch")
    expect(head.get_by_role("link", name="Approve or decline exit")).to_have_count(0)
    head.goto(f"{portal_url}/schools/{school_id}/timeline")
    timeline = head.get_by_role("main")
    expect(timeline).to_contain_text("Concern: first term")
    expect(timeline).to_contain_text("Watch")

    for context in contexts:
        context.close()
    assert violations == []
