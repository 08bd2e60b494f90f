"""What running for real needs, checked before the portal serves anyone when ``PORTAL_ENV=production``.

A council's operator reads one clear message at start instead of finding out from a lost email or a locked
database weeks later. ``settings_problems`` reads only the configuration; ``data_problems`` asks the database
(demo accounts); gunicorn's ``on_starting`` hook (``portal/gunicorn_config.py``) runs both before any worker
starts (``before_serving``), and ``create_app`` runs the first for every other way of starting the portal."""

from portal.config import PLACEHOLDER_SECRET_KEYS

MIN_SECRET_KEY_LENGTH = 32


class UnsafeForProduction(RuntimeError):
    """The portal refuses to start: the message lists every problem and how to fix it."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("Refusing to start with PORTAL_ENV=production:\n" + "\n".join(f"- {p}" for p in self.problems))


def is_production(config) -> bool:
    return config.get("ENV_NAME") == "production"


def settings_problems(config, workers: int = 1) -> list[str]:
    """Unsafe settings for a production portal served by ``workers`` processes, each with how to fix it."""
    problems = []
    secret = config.get("SECRET_KEY") or ""
    if secret in PLACEHOLDER_SECRET_KEYS or len(secret) < MIN_SECRET_KEY_LENGTH:
        problems.append(f"SECRET_KEY is a placeholder or shorter than {MIN_SECRET_KEY_LENGTH} characters: set it to a "
                        "long random value (python -c 'import secrets; print(secrets.token_hex(32))').")
    if config.get("SQLALCHEMY_DATABASE_URI", "").startswith("sqlite") and workers > 1:
        problems.append(f"SQLite with {workers} web workers: set DATABASE_URL to a PostgreSQL database (SQLite is for "
                        "one process on one machine).")
    if not config.get("SMTP_HOST"):
        problems.append("No SMTP server: set SMTP_HOST (and SMTP_USERNAME, SMTP_PASSWORD, SMTP_SECURITY); without it "
                        "reminders are written to files that nobody reads.")
    if config.get("SCHEDULER_IN_WEB") and workers > 1:
        problems.append("PORTAL_SCHEDULER_IN_WEB is on with several workers: switch it off and run "
                        "'flask --app portal scheduler' once.")
    if not str(config.get("PUBLIC_URL", "")).startswith("https://"):
        problems.append("PORTAL_PUBLIC_URL does not start with https://: links in emails must reach the portal over "
                        "HTTPS.")
    return problems


def data_problems(session) -> list[str]:
    """What in the database must not be in production: the demo accounts, whose password is in the README."""
    from sqlalchemy import func, select

    from portal.auth.models import User
    from portal.demo import PEOPLE

    demo_accounts = session.scalar(select(func.count()).select_from(User).where(
        User.email.in_([email for email, *_ in PEOPLE]), User.active.is_(True)))
    if demo_accounts:
        return [f"{demo_accounts} demo accounts (their password is published) are active: this database was loaded "
                "with demo data. Start from an empty database ('flask --app portal db upgrade'), or deactivate them."]
    return []


def before_serving(workers: int) -> int:
    """What the server's master does once, before any worker starts: refuse to serve (raise
    ``UnsafeForProduction``) when production settings or data are unsafe, and remove the unfinished uploads a
    killed server left (no worker is running, so none is still arriving). Returns how many were removed."""
    from portal import create_app
    from portal.evidence.storage import remove_unfinished_uploads
    from portal.extensions import db

    app = create_app()
    if is_production(app.config):
        problems = settings_problems(app.config, workers)
        with app.app_context():
            try:
                problems += data_problems(db.session)
            finally:
                db.session.remove()
                db.engine.dispose()  # the workers open their own connections
        if problems:
            raise UnsafeForProduction(problems)
    return remove_unfinished_uploads(app.config)
