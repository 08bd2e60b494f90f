"""The school's timeline page: everything that shaped its support, newest first, filtered by kind and academic year.

The filters are an ordinary GET form (checkboxes and a select), so they work without JavaScript and the address of a
filtered timeline can be shared. What each person sees is decided in portal/schools/timeline.py, from portal/access.py.
"""

from flask import render_template, request
from flask_login import current_user

from portal.access import may_view_school, school_access
from portal.schools import bp
from portal.schools import timeline as rules


@bp.route("/<int:school_id>/timeline")
@school_access(may_view_school)
def timeline(school):
    everything = rules.timeline(school, current_user)
    years = rules.years_of(everything)
    year = request.args.get("year", type=int)
    year = year if year in years else None
    chosen = [source.kind for source in rules.SOURCES if source.kind in request.args.getlist("kind")]
    in_year = rules.narrow(everything, year=year)
    events = rules.narrow(in_year, kinds=chosen or None)
    counts = {source.kind: 0 for source in rules.SOURCES}
    for event in in_year:
        counts[event.kind] += 1
    groups = [(event_year, [e for e in events if e.academic_year == event_year])
              for event_year in rules.years_of(events)]
    return render_template("schools/timeline.html", school=school, groups=groups, total=len(events),
                           sources=rules.SOURCES, counts=counts, chosen=set(chosen), years=years, year=year,
                           year_label=rules.year_label, filtered=bool(chosen or year is not None))
