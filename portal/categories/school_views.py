"""A school's category: its history of published decisions, the letter, and a change between rounds."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import clock
from portal.access import may_change_category, may_view_school, school_access
from portal.categories import bp, notify
from portal.categories.forms import ChangeCategoryForm
from portal.categories.models import SchoolCategory
from portal.categories.rules import change_between_rounds, current_entry, history, movement, open_round, proposal_for
from portal.categories.schemes import current_version
from portal.errors_domain import rule_for
from portal.extensions import db
from portal.pdf import pdf_response


@bp.route("/schools/<int:school_id>")
@school_access(may_view_school)
def school_history(school):
    """Leaders and governors see only what has been published; the adviser and LA admin also see the open round."""
    entries = history(school)
    moves = {entry.id: movement(entry.previous_category, entry.category) for entry in entries}
    categorisation_round = open_round()
    in_progress = None
    if categorisation_round is not None and (current_user.is_la_admin or _advises(school)):
        in_progress = proposal_for(categorisation_round, school)
    return render_template("categories/school_history.html", school=school, entries=entries, moves=moves,
                           current=entries[0] if entries else None, open_round=categorisation_round,
                           in_progress=in_progress, may_change=may_change_category(current_user, school))


def _advises(school):
    from portal.access import is_school_adviser

    return is_school_adviser(current_user, school)


def _letter(school, entry_id):
    """What the letter page and its PDF show: a published entry's letter, 404 unless one was sent for this school."""
    entry = db.session.get(SchoolCategory, entry_id)
    if entry is None or entry.school_id != school.id or not entry.letter_sent:
        abort(404)
    subject, body = notify.fill_letter(entry.category.version, entry)
    return dict(school=school, entry=entry, subject=subject, paragraphs=[p for p in body.split("\n\n") if p.strip()])


@bp.route("/schools/<int:school_id>/letters/<int:entry_id>")
@school_access(may_view_school)
def letter(school, entry_id):
    return render_template("categories/letter.html", **_letter(school, entry_id))


@bp.route("/schools/<int:school_id>/letters/<int:entry_id>/pdf")
@school_access(may_view_school)
def letter_pdf(school, entry_id):
    context = _letter(school, entry_id)
    return pdf_response(render_template("categories/letter.html", **context),
                        f"{school.name} category letter {context['entry'].effective_on.isoformat()}.pdf")


@bp.route("/schools/<int:school_id>/change", methods=["GET", "POST"])
@school_access(may_change_category)
def change_category(school):
    version = current_version()
    if version is None:
        flash("Choose the category scheme to use before changing a school's category.", "error")
        return redirect(url_for("categories.index"))
    form = ChangeCategoryForm(data={"effective_on": clock.today()} if request.method == "GET" else None)
    form.category_id.choices = [(str(c.id), c.label) for c in version.categories]
    if form.validate_on_submit():
        with rule_for(form, "category_id") as outcome:
            entry = change_between_rounds(school, current_user, category_id=int(form.category_id.data),
                                          reason=form.reason.data or "", effective_on=form.effective_on.data,
                                          today=clock.today())
            db.session.flush()
            notify.tell_school(entry)
        if outcome.ok:
            flash(f"{school.name} is now in {entry.category.label}."
                  + (" The letter has gone to the headteacher and chair of governors." if entry.letter_sent else ""),
                  "success")
            return redirect(url_for("categories.school_history", school_id=school.id))
    return render_template("categories/change.html", school=school, form=form, current=current_entry(school))
