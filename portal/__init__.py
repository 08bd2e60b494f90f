"""The school improvement portal: ``create_app`` builds it."""

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from portal import config, page_cache, request_log, security
from portal.evidence.streamed import UploadRequest
from portal.extensions import csrf, db, htmx, login_manager, migrate


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True)
    app.request_class = UploadRequest  # uploads written once, straight into storage
    config.load(app, test_config)
    if app.config["BEHIND_PROXY"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    app.jinja_loader = ChoiceLoader(
        [
            PackageLoader("portal"),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from portal.auth import passwords

    passwords.configure(app.config["PASSWORD_HASH_PROFILE"])
    _import_models()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_folder()), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    WTFormsHelpers(app)
    security.init_app(app)
    request_log.init_app(app)
    page_cache.init_app(app)
    from portal.auth import sessions

    sessions.init_app(app)

    from portal import templating

    templating.init_app(app)

    from portal.admin import audit_views, school_views, session_views, subject_access_views, term_views, user_views  # noqa: F401,E501
    from portal.admin import bp as admin_bp
    from portal.comments import bp as plan_comments_bp
    from portal.comments import views as _comment_views  # noqa: F401
    from portal.visits import bp as visits_bp
    from portal.visits import views as _visit_views  # noqa: F401
    from portal.auth import bp as auth_bp
    from portal.auth import account_views as _account_views  # noqa: F401
    from portal.auth import views as _auth_views  # noqa: F401
    from portal.auth import two_factor_views as _two_factor_views  # noqa: F401
    from portal.errors import bp as errors_bp
    from portal.evidence import bp as evidence_bp
    from portal.evidence import views as _evidence_views  # noqa: F401
    from portal.evidence.queue_views import bp as evidence_queue_bp
    from portal.frameworks import bp as frameworks_bp
    from portal.frameworks import views as _framework_views  # noqa: F401
    from portal.home import bp as home_bp
    from portal.inspections import bp as inspections_bp
    from portal.inspections import views as _inspection_views  # noqa: F401
    from portal.meetings import bp as meetings_bp
    from portal.meetings import kinds_bp as meeting_kinds_bp
    from portal.meetings import kind_views as _kind_views  # noqa: F401
    from portal.meetings import review_views as _review_views  # noqa: F401
    from portal.meetings import views as _meeting_views  # noqa: F401
    from portal.minutes import bp as minutes_bp
    from portal.minutes import views as _minutes_views  # noqa: F401
    from portal.plans import bp as plans_bp
    from portal.reminders.views import bp as reminders_bp
    from portal.plans import views as _plan_views  # noqa: F401
    from portal.self_evaluation import bp as self_evaluation_bp
    from portal.self_evaluation import validation_views as _validation_views  # noqa: F401
    from portal.self_evaluation import views as _self_evaluation_views  # noqa: F401
    from portal.home import views as _home_views  # noqa: F401
    from portal.schools import bp as schools_bp
    from portal.schools import views as _school_views  # noqa: F401
    from portal.schools import chart_views as _school_chart_views  # noqa: F401
    from portal.schools import timeline_views as _school_timeline_views  # noqa: F401
    from portal.categories import bp as categories_bp
    from portal.categories import import_views as _category_import_views  # noqa: F401
    from portal.categories import round_views as _category_round_views  # noqa: F401
    from portal.categories import scheme_views as _category_scheme_views  # noqa: F401
    from portal.categories import school_views as _category_school_views  # noqa: F401
    from portal.intervention import bp as intervention_bp
    from portal.intervention import views as _intervention_views  # noqa: F401
    from portal.exit import bp as exit_bp
    from portal.exit import criteria_bp as exit_criteria_bp
    from portal.exit import views as _exit_views  # noqa: F401
    from portal.support import bp as support_bp
    from portal.support import views as _support_views  # noqa: F401
    from portal.support import review_views as _support_review_views  # noqa: F401
    from portal.health import bp as health_bp
    from portal.health import views as _health_views  # noqa: F401
    from portal.retention import bp as retention_bp
    from portal.retention import views as _retention_views  # noqa: F401
    from portal.sso import bp as sso_bp
    from portal.sso import admin_views as _sso_admin_views  # noqa: F401
    from portal.sso import views as _sso_views  # noqa: F401

    app.register_blueprint(errors_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(schools_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(frameworks_bp)
    app.register_blueprint(self_evaluation_bp)
    app.register_blueprint(inspections_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(meeting_kinds_bp)
    app.register_blueprint(evidence_bp)
    app.register_blueprint(minutes_bp)
    app.register_blueprint(reminders_bp)
    app.register_blueprint(evidence_queue_bp)
    app.register_blueprint(visits_bp)
    app.register_blueprint(plan_comments_bp)
    app.register_blueprint(categories_bp)
    app.register_blueprint(intervention_bp)
    app.register_blueprint(exit_bp)
    app.register_blueprint(exit_criteria_bp)
    app.register_blueprint(support_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(retention_bp)
    app.register_blueprint(sso_bp)

    from portal import cli

    cli.init_app(app)
    _start_scheduler_if_wanted(app)
    return app


def _start_scheduler_if_wanted(app):
    """The embedded default runs reminders inside `flask run` (one process). Never in tests or with the reloader's parent."""
    import os

    if app.config.get("SCHEDULER_IN_WEB") and not app.config.get("TESTING") and os.environ.get("FLASK_RUN_FROM_CLI") == "true":
        if app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
            return
        import logging

        from portal.reminders.scheduler import start_in_background

        app.logger.setLevel(logging.INFO)  # so each run's totals show in the server's output
        app.extensions["reminder_scheduler"] = start_in_background(app)


def _import_models():
    """Import every model so metadata (and Alembic) see the whole schema."""
    from portal import audit  # noqa: F401
    from portal import data_stamp, settings_cache  # noqa: F401
    from portal.auth import models as _auth  # noqa: F401
    from portal.auth import tokens as _tokens  # noqa: F401
    from portal.schools import models as _schools  # noqa: F401
    from portal.terms import models as _terms  # noqa: F401
    from portal.frameworks import models as _frameworks  # noqa: F401
    from portal.self_evaluation import models as _self_evaluation  # noqa: F401
    from portal.inspections import models as _inspections  # noqa: F401
    from portal.plans import models as _plans  # noqa: F401
    from portal.meetings import models as _meetings  # noqa: F401
    from portal.evidence import models as _evidence  # noqa: F401
    from portal.minutes import guard as _minutes_guard  # noqa: F401
    from portal.minutes import models as _minutes  # noqa: F401
    from portal.reminders import models as _reminders  # noqa: F401
    from portal.visits import guard as _visits_guard  # noqa: F401
    from portal.visits import models as _visits  # noqa: F401
    from portal.comments import models as _comments  # noqa: F401
    from portal.categories import models as _categories  # noqa: F401
    from portal.support import models as _support  # noqa: F401
    from portal.categories import guard as _categories_guard  # noqa: F401
    from portal.intervention import models as _intervention  # noqa: F401
    from portal.exit import models as _exit  # noqa: F401
    from portal.retention import models as _retention  # noqa: F401
    from portal.sso import models as _sso  # noqa: F401


def _migrations_folder():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"
