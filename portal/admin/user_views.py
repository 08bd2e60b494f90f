from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portal.access import la_admin_required
from portal.admin import bp
from portal.admin.forms import RoleForm, UserForm
from portal.admin.rules import add_role, remove_role, save_user, set_active
from portal.auth import two_factor
from portal.auth.account_views import send_invitation
from portal.auth.models import User
from portal.errors_domain import RuleBroken, attach_to_form
from portal.extensions import db, htmx
from portal.reminders.outbox import deliver_due
from portal.schools.models import Role, School, SchoolRole
from portal.sso.models import SsoLink


def _user_or_404(user_id):
    return db.get_or_404(User, user_id)


def _role_form(submitted=True):
    """The add-a-role form; ``submitted=False`` for a blank one beside another form's errors."""
    form = RoleForm() if submitted else RoleForm(formdata=None)
    schools = db.session.execute(select(School.id, School.name, School.urn).where(School.active.is_(True)).order_by(School.name)).all()
    form.school_id.choices = [(0, "Select a school")] + [(s.id, f"{s.name} ({s.urn})") for s in schools]
    return form


@bp.route("/users")
@la_admin_required
def users():
    search = request.args.get("q", "").strip()
    query = select(User).options(selectinload(User.school_roles).selectinload(SchoolRole.school)).order_by(User.name)
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(or_(User.name.ilike(pattern), User.email.ilike(pattern)))
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=current_app.config["PAGE_SIZE"], error_out=False)
    template = "admin/_user_rows.html" if htmx else "admin/users.html"
    return render_template(template, page=page, search=search)


@bp.route("/users/new", methods=["GET", "POST"])
@la_admin_required
def user_new():
    form = UserForm()
    if form.validate_on_submit():
        try:
            user = save_user(None, name=form.name.data, email=form.email.data, is_la_admin=form.is_la_admin.data, password=form.password.data)
        except RuleBroken as problem:
            attach_to_form(form, problem, "email")
        else:
            invited = not form.password.data
            if invited:
                db.session.flush()
                send_invitation(user)
            db.session.commit()
            if invited:
                deliver_due()
            flash(f"{user.name} has been added{' and sent an invitation to set their password' if invited else ''}. "
                  "Now give them a role at a school.", "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=None)


def _render_edit(user, form, role_form):
    links = db.session.scalars(select(SsoLink).where(SsoLink.user_id == user.id)
                               .options(selectinload(SsoLink.provider)).order_by(SsoLink.id)).all()
    return render_template("admin/user_form.html", form=form, user=user, role_form=role_form,
                           two_factor_on=two_factor.is_on(user), sso_links=links)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@la_admin_required
def user_edit(user_id):
    user = _user_or_404(user_id)
    form = UserForm(obj=user)
    if form.validate_on_submit():
        try:
            save_user(user, name=form.name.data, email=form.email.data, is_la_admin=form.is_la_admin.data,
                      password=form.password.data, acting_user=current_user)
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "email")
        else:
            db.session.commit()
            flash(f"Changes to {user.name} have been saved.", "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    return _render_edit(user, form, _role_form(submitted=False))


@bp.route("/users/<int:user_id>/roles", methods=["POST"])
@la_admin_required
def user_role_add(user_id):
    user = _user_or_404(user_id)
    role_form = _role_form()
    if role_form.validate_on_submit():
        school = db.get_or_404(School, role_form.school_id.data)
        try:
            add_role(user, school, Role(role_form.role.data))
        except RuleBroken as problem:
            attach_to_form(role_form, problem, "role")
        else:
            db.session.commit()
            flash(f"{user.name} is now {Role(role_form.role.data).label.lower()} at {school.name}.", "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    return _render_edit(user, UserForm(obj=user, formdata=None), role_form), 400


@bp.route("/users/<int:user_id>/roles/<int:role_id>/remove", methods=["POST"])
@la_admin_required
def user_role_remove(user_id, role_id):
    membership = db.get_or_404(SchoolRole, role_id)
    if membership.user_id != user_id:
        return redirect(url_for("admin.user_edit", user_id=user_id))
    description = f"{membership.user.name} is no longer {membership.role.label.lower()} at {membership.school.name}."
    remove_role(membership)
    db.session.commit()
    flash(description, "success")
    return redirect(url_for("admin.user_edit", user_id=user_id))


@bp.route("/users/<int:user_id>/invite", methods=["POST"])
@la_admin_required
def user_invite(user_id):
    """Send (again) the email with a single-use link to set a password, valid for 7 days."""
    user = _user_or_404(user_id)
    send_invitation(user)
    db.session.commit()
    deliver_due()
    flash(f"An invitation to set a password has been sent to {user.email}.", "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@la_admin_required
def user_deactivate(user_id):
    return _set_active(user_id, False)


@bp.route("/users/<int:user_id>/two-factor/reset", methods=["POST"])
@la_admin_required
def user_two_factor_reset(user_id):
    """A lost phone and no recovery codes: the person signs in with their password and sets up their app again."""
    user = _user_or_404(user_id)
    if not two_factor.is_on(user):
        flash(f"{user.name} does not use two-factor authentication: there is nothing to reset.", "important")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    two_factor.reset(user)
    db.session.commit()
    flash(f"Two-factor authentication reset for {user.name}. They set it up again"
          + (" when they next sign in." if two_factor.is_required(user) else " from their profile if they want it."),
          "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@la_admin_required
def user_reactivate(user_id):
    return _set_active(user_id, True)


def _set_active(user_id, active):
    user = _user_or_404(user_id)
    try:
        set_active(user, active, current_user)
    except RuleBroken as problem:
        flash(problem.message, "error")
    else:
        db.session.commit()
        flash(f"{user.name} has been {'reactivated' if active else 'deactivated'}.", "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))
