from flask import current_app, flash, redirect, render_template, url_for

from portal.access import la_admin_required
from portal.admin import bp
from portal.admin.forms import SessionSettingsForm
from portal.auth.sessions import save_session_settings, session_settings
from portal.errors_domain import RuleBroken, attach_to_form
from portal.extensions import db


@bp.route("/sign-in-sessions", methods=["GET", "POST"])
@la_admin_required
def sessions():
    """The LA's idle timeout; the absolute lifetime is the operator's (SESSION_LIFETIME_HOURS)."""
    form = SessionSettingsForm()
    if not form.is_submitted():
        form.idle_minutes.data = session_settings().idle_minutes
    if form.validate_on_submit():
        try:
            save_session_settings(idle_minutes=form.idle_minutes.data)
        except RuleBroken as broken:
            attach_to_form(form, broken)
        else:
            db.session.commit()
            flash(f"Saved. People are signed out after {form.idle_minutes.data} minutes without using the portal.",
                  "success")
            return redirect(url_for("admin.sessions"))
    return render_template("admin/sessions.html", form=form, lifetime_hours=current_app.config["SESSION_LIFETIME_HOURS"])
