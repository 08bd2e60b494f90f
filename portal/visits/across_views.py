"""Records of visits across schools: one filterable list of every visit the signed-in person may see.

Served at ``/visits`` as ``visits.all_visits``: the visits blueprint's own URLs all sit under one school
(``/schools/<school_id>/visits``), so ``portal.visits`` adds this one to the app when the blueprint is registered.
"""

from flask import current_app, render_template, request
from flask_login import current_user

from portal import clock
from portal.access import is_la_admin, signed_in
from portal.extensions import htmx
from portal.visits import across


@signed_in
def all_visits():
    filters = across.filters_from(request.args)
    found = across.visits_for(current_user, filters, clock.today(), page=request.args.get("page", 1, type=int),
                              per_page=current_app.config["PAGE_SIZE"])
    context = dict(found=found, page=found.page, filters=filters, options=across.filter_options(found),
                   heading="Visits at all schools" if is_la_admin(current_user) else "Visits at all your schools")
    if htmx and not filters.errors:
        return render_template("visits/_all_rows.html", **context)
    response = current_app.make_response(render_template("visits/all.html", **context))
    if htmx:  # the errors sit beside the form, outside the rows htmx swaps: show the whole page's main instead
        response.headers["HX-Retarget"] = "#main-content"
        response.headers["HX-Reselect"] = "#main-content"
    return response
