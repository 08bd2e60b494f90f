"""Configuration in one place, read in one order.

Safe defaults here, then ``instance/config.py``, then environment variables,
then the mapping a test passes to ``create_app``.
"""

import os
import secrets
from pathlib import Path

PLACEHOLDER_SECRET_KEYS = {"", "dev", "change-me", "changeme", "secret"}


class Defaults:
    SERVICE_NAME = "School improvement"
    ORGANISATION_NAME = "Demo Borough Council"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Secure is also set per request whenever the request came over HTTPS
    # (see security.HttpsAwareSessionInterface).
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 8
    # However busy, a session ends this long after signing in (checked on the server: portal/auth/sessions.py).
    SESSION_LIFETIME_HOURS = 8
    WTF_CSRF_TIME_LIMIT = None
    # Per evidence file (checked while streaming); a whole request may carry several files.
    EVIDENCE_MAX_FILE_BYTES = 100 * 1024 * 1024
    MAX_CONTENT_LENGTH = 520 * 1024 * 1024
    EVIDENCE_STORAGE = "local"
    # Email: SMTP when SMTP_HOST is set, otherwise .eml files in MAIL_FOLDER (instance/mail).
    MAIL_SENDER = "School improvement <no-reply@example.org>"
    SMTP_HOST = ""
    SMTP_PORT = 25
    SMTP_SECURITY = ""  # "", "starttls" or "tls"
    SMTP_USERNAME = ""
    SMTP_PASSWORD = ""
    SMTP_TIMEOUT = 10
    # Reminders go out from this hour (Europe/London) on their working day.
    REMINDER_HOUR = 7
    # Run the reminder scheduler inside the web process (the embedded default, one process only).
    SCHEDULER_IN_WEB = False
    SCHEDULER_MINUTES = 15
    # Notices (a query on evidence, minutes circulated...) are delivered at least this often.
    OUTBOX_SECONDS = 30
    # The address links in emails start with, e.g. https://improvement.example.gov.uk
    PUBLIC_URL = "http://127.0.0.1:5000"
    PAGE_SIZE = 50
    # Memory per process for pages served again while nothing they show has changed (portal/page_cache.py); 0: off.
    PAGE_CACHE_MB = 32
    BEHIND_PROXY = False
    ENV_NAME = "development"
    PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY"


# Environment variables the operator may set, and the config key each sets.
ENVIRONMENT_KEYS = {
    "SECRET_KEY": "SECRET_KEY",
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "PORTAL_SERVICE_NAME": "SERVICE_NAME",
    "PORTAL_ORGANISATION_NAME": "ORGANISATION_NAME",
    "PORTAL_ENV": "ENV_NAME",
    "PORTAL_UPLOAD_FOLDER": "UPLOAD_FOLDER",
    "PORTAL_IMPORT_FOLDER": "IMPORT_FOLDER",
    "PORTAL_EVIDENCE_STORAGE": "EVIDENCE_STORAGE",
    "S3_BUCKET": "S3_BUCKET",
    "S3_ENDPOINT_URL": "S3_ENDPOINT_URL",
    "S3_REGION": "S3_REGION",
    "S3_ACCESS_KEY_ID": "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY": "S3_SECRET_ACCESS_KEY",
    "PORTAL_MAIL_SENDER": "MAIL_SENDER",
    "SMTP_HOST": "SMTP_HOST",
    "SMTP_PORT": "SMTP_PORT",
    "SMTP_SECURITY": "SMTP_SECURITY",
    "SMTP_USERNAME": "SMTP_USERNAME",
    "SMTP_PASSWORD": "SMTP_PASSWORD",
    "PORTAL_PUBLIC_URL": "PUBLIC_URL",
}
BOOLEAN_ENVIRONMENT_KEYS = {
    "PORTAL_SCHEDULER_IN_WEB": "SCHEDULER_IN_WEB",
    "PORTAL_BEHIND_PROXY": "BEHIND_PROXY",
    "PORTAL_SECURE_COOKIES": "SESSION_COOKIE_SECURE",
}


def load(app, test_config=None):
    """Fill ``app.config`` from defaults, instance file, environment, test mapping."""
    app.config.from_object(Defaults)
    instance = Path(app.instance_path)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'portal.sqlite3'}"
    app.config["UPLOAD_FOLDER"] = str(instance / "uploads")
    app.config["MAIL_FOLDER"] = str(instance / "mail")
    # Spreadsheets of figures between upload and import (kept a day at most).
    app.config["IMPORT_FOLDER"] = str(instance / "imports")
    app.config.from_pyfile("config.py", silent=True)
    for variable, key in ENVIRONMENT_KEYS.items():
        if os.environ.get(variable):
            app.config[key] = os.environ[variable]
    for variable, key in BOOLEAN_ENVIRONMENT_KEYS.items():
        if os.environ.get(variable):
            app.config[key] = os.environ[variable].lower() in {"1", "true", "yes", "on"}
    if os.environ.get("PORTAL_PAGE_CACHE_MB", "").isdigit():
        app.config["PAGE_CACHE_MB"] = int(os.environ["PORTAL_PAGE_CACHE_MB"])
    if os.environ.get("PORTAL_EVIDENCE_MAX_FILE_MB", "").isdigit():
        app.config["EVIDENCE_MAX_FILE_BYTES"] = int(os.environ["PORTAL_EVIDENCE_MAX_FILE_MB"]) * 1024 * 1024
    if test_config:
        app.config.update(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(instance)
    if app.config["ENV_NAME"] == "production":
        from portal.production import UnsafeForProduction, settings_problems

        problems = settings_problems(app.config, workers=int(os.environ.get("PORTAL_WORKERS", "1") or 1))
        if problems:
            raise UnsafeForProduction(problems)


def normalise_database_url(url):
    """Accept the ``postgres://`` and ``postgresql://`` forms hosts hand out; use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def instance_secret_key(instance: Path) -> str:
    """Read the secret key from the instance folder, creating it on first run."""
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
