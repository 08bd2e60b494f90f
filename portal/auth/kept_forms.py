"""What someone typed into a form they sent after their session ended, kept so they can send it again.

A headteacher writes a self-evaluation for forty minutes without JavaScript (nothing keeps the session alive),
presses Save, and the idle timeout has passed: the session ends before the page can save anything. Rather than
lose what they wrote, the portal keeps the form's fields (``keep``), and once they have signed in again as the
same person shows them what was kept with a button that sends it to the same page again, with a fresh CSRF
token (``auth.kept_form``). The page then does what it would have done, errors and all.

Not kept: the CSRF token, passwords and sign-in codes, and files (their names are listed, to choose again). A
kept form lasts a day, and a person has at most one: the latest. Sending it again or discarding it forgets it.
"""

from datetime import timedelta

from flask import request
from flask_login import current_user
from sqlalchemy import delete, select

from portal import audit, clock
from portal.auth.models import KeptForm
from portal.extensions import db

KEPT_FOR = timedelta(days=1)
# The hidden field that says which kept form a page was sent again from (so it is then forgotten).
SENT_AGAIN_FIELD = "kept_form_id"
# Never kept: the CSRF token (a fresh one goes with the form), and secrets.
NOT_KEPT = {"csrf_token", SENT_AGAIN_FIELD, "code", "recovery_code", "client_secret", "secret"}
# What a form can be sent as, to be kept.
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def sent_a_form() -> bool:
    """Whether this request sends a form someone filled in (anything else, JSON say, is not a person's typing)."""
    return request.method == "POST" and request.mimetype in FORM_TYPES


def _over_a_day_old(now):
    return KeptForm.kept_at < now - KEPT_FOR


def worth_keeping(name: str) -> bool:
    return name not in NOT_KEPT and "password" not in name


def keep(user, path: str, form, files) -> KeptForm | None:
    """Keep the fields of ``form`` (a MultiDict) sent to ``path`` by ``user``, and the names of ``files`` chosen;
    None when nothing was typed worth keeping. Replaces the person's earlier kept form, and forgets any over a day
    old."""
    if not path.startswith("/") or path.startswith(("//", "/\\")):  # only ever sent back to a page of this site
        return None
    fields = [[name, value] for name, value in form.items(multi=True) if worth_keeping(name)]
    file_names = [upload.filename for upload in files.values() if upload.filename] if files else []
    if not any(value.strip() for _, value in fields) and not file_names:
        return None
    now = clock.now()
    db.session.execute(delete(KeptForm).where((KeptForm.user_id == user.id) | _over_a_day_old(now)),
                       execution_options={"synchronize_session": "fetch"})
    kept = KeptForm(user_id=user.id, path=path, fields=fields, file_names=file_names, kept_at=now)
    db.session.add(kept)
    return kept


def latest_for(user) -> KeptForm | None:
    """The person's kept form, if less than a day old."""
    return db.session.scalar(select(KeptForm).where(KeptForm.user_id == user.id, ~_over_a_day_old(clock.now()))
                             .order_by(KeptForm.id.desc()).limit(1))


def forget(user, kept_id) -> bool:
    """Forget the person's kept form ``kept_id`` (sent again, or discarded); True if there was one."""
    try:
        kept_id = int(kept_id)
    except (TypeError, ValueError):
        return False
    return db.session.execute(delete(KeptForm).where(KeptForm.id == kept_id, KeptForm.user_id == user.id)).rowcount > 0


def forget_when_sent_again():
    """Before a form sent again from the kept form's page is handled: forget the kept form. The page that takes it
    keeps what was typed in its own way from here (shown again with any errors), as for any form."""
    if not sent_a_form() or SENT_AGAIN_FIELD not in request.form:
        return
    if current_user.is_authenticated and forget(current_user, request.form[SENT_AGAIN_FIELD]):
        audit.record("auth.kept_form_sent_again", f"Sent again what was kept from {request.path}",
                     record_type="user", record_id=current_user.id)
        db.session.commit()


def forget_old(now=None) -> int:
    """For the scheduler: kept forms over a day old are forgotten (and never shown: ``latest_for``)."""
    result = db.session.execute(delete(KeptForm).where(_over_a_day_old(now or clock.now())),
                                execution_options={"synchronize_session": "fetch"})
    return result.rowcount or 0


def label(name: str) -> str:
    """A field's name as words for the page that shows what was kept: "criterion_ids" -> "Criterion ids"."""
    words = name.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else name
