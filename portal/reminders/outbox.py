"""Queue a message once (the unique key decides), then deliver queued messages by SMTP or as .eml files.

Delivery claims each message with a conditional UPDATE, so two delivery runs at once never send the same
message; a failure backs off and retries, so an SMTP server that is down loses nothing.
"""

import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from portal.extensions import db
from portal.reminders.models import MessageStatus, OutboxMessage
from portal import clock

MAX_ATTEMPTS = 6


def _message(*, key, kind, recipient_email, subject, text_body, html_body, recipient_user_id=None, school_id=None,
             due_on=None, attachment=None) -> dict:
    values = dict(key=key, kind=kind, recipient_email=recipient_email, recipient_user_id=recipient_user_id, school_id=school_id,
                  subject=subject, text_body=text_body, html_body=html_body, due_on=due_on, status=MessageStatus.QUEUED,
                  attempts=0, next_attempt_at=clock.now(), created_at=clock.now(), last_error="", cancelled_reason="",
                  attachment_name=None, attachment_type=None, attachment=None)
    if attachment is not None:
        values.update(attachment_name=attachment[0], attachment_type=attachment[1], attachment=attachment[2])
    return values


def _insert_unless_there():
    """INSERT that leaves a message whose key is already in the outbox alone (the unique key decides, so two
    writers at once still queue it once)."""
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        return pg_insert(OutboxMessage).on_conflict_do_nothing(index_elements=["key"])
    if dialect == "sqlite":
        return sqlite_insert(OutboxMessage).on_conflict_do_nothing(index_elements=["key"])
    return insert(OutboxMessage)  # pragma: no cover - other databases: rely on the unique constraint


def queue(**message) -> bool:
    """Add a message unless one with this key exists; True when it was added now. Safe under concurrency.

    ``message``: key, kind, recipient_email, subject, text_body, html_body and optionally recipient_user_id,
    school_id, due_on and attachment (name, type, bytes)."""
    # The row count of INSERT .. ON CONFLICT DO NOTHING is not reliable through the ORM on PostgreSQL (it
    # reported a row for every call): a returned id is, on both databases.
    statement = _insert_unless_there().values(**_message(**message)).returning(OutboxMessage.id)
    return db.session.execute(statement).first() is not None


def queue_many(messages) -> int:
    """Add many messages in one statement per batch, each unless its key exists: how the reminder scan queues
    thousands at once. Returns how many the database took (all of them, unless another writer got there first)."""
    rows = [_message(**message) for message in messages]
    if not rows:
        return 0
    result = db.session.connection().execute(_insert_unless_there(), rows)  # Core: one executemany, a row count
    return result.rowcount if result.rowcount is not None and result.rowcount >= 0 else len(rows)


def cancel(message, reason):
    if message.status == MessageStatus.QUEUED:
        message.status = MessageStatus.CANCELLED
        message.cancelled_reason = reason[:200]


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient_email
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain="school-improvement-portal")
    email.set_content(message.text_body)
    email.add_alternative(message.html_body, subtype="html")
    if message.attachment is not None:
        maintype, subtype = (message.attachment_type or "application/octet-stream").split("/", 1)
        email.add_attachment(message.attachment, maintype=maintype, subtype=subtype.split(";")[0],
                             filename=message.attachment_name)
    return email


def _send_smtp(config, email: EmailMessage):
    host, port = config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25)
    security = (config.get("SMTP_SECURITY") or "").lower()  # "", "starttls" or "tls"
    timeout = float(config.get("SMTP_TIMEOUT", 10))
    if security == "tls":
        client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USERNAME"):
            client.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
        client.send_message(email)


def _write_eml(config, message, email: EmailMessage) -> str:
    folder = Path(config["MAIL_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{message.id:06d}-{message.kind}.eml"
    path.write_bytes(bytes(email))
    return str(path)


def _claim(message_id) -> bool:
    """Take one queued message for this run; False if another run took it first."""
    result = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == MessageStatus.QUEUED)
        .values(status=MessageStatus.SENDING))
    db.session.commit()
    return result.rowcount == 1


STALE_SENDING = timedelta(minutes=15)


def _give_up_on_interrupted(now):
    """A run that stopped mid-send leaves a message "sending". Never resend it blindly (it may have arrived):
    mark it failed so the LA admin can check and retry."""
    stale = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.status == MessageStatus.SENDING, OutboxMessage.next_attempt_at <= now - STALE_SENDING)).all()
    for message in stale:
        message.status = MessageStatus.FAILED
        message.last_error = "Interrupted while sending: check whether it arrived before you retry"
    if stale:
        db.session.commit()


def deliver_due(now=None, limit=200, hold_kinds=()) -> dict:
    """Send queued messages whose time has come, except those of ``hold_kinds`` (reminders wait for a working
    day). Returns counts of sent and failed."""
    config = current_app.config
    now = now or clock.now()
    _give_up_on_interrupted(now)
    waiting = select(OutboxMessage.id).where(OutboxMessage.status == MessageStatus.QUEUED, OutboxMessage.next_attempt_at <= now)
    if hold_kinds:
        waiting = waiting.where(OutboxMessage.kind.not_in(hold_kinds))
    ids = db.session.scalars(waiting.order_by(OutboxMessage.id).limit(limit)).all()
    counts = {"sent": 0, "failed": 0}
    for message_id in ids:
        if not _claim(message_id):
            continue
        message = db.session.get(OutboxMessage, message_id)
        email = build_email(message, config["MAIL_SENDER"])
        try:
            if config.get("SMTP_HOST"):
                _send_smtp(config, email)
            else:
                message.eml_path = _write_eml(config, message, email)
        except (OSError, smtplib.SMTPException) as error:
            message.attempts += 1
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = MessageStatus.FAILED
            else:
                message.status = MessageStatus.QUEUED
                message.next_attempt_at = now + timedelta(minutes=2 ** message.attempts)
            counts["failed"] += 1
        else:
            message.status, message.sent_at, message.last_error = MessageStatus.SENT, clock.now(), ""
            counts["sent"] += 1
        db.session.commit()
    return counts


def retry(message):
    """The LA admin sends a failed message again."""
    if message.status == MessageStatus.FAILED:
        message.status, message.attempts, message.next_attempt_at = MessageStatus.QUEUED, 0, clock.now()
