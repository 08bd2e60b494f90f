from flask import render_template

from portal.access import school_access
from portal.inspections.rules import latest_inspection
from portal.schools import bp
from portal.schools.rules import people_by_role
from portal.self_evaluation.rules import latest_self_evaluation
from portal.page_cache import kept_page


@bp.route("/<int:school_id>")
@school_access()
@kept_page
def show(school):
    from portal.categories.rules import current_entry
    from portal.intervention.rules import open_steps

    return render_template("schools/show.html", school=school, people=people_by_role(school),
                           self_evaluation=latest_self_evaluation(school), inspection=latest_inspection(school),
                           category=current_entry(school), intervention=open_steps([school.id])[school.id])
