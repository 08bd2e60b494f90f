"""The LA admin's pages for grading scales and self-evaluation frameworks."""

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.access import la_admin_required
from portal.extensions import db
from portal.frameworks import bp
from portal.frameworks.models import Framework, GradingScale


@bp.route("")
@la_admin_required
def index():
    frameworks = db.session.scalars(select(Framework).options(selectinload(Framework.versions)).order_by(Framework.name)).all()
    scales = db.session.scalars(select(GradingScale).options(selectinload(GradingScale.grades)).order_by(GradingScale.name)).all()
    return render_template("frameworks/index.html", frameworks=frameworks, scales=scales)
