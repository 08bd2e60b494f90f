from flask import render_template

from portal.access import school_access
from portal.schools import bp
from portal.schools.rules import people_by_role


@bp.route("/<int:school_id>")
@school_access()
def show(school):
    return render_template("schools/show.html", school=school, people=people_by_role(school))
