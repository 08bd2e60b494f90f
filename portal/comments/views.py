"""Plan comment pages: the adviser comments on a priority, action or success criterion; the school answers in a thread."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.access import may_discuss_plan, may_run_reviews, school_access
from portal.comments import bp, rules
from portal.comments.forms import KIND_HINTS, CommentForm, ReplyForm
from portal.errors_domain import RuleBroken, attach_to_form
from portal.extensions import db
from portal.plans.rules import load_plan

TARGETS = ("priority", "action", "criterion")  # the query string names what a new comment is on: ?priority=ID


def plan_or_404(school, plan_id):
    plan = load_plan(school, plan_id)
    if plan is None:
        abort(404)
    return plan


def comment_or_404(plan, comment_id):
    comment = rules.load_comment(plan, comment_id)
    if comment is None:
        abort(404)
    return comment


def _to_thread(comment, anchor=None):
    return redirect(url_for("plan_comments.show", school_id=comment.school_id, plan_id=comment.plan_id,
                            comment_id=comment.id, _anchor=anchor))


def _show_thread(school, plan, comment, form):
    return render_template("comments/show.html", school=school, plan=plan, comment=comment, form=form,
                           awaiting=rules.awaiting(comment), anchor=rules.anchor_for_comment(plan, comment))


@bp.route("")
@school_access()
def index(school, plan_id):
    plan = plan_or_404(school, plan_id)
    comments = rules.comments_for_plan(plan)
    return render_template("comments/index.html", school=school, plan=plan, comments=comments,
                           awaiting={comment.id: rules.awaiting(comment) for comment in comments})


@bp.route("/new", methods=["GET", "POST"])
@school_access(may_run_reviews)
def new(school, plan_id):
    plan = plan_or_404(school, plan_id)
    given = {name: request.args[name] for name in TARGETS if name in request.args}
    if not given:
        flash("Choose what to comment on: each priority, action and success criterion has a Comment link.", "error")
        return redirect(url_for("plans.show", school_id=school.id, plan_id=plan.id))
    if not all(value.isdigit() for value in given.values()):
        abort(404)
    target = rules.find_target(plan, **{name: int(value) for name, value in given.items()})
    if target is None:
        abort(404)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            comment = rules.add_comment(plan, current_user._get_current_object(), target=target, kind=form.kind.data,
                                        body=form.body.data or "")
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "body")
        else:
            db.session.commit()
            flash(f"{comment.kind.label} added. The school's leaders can now reply.", "success")
            return _to_thread(comment)
    return render_template("comments/new.html", school=school, plan=plan, form=form, kind_hints=KIND_HINTS,
                           label=rules.target_label(plan, target), anchor=rules.anchor_for_target(target))


@bp.route("/<int:comment_id>")
@school_access()
def show(school, plan_id, comment_id):
    plan = plan_or_404(school, plan_id)
    return _show_thread(school, plan, comment_or_404(plan, comment_id), ReplyForm(formdata=None))


@bp.route("/<int:comment_id>/reply", methods=["POST"])
@school_access(may_discuss_plan)
def reply(school, plan_id, comment_id):
    plan = plan_or_404(school, plan_id)
    comment = comment_or_404(plan, comment_id)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            answer = rules.reply(comment, current_user._get_current_object(), body=form.body.data or "")
        except RuleBroken as problem:
            db.session.rollback()
            attach_to_form(form, problem, "body")
        else:
            db.session.commit()
            flash("Reply sent.", "success")
            return _to_thread(comment, f"reply-{answer.id}")
    return _show_thread(school, plan, comment, form)


@bp.route("/<int:comment_id>/resolve", methods=["POST"])
@school_access(may_run_reviews)
def resolve(school, plan_id, comment_id):
    return _change_status(school, plan_id, comment_id, rules.resolve, "Comment resolved.")


@bp.route("/<int:comment_id>/reopen", methods=["POST"])
@school_access(may_run_reviews)
def reopen(school, plan_id, comment_id):
    return _change_status(school, plan_id, comment_id, rules.reopen, "Comment reopened. The school can reply again.")


def _change_status(school, plan_id, comment_id, change, done_message):
    comment = comment_or_404(plan_or_404(school, plan_id), comment_id)
    try:
        change(comment, current_user._get_current_object())
    except RuleBroken as problem:
        db.session.rollback()
        flash(problem.message, "error")
    else:
        db.session.commit()
        flash(done_message, "success")
    return _to_thread(comment)
