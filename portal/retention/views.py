from flask import flash, redirect, render_template, url_for

from portal import clock
from portal.access import la_admin_required
from portal.errors_domain import RuleBroken, attach_to_form
from portal.extensions import db
from portal.retention import bp, rules
from portal.retention.forms import RetentionSettingsForm

SHOWN = 50  # files listed on the page; the totals cover all of them


@bp.route("/", methods=["GET", "POST"])
@la_admin_required
def settings():
    """The LA's retention periods, what they would remove today (a dry run) and what has been removed."""
    saved = rules.settings()
    periods = saved or rules.settings_or_defaults()
    form = RetentionSettingsForm()
    if not form.is_submitted():
        form.evidence_file_years.data = periods.evidence_file_years
        form.closed_school_years.data = periods.closed_school_years
    if form.validate_on_submit():
        try:
            rules.save_settings(evidence_file_years=form.evidence_file_years.data,
                                closed_school_years=form.closed_school_years.data)
        except RuleBroken as broken:
            attach_to_form(form, broken)
        else:
            db.session.commit()
            flash("Retention periods saved. The next retention run removes what they no longer keep.", "success")
            return redirect(url_for("retention.settings"))
    due = rules.files_due(clock.today(), periods)
    return render_template("retention/settings.html", form=form, saved=saved, due=due[:SHOWN], due_count=len(due),
                           due_bytes=sum(file.size or 0 for file in due), removals=rules.recent_removals(), belongs_to=rules.BELONGS_TO)
