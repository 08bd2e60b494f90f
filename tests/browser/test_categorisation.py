"""In a real browser: a categorisation round from the adviser's proposal to the school seeing its category.

The adviser rates every indicator and proposes a category; the LA admin agrees it in place (htmx), decides a
category for a school with no proposal, and publishes; the headteacher sees the category, the reason and the letter.
Without JavaScript, "Agree" is an ordinary form post that comes back to the moderation page.
"""

import re
from datetime import timedelta

from playwright.sync_api import expect

from portal import clock
from portal.auth.models import User
from portal.categories import rules
from portal.extensions import db
from portal.schools.models import Role, School
from tests.categories_helpers import build_scheme, category, rate_all
from tests.conftest import PASSWORD

REASON = "Leadership capacity is stretched after the headteacher's long absence."


def _sign_in(page, portal_url, email):
    page.goto(portal_url + "/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/sign-in"))  # signed in before the next step navigates away


def _person(browser, portal_url, email, violations=None, **context_options):
    """A context of its own (its own cookies) for each person, signed in."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    if violations is not None:
        page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)
    _sign_in(page, portal_url, email)
    return context, page


def _start_round(name="Autumn 2026"):
    today = clock.today()
    return rules.start_round(name=name, opens_on=today, proposals_due_on=today + timedelta(days=14),
                             moderation_on=today + timedelta(days=21))


def test_adviser_proposes_la_moderates_and_publishes_and_the_head_sees_the_category(app, browser, portal_url, world):
    school_a = world.school("Brookside Primary School")
    school_b = world.school("Hillcrest Primary School")
    world.user("adviser@example.org", "Priya Shah", roles=[(school_a, Role.ADVISER), (school_b, Role.ADVISER)])
    world.user("head@example.org", "Sarah Lewis", roles=[(school_a, Role.HEADTEACHER)])
    world.user("chair@example.org", "Tom Baker", roles=[(school_a, Role.CHAIR_OF_GOVERNORS)])
    world.user("admin@example.org", "Alex Morgan", is_la_admin=True)
    with app.app_context():
        version = build_scheme()
        categorisation_round = _start_round()
        db.session.commit()
        round_id, indicators = categorisation_round.id, [indicator.name for indicator in version.indicators]
    moderation_url = f"{portal_url}/categories/rounds/{round_id}"
    contexts, violations = [], []

    # --- the adviser proposes a category for school A --------------------------------------------------
    context, page = _person(browser, portal_url, "adviser@example.org", violations)
    contexts.append(context)
    # The adviser's home page says what the round asks of them and leads to it.
    page.goto(portal_url + "/")
    expect(page.get_by_text("2 of your 2 schools still need a proposed category")).to_be_visible()
    page.get_by_role("link", name="Your schools in Autumn 2026").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Autumn 2026: your schools")
    expect(page.locator("tbody tr")).to_have_count(2)
    page.get_by_role("link", name="Brookside Primary School").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Brookside Primary School")
    known = page.locator(".govuk-summary-card", has=page.get_by_role("heading", name="What the portal already knows"))
    expect(known).to_be_visible()
    expect(known).to_contain_text("No inspection recorded.")
    expect(page.locator(".portal-suggestion").first).to_contain_text("Suggestion:")
    expect(page.locator(".portal-suggestion", has_text="No inspection is recorded.")).to_be_visible()

    ratings = {indicators[0]: "Amber", indicators[1]: "Red", indicators[2]: "Green"}
    for name, rating in list(ratings.items())[:-1]:  # the last indicator is left unrated at first
        page.get_by_role("group", name=f"Rating for {name}").get_by_label(rating, exact=True).check()
    page.get_by_role("group", name="Proposed category").get_by_label("3: Concern").check()
    page.get_by_label("Why this category").fill(REASON)
    page.get_by_role("button", name="Send for moderation").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(f"{indicators[2]} not rated yet")
    target = summary.get_by_role("link").first.get_attribute("href")  # the summary's link leads to the unrated radios
    expect(page.locator(target)).to_have_count(1)
    expect(page.get_by_role("group", name=f"Rating for {indicators[2]}").locator(target)).to_have_count(1)
    # What was typed and chosen is kept.
    expect(page.get_by_label("Why this category")).to_have_value(REASON)
    expect(page.get_by_role("group", name="Proposed category").get_by_label("3: Concern")).to_be_checked()
    for name, rating in list(ratings.items())[:-1]:
        expect(page.get_by_role("group", name=f"Rating for {name}").get_by_label(rating, exact=True)).to_be_checked()
    unrated = page.get_by_role("group", name=f"Rating for {indicators[2]}")
    for rating in ("Red", "Amber", "Green"):
        expect(unrated.get_by_label(rating, exact=True)).not_to_be_checked()

    unrated.get_by_label("Green", exact=True).check()
    page.get_by_role("button", name="Send for moderation").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Your proposal for Brookside Primary School has gone to the LA for moderation.")
    expect(page).to_have_url(f"{moderation_url}/my-schools")
    row = page.locator("tbody tr", has_text="Brookside Primary School")
    expect(row).to_contain_text("3: Concern")
    expect(row).to_contain_text("Waiting for moderation")

    # --- the LA admin moderates and publishes --------------------------------------------------------------
    context, page = _person(browser, portal_url, "admin@example.org", violations)
    contexts.append(context)
    page.goto(moderation_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Autumn 2026")
    row_a = page.locator(f"#school-{school_a}")
    expect(row_a).to_contain_text("Waiting for moderation")
    page.evaluate("() => { window.stillTheSamePage = true }")
    with page.expect_response(lambda response: response.request.method == "POST" and "/agree" in response.url):
        row_a.get_by_role("button", name="Agree for Brookside Primary School").click()
    expect(row_a).to_contain_text("Agreed")
    expect(row_a.get_by_role("button", name=re.compile("Agree"))).to_have_count(0)
    expect(row_a.get_by_role("link", name="Change or undo for Brookside Primary School")).to_be_visible()
    assert page.evaluate("() => window.stillTheSamePage") is True  # swapped in place: no navigation
    expect(page.locator("#round-counts")).to_contain_text("Agreed 1")  # the counts above follow the row
    expect(page).to_have_url(moderation_url)

    page.locator(f"#school-{school_b}").get_by_role("link", name="Change for Hillcrest Primary School").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hillcrest Primary School")
    expect(page.get_by_role("main")).to_contain_text("The adviser has not proposed a category yet.")
    page.get_by_label("Change the category").check()
    page.get_by_label("Category", exact=True).select_option(label="2: Watch")
    page.get_by_label("Why it is different").fill("Attendance has fallen two terms running.")
    page.get_by_role("button", name="Save decision").click()
    expect(page).to_have_url(moderation_url)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Hillcrest Primary School: 2: Watch decided.")
    expect(page.locator(f"#school-{school_b}")).to_contain_text("Changed at moderation")
    expect(page.locator(f"#school-{school_a}")).to_contain_text("Agreed")

    page.get_by_role("link", name="Publish the round").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publish Autumn 2026")
    page.get_by_label("I have checked the decisions: publish them to the schools").check()
    page.get_by_role("button", name="Publish the round").click()
    expect(page).to_have_url(moderation_url)
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Autumn 2026 is published: 2 schools can see their category, and 1 letter(s) have gone to headteachers "
        "and chairs of governors.")

    # --- the headteacher of school A sees the category, the reason and the letter --------------------------
    context, page = _person(browser, portal_url, "head@example.org", violations)
    contexts.append(context)
    page.goto(f"{portal_url}/categories/schools/{school_a}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Category")
    main = page.get_by_role("main")
    expect(main.locator("#current-category")).to_contain_text("Concern")
    expect(main).to_contain_text(REASON)
    expect(main).not_to_contain_text("is under way")  # the round is published; nothing in progress shows
    page.get_by_role("link", name="The letter to the headteacher and chair of governors").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Brookside Primary School: now 3: Concern")
    letter = page.locator(".portal-letter")
    expect(letter).to_contain_text("Dear Sarah Lewis and Tom Baker,")
    expect(letter).to_contain_text("Brookside Primary School is now in 3: Concern.")
    expect(letter).to_contain_text(REASON)

    for context in contexts:
        context.close()
    assert violations == []


def test_without_javascript_agree_is_a_form_post_back_to_the_moderation_page(app, browser, portal_url, world):
    school_id = world.school("Meadow Lane Primary School")
    adviser_id = world.user("adviser@example.org", "Priya Shah", roles=[(school_id, Role.ADVISER)])
    world.user("admin@example.org", "Alex Morgan", is_la_admin=True)
    with app.app_context():
        version = build_scheme()
        categorisation_round = _start_round()
        rules.save_proposal(categorisation_round, db.session.get(School, school_id), db.session.get(User, adviser_id),
                            ratings=rate_all(version), category_id=category(version, "Steady").id,
                            reason="Strong on every indicator", submit=True)
        db.session.commit()
        moderation_url = f"{portal_url}/categories/rounds/{categorisation_round.id}"

    context, page = _person(browser, portal_url, "admin@example.org", java_script_enabled=False)
    try:
        page.goto(moderation_url)
        row = page.locator(f"#school-{school_id}")
        expect(row).to_contain_text("Waiting for moderation")
        row.get_by_role("button", name="Agree for Meadow Lane Primary School").click()
        expect(page).to_have_url(re.compile(re.escape(moderation_url) + r"\??$"))
        expect(page.locator(".govuk-notification-banner")).to_contain_text("Meadow Lane Primary School: 1: Steady agreed.")
        expect(row).to_contain_text("Agreed")
        expect(row.get_by_role("button", name=re.compile("Agree"))).to_have_count(0)
    finally:
        context.close()
