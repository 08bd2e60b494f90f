from flask import render_template, request
from flask_login import current_user

from portal.access import is_la_admin, signed_in
from portal.comments.rules import open_comments_for
from portal.evidence.rules import queries_to_answer
from portal.categories.rules import round_work_for
from portal.home.rules import light_touch_due_for, support_due_for
from portal.home import bp
from portal.minutes.rules import minutes_awaiting_confirmation_by, open_actions_for, reviews_without_governing_body_date
from portal import clock
from portal.meetings.rules import due_for
from portal.schools.models import Role
from portal.visits.rules import notes_to_act_on
from portal.home.overview_views import overview
from portal.home.rules import half_term_duties, schools_with_roles, self_evaluations_to_act_on
from portal.extensions import htmx
from portal.page_cache import kept_page


@bp.route("/")
@signed_in
@kept_page
def index():
    memberships = schools_with_roles(current_user)
    advised_schools = [school for school, roles in memberships if Role.ADVISER in roles]
    today = clock.today()
    duties = half_term_duties(current_user, today)
    context = {
        "advised_schools": advised_schools,
        "my_schools": [(school, roles) for school, roles in memberships if roles != [Role.ADVISER]],
        "self_evaluations": self_evaluations_to_act_on(current_user),  # (the first twenty, how many)
        "due": due_for(current_user),
        "verification": duties,
        "evidence_queries": queries_to_answer(current_user),
        "minutes_to_confirm": minutes_awaiting_confirmation_by(current_user),
        "my_actions": open_actions_for(current_user),
        "visit_notes": notes_to_act_on(current_user),
        "not_visited": (duties["half_term"], duties["not_visited"]) if duties and advised_schools else (None, []),
        "plan_comments": open_comments_for(current_user),
        "without_governing_body": reviews_without_governing_body_date() if is_la_admin(current_user) else ([], 0),
        "today": today,
        "categorisation": round_work_for(current_user),
        "support_due": support_due_for(current_user, today),
        "light_touch_due": light_touch_due_for(current_user, today),
    }
    context["overview"] = overview(current_user, request.args, context["today"], page_number=request.args.get("page", 1, type=int))
    if context["overview"] is not None:
        context["page"] = context["overview"]["page"]
        if htmx and htmx.target == "overview-rows":
            return render_template("home/_overview_rows.html", **context)
    return render_template("home/index.html", **context)
