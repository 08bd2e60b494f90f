"""Plan comment rules: the adviser (or the LA admin) opens a question, challenge or praise on one part of a plan;
the school's leaders answer in a thread; the adviser resolves it, or reopens it if there is more to say."""

import enum
from typing import NamedTuple

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, selectinload

from portal.access import is_la_admin, may_run_reviews
from portal.comments.models import CommentKind, CommentReply, CommentStatus, PlanComment
from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.first_few import first_with_total
from portal.plans.models import PlanAction, Priority, SuccessCriterion
from portal.schools.models import SCHOOL_LEADERS, Role, School, SchoolRole
from portal import clock

BODY_LIMIT = 10_000
LABEL_LIMIT = 400  # PlanComment.target_label's column length
HOME_LIMIT = 20


class Awaiting(enum.Enum):
    """Whose turn it is: the school answers the adviser's comment; the adviser answers the school's reply."""

    SCHOOL = "school"
    ADVISER = "adviser"

    @property
    def label(self):
        return {"school": "Waiting for the school", "adviser": "Waiting for the adviser"}[self.value]

    @property
    def whom(self):
        return {"school": "The school", "adviser": "The adviser"}[self.value]

    @property
    def colour(self):
        return {"school": "yellow", "adviser": "blue"}[self.value]


class OpenComment(NamedTuple):
    comment: PlanComment
    awaiting: Awaiting


class OpenComments(NamedTuple):
    """The most recently active open comments (``items``) and how many are open in all (``total``)."""

    items: list
    total: int


# --- what a comment is about ---------------------------------------------------------------------

def _one_line(text, limit=LABEL_LIMIT):
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _belongs(plan, target):
    """Is ``target`` a priority, action or success criterion of ``plan`` (compared by identity, so unsaved ones count)?"""
    for priority in plan.priorities:
        if target is priority or any(target is item for item in [*priority.actions, *priority.success_criteria]):
            return True
    return False


def target_label(plan, target):
    """The words the comment keeps about what it is on, e.g. "Priority 2: Improve reading"."""
    if isinstance(target, Priority):
        number = next(n for n, priority in enumerate(plan.priorities, start=1) if priority is target)
        return _one_line(f"Priority {number}: {target.title}")
    if isinstance(target, PlanAction):
        return _one_line(f"Action: {target.description}")
    if isinstance(target, SuccessCriterion):
        return _one_line(f"Success criterion: {target.description}")
    raise TypeError(f"cannot comment on {target!r}")


def find_target(plan, *, priority=None, action=None, criterion=None):
    """The plan's priority, action or success criterion with that id; None unless exactly one id is given and found."""
    given = [value for value in (priority, action, criterion) if value is not None]
    if len(given) != 1:
        return None
    candidates = [(item, priority) for item in plan.priorities]
    candidates += [(item, action) for p in plan.priorities for item in p.actions]
    candidates += [(item, criterion) for p in plan.priorities for item in p.success_criteria]
    return next((item for item, wanted in candidates if wanted is not None and item.id == wanted), None)


def target_key(comment):
    """What the comment is on as "priority-3", "action-7" or "criterion-9"; None once it is removed from the plan."""
    ids = (("priority", comment.priority_id), ("action", comment.action_id), ("criterion", comment.criterion_id))
    for kind, target_id in ids:
        if target_id is not None:
            return f"{kind}-{target_id}"
    return None


def anchor_for_target(target):
    """The plan page's anchor for a priority, or for the priority an action or success criterion belongs to."""
    priority = target if isinstance(target, Priority) else target.priority
    return f"priority-{priority.id}"


def anchor_for_comment(plan, comment):
    """The plan page's anchor for what the comment is on; None when it has been removed from the plan."""
    target = find_target(plan, priority=comment.priority_id, action=comment.action_id, criterion=comment.criterion_id)
    return anchor_for_target(target) if target is not None else None


# --- changes -------------------------------------------------------------------------------------

def _checked_body(body, missing_message, name):
    body = (body or "").strip()
    if not body:
        raise RuleBroken(missing_message, "body")
    if len(body) > BODY_LIMIT:
        raise RuleBroken(f"{name} must be {BODY_LIMIT:,} characters or fewer", "body")
    return body


