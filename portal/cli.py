"""Commands for an operator: ``flask --app portal <command>``."""

import click
from flask import current_app
from flask.cli import with_appcontext

from portal import audit
from portal.extensions import db


def init_app(app):
    app.cli.add_command(create_admin)
    app.cli.add_command(demo_data)
    app.cli.add_command(import_gias)
    app.cli.add_command(reminders)
    app.cli.add_command(scheduler)
    app.cli.add_command(backup)
    app.cli.add_command(restore)
    app.cli.add_command(retention)


@click.command("create-admin")
@with_appcontext
@click.option("--email", prompt="Email address")
@click.option("--name", prompt="Full name")
@click.password_option()
def create_admin(email, name, password):
    """Create the first LA admin (or make an existing user one)."""
    from portal.admin.rules import save_user
    from portal.auth.passwords import MINIMUM_LENGTH
    from portal.auth.rules import find_user_by_email

    if len(password) < MINIMUM_LENGTH:
        raise click.ClickException(f"The password must be at least {MINIMUM_LENGTH} characters.")
    audit.cli_actor.set("cli:create-admin")
    save_user(find_user_by_email(email), name=name, email=email, is_la_admin=True, password=password)
    db.session.commit()
    click.echo(f"{email} is an LA admin.")


@click.command("demo-data")
@with_appcontext
def demo_data():
    """Load the demo local authority, schools and accounts (once)."""
    from portal.demo import DEMO_PASSWORD, PEOPLE, load_demo_data

    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("Refusing to load demo accounts in production.")
    audit.cli_actor.set("cli:demo-data")
    if load_demo_data():
        click.echo(f"Demo data loaded. Every demo account's password is {DEMO_PASSWORD}:")
        for email, name, *_ in PEOPLE:
            click.echo(f"  {email}  ({name})")
    else:
        click.echo("Demo data is already loaded.")


@click.command("import-gias")
@with_appcontext
@click.argument("csv_file", type=click.File("rb"))
@click.option("--la-code", required=True, help="The 3-digit LA code whose open schools to import, e.g. 870.")
def import_gias(csv_file, la_code):
    """Import (or update) the open schools of one LA from a GIAS establishment CSV."""
    from portal.schools.gias import GiasImportError, import_schools

    audit.cli_actor.set("cli:import-gias")
    try:
        result = import_schools(csv_file.read(), la_code)
    except GiasImportError as problem:
        db.session.rollback()
        raise click.ClickException(f"Nothing was imported. {problem}") from None
    db.session.commit()
    click.echo(f"Imported: {result.summary}.")


@click.group("reminders")
def reminders():
    """Email reminders: preview or run a scan now."""


@reminders.command("preview")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), help="The working day to preview (default today).")
@with_appcontext
def preview_reminders(day):
    """List the reminders a scan would queue on that day. Sends and writes nothing."""
    from portal.reminders.scan import preview, sending_day
    from portal import clock

    found = preview(day.date() if day else sending_day(clock.now()))
    for reminder in found:
        click.echo(f"{reminder.kind:13} {reminder.email:35} {reminder.subject}")
    click.echo(f"{len(found)} reminders would be queued.")


@reminders.command("run")
@with_appcontext
def run_reminders():
    """Scan for due reminders and deliver the outbox once, now."""
    from portal.reminders.scheduler import run_once

    scanned, delivered = run_once(current_app._get_current_object())
    click.echo(f"{scanned['queued']} queued, {scanned['cancelled']} cancelled; {delivered['sent']} sent, {delivered['failed']} failed.")


@click.command("scheduler")
@with_appcontext
def scheduler():
    """Run the reminder scheduler in the foreground (one process for the whole portal)."""
    from portal.reminders.scheduler import run_forever

    click.echo("Reminder scheduler running; Ctrl+C to stop.")
    run_forever(current_app._get_current_object())


@click.command("backup")
@click.argument("folder", type=click.Path(file_okay=False))
@with_appcontext
def backup(folder):
    """Back up the database and every stored file into FOLDER (new or empty), while the portal runs."""
    from pathlib import Path

    from portal.backup import BackupError, back_up
    from portal.evidence.storage import storage_for

    try:
        manifest = back_up(current_app.config["SQLALCHEMY_DATABASE_URI"], db.session, storage_for(current_app.config),
                           Path(folder))
    except BackupError as refusal:
        raise click.ClickException(str(refusal)) from None
    total = sum(entry["bytes"] for entry in manifest["files"].values())
    click.echo(f"Backed up the {manifest['database']['kind']} database and {len(manifest['files'])} files "
               f"({total:,} bytes) into {folder}; manifest.json lists each with its SHA-256.")


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@with_appcontext
def restore(folder):
    """Restore a backup from FOLDER into this instance's empty database and storage, and check it."""
    from pathlib import Path

    from portal.backup import BackupError, restore as restore_backup
    from portal.evidence.storage import storage_for

    db.session.remove()
    db.engine.dispose()
    try:
        report = restore_backup(Path(folder), current_app.config["SQLALCHEMY_DATABASE_URI"],
                                storage_for(current_app.config))
    except BackupError as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(f"Restored {sum(report.tables.values()):,} rows in {len(report.tables)} tables and {report.files} "
               f"files; {report.confirmed_minutes} confirmed minutes checked against their digests.")
    if report.problems:
        raise click.ClickException("The restored data has problems:\n" + "\n".join(f"- {p}" for p in report.problems))
    click.echo("Every file matches its SHA-256 and every confirmed record its digest.")


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="List what would be removed and why; remove nothing.")
@with_appcontext
def retention(dry_run):
    """Remove stored files the LA's retention periods no longer keep (the records stay, marked removed)."""
    from portal import clock
    from portal.evidence.storage import human_size, storage_for
    from portal.retention import rules

    audit.cli_actor.set("cli:retention")
    today = clock.today()
    saved = rules.settings()
    periods = saved or rules.settings_or_defaults()
    due = rules.files_due(today, periods)
    for file in due:
        click.echo(f"{file.school_name} | {file.belonged_to_label} | {file.display_name} | {file.reason}")
    size = human_size(sum(file.size or 0 for file in due))
    if dry_run:
        click.echo(f"Dry run: {len(due)} files ({size}) would be removed; nothing was removed.")
        if saved is None:
            click.echo(f"The LA has not set its retention periods yet; this used the defaults ({rules.DEFAULT_YEARS} years).")
        return
    if saved is None:
        raise click.ClickException("Nothing was removed: an LA admin must first set the retention periods "
                                   "(Users > Retention of files). Try --dry-run to see what the defaults would remove.")
    removed = rules.remove(due, storage_for(current_app.config), today)
    click.echo(f"Removed {removed['files']} files ({human_size(removed['bytes'])}); each is recorded as removed, "
               "with its name, size, SHA-256 and reason.")
