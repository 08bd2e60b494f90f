"""The LA admin's identity providers, and unlinking an account from one."""

from flask import flash, redirect, render_template, url_for
from sqlalchemy import select

from portal import audit
from portal.access import la_admin_required
from portal.auth.models import User
from portal.errors_domain import RuleBroken, attach_to_form
from portal.extensions import db
from portal.sso import bp, rules
from portal.sso.forms import ProviderForm
from portal.sso.models import IdentityProvider, SsoLink
from portal.sso.views import redirect_uri


@bp.route("/admin/single-sign-on")
@la_admin_required
def providers():
    return render_template("sso/providers.html", providers=rules.all_providers(), redirect_uri=redirect_uri())


@bp.route("/admin/single-sign-on/new", methods=["GET", "POST"])
@la_admin_required
def provider_new():
    return _provider_form(None)


@bp.route("/admin/single-sign-on/<int:provider_id>", methods=["GET", "POST"])
@la_admin_required
def provider_edit(provider_id):
    provider = db.get_or_404(IdentityProvider, provider_id)
    return _provider_form(provider)


def _provider_form(provider):
    form = ProviderForm(obj=provider)
    if form.validate_on_submit():
        try:
            saved = rules.save_provider(provider, name=form.name.data, issuer=form.issuer.data,
                                        client_id=form.client_id.data, client_secret=form.client_secret.data,
                                        email_domains=form.email_domains.data, passwords_off=form.passwords_off.data,
                                        active=form.active.data)
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "name")
        else:
            db.session.commit()
            flash(f"{saved.name} saved.", "success")
            return redirect(url_for("sso.providers"))
    return render_template("sso/provider_form.html", form=form, provider=provider, redirect_uri=redirect_uri())


@bp.route("/admin/users/<int:user_id>/single-sign-on/<int:link_id>/unlink", methods=["POST"])
@la_admin_required
def unlink(user_id, link_id):
    """The person's next single sign-on links them afresh by email (a new account at the provider, say)."""
    user = db.get_or_404(User, user_id)
    link = db.session.scalar(select(SsoLink).where(SsoLink.id == link_id, SsoLink.user_id == user.id))
    if link is None:
        return redirect(url_for("admin.user_edit", user_id=user.id))
    name = link.provider.name
    db.session.delete(link)
    audit.record("auth.sso_unlinked", f"Unlinked from {name}", record_type="user", record_id=user.id,
                 changes={"provider": name})
    db.session.commit()
    flash(f"{user.name} is no longer linked to a {name} account. Their next sign-in through {name} links them again "
          "by email.", "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))
