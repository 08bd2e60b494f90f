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
    """The LA's idle timeout and whether staff need a second factor; the absolute lifetime is the operator's
    (SESSION_LIFETIME_HOURS)."""
    form = SessionSettingsForm()
    if not form.is_submitted():
        saved = session_settings()
        form.idle_minutes.data, form.two_factor_for_staff.data = saved.idle_minutes, saved.two_factor_for_staff
    if form.validate_on_submit():
        try:
            save_session_settings(idle_minutes=form.idle_minutes.data, two_factor_for_staff=form.two_factor_for_staff.data)
        except RuleBroken as broken:
            attach_to_form(form, broken)
        else:
            db.session.commit()
            flash(f"Saved. People are signed out after {form.idle_minutes.data} minutes without using the portal."
                  + (" LA admins and advisers use two-factor authentication." if form.two_factor_for_staff.data else ""),
                  "success")
            return redirect(url_for("admin.sessions"))
    return render_template("admin/sessions.html", form=form, lifetime_hours=current_app.config["SESSION_LIFETIME_HOURS"])