def add_comment(plan, user, *, target, kind, body, now=None):
    """Open a comment on one priority, action or success criterion of ``plan``."""
    if target is None or not _belongs(plan, target):
        raise RuleBroken("Choose a priority, action or success criterion of this plan", "body")
    try:
        kind = CommentKind(kind)
    except ValueError:
        raise RuleBroken("Choose whether this is a question, a challenge or praise", "kind") from None
    body = _checked_body(body, "Enter your comment", "Comment")
    if target.id is None:
        db.session.flush()  # a priority, action or criterion added in the same transaction needs its id
    comment = PlanComment(
        plan=plan, school=plan.school, kind=kind, body=body, status=CommentStatus.OPEN, target_label=target_label(plan, target),
        created_by=user, created_at=now or clock.now(),
        priority_id=target.id if isinstance(target, Priority) else None,
        action_id=target.id if isinstance(target, PlanAction) else None,
        criterion_id=target.id if isinstance(target, SuccessCriterion) else None,
    )
    db.session.add(comment)
    return comment


def reply(comment, user, *, body, now=None):
    """Add ``user``'s reply to the thread; a resolved comment must be reopened first."""
    if comment.status == CommentStatus.RESOLVED:
        raise RuleBroken("This comment is resolved. The adviser can reopen it if there is more to say.", "body")
    if comment.school_id is None:
        db.session.flush()  # a comment added in the same transaction: the reply needs its school id
    answer = CommentReply(school_id=comment.school_id, body=_checked_body(body, "Enter your reply", "Reply"),
                          author=user, created_at=now or clock.now())
    comment.replies.append(answer)
    return answer


def resolve(comment, user, *, now=None):
    if comment.status == CommentStatus.RESOLVED:
        raise RuleBroken("This comment is already resolved")
    comment.status = CommentStatus.RESOLVED
    comment.resolved_by_id, comment.resolved_at = getattr(user, "id", None), now or clock.now()


def reopen(comment, user):
    """Open a resolved comment again; the audit log keeps who resolved it and when."""
    if comment.status == CommentStatus.OPEN:
        raise RuleBroken("This comment is already open")
    comment.status = CommentStatus.OPEN
    comment.resolved_by_id, comment.resolved_at = None, None


# --- reading -------------------------------------------------------------------------------------

def _thread_options():
    return (selectinload(PlanComment.replies).joinedload(CommentReply.author),
            joinedload(PlanComment.created_by), joinedload(PlanComment.resolved_by))


def load_comment(plan, comment_id):
    """The plan's comment with its thread, or None (a comment on another plan or school is None too)."""
    return db.session.scalar(
        select(PlanComment)
        .where(PlanComment.id == comment_id, PlanComment.plan_id == plan.id, PlanComment.school_id == plan.school_id)
        .options(*_thread_options())
    )


def comments_for_plan(plan):
    """Every comment on the plan with its thread: open ones first, newest first."""
    return db.session.scalars(
        select(PlanComment)
        .where(PlanComment.plan_id == plan.id)
        .options(*_thread_options())
        .order_by(case((PlanComment.status == CommentStatus.OPEN, 0), else_=1), PlanComment.created_at.desc(),
                  PlanComment.id.desc())
    ).all()


def open_by_target(comments):
    """{target_key: [open comments]} for marking each priority, action and criterion on the plan page."""
    found = {}
    for comment in comments:
        if comment.status == CommentStatus.OPEN and target_key(comment):
            found.setdefault(target_key(comment), []).append(comment)
    return found


def awaiting(comment):
    """The school's turn when the adviser or LA admin wrote last (a comment with no replies included), else the adviser's.

    Uses the comment's school roles and reply authors: load them with the comment.
    """
    last = comment.replies[-1] if comment.replies else None
    if last is None or (last.author is not None and may_run_reviews(last.author, comment.school)):
        return Awaiting.SCHOOL
    return Awaiting.ADVISER


def open_comments_for(user, limit=HOME_LIMIT):
    """Open comments for a home page, most recently active first: at the schools an adviser advises or a
    headteacher or senior leader leads; every school's for the LA admin. A fixed number of queries."""
    if not getattr(user, "is_authenticated", False):
        return OpenComments([], 0)
    query = (select(PlanComment).join(School, PlanComment.school_id == School.id)
             .where(PlanComment.status == CommentStatus.OPEN, School.active.is_(True)))
    if not is_la_admin(user):
        schools = select(SchoolRole.school_id).where(SchoolRole.user_id == user.id,
                                                     SchoolRole.role.in_([Role.ADVISER, *SCHOOL_LEADERS]))
        query = query.where(PlanComment.school_id.in_(schools))
    last_reply = (select(func.max(CommentReply.created_at)).where(CommentReply.comment_id == PlanComment.id)
                  .correlate(PlanComment).scalar_subquery())
    comments, total = first_with_total(
        query, limit, order_by=(func.coalesce(last_reply, PlanComment.created_at).desc(), PlanComment.id.desc()),
        options=(joinedload(PlanComment.school).selectinload(School.roles),
                 selectinload(PlanComment.replies).joinedload(CommentReply.author)))
    return OpenComments([OpenComment(comment, awaiting(comment)) for comment in comments], total)
