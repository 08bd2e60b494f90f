"""Saving the whole self-evaluation page at once (the page without JavaScript is one form).

Only the parts the person changed are saved, each on its own revision, so a colleague's save of one area is
never overwritten unseen and never holds back the others."""

from dataclasses import dataclass, field

from portal.errors_domain import RuleBroken, attach_to_form
from portal.self_evaluation import rules
from portal.self_evaluation.forms import judgement_form, reopen_at_saved_version, safeguarding_form, sent_with_the_page


@dataclass
class PageSave:
    """What saving the whole page did: the areas saved, and what must be shown again with the person's words."""

    saved: list = field(default_factory=list)  # titles, in page order
    forms: dict = field(default_factory=dict)  # judgement id -> the typed form, with its problem
    conflicts: dict = field(default_factory=dict)  # judgement id -> the judgement a colleague saved meanwhile
    safeguarding: object = None  # the typed safeguarding form, when it has a problem
    problems: list = field(default_factory=list)  # (anchor, message) for the error summary

    @property
    def needs_attention(self):
        return bool(self.forms or self.safeguarding is not None or self.problems)

    def refuse(self, anchor, message):
        if not self.problems:  # "can no longer be changed" once, not once per area
            self.problems.append((anchor, message))


def conflict_message(judgement):
    saved_by = judgement.updated_by.name if judgement.updated_by else "someone else"
    return (f"{saved_by} saved {judgement.area.title} while you were editing. Their version is shown below and yours "
            "is still in the form: save again to replace theirs with yours.")


def _save_changed_areas(evaluation, user, result):
    for area in rules.areas_for(evaluation):
        judgement = evaluation.judgement_for(area)
        form = judgement_form(judgement, evaluation.version.scale, submitted=True)
        if not sent_with_the_page(form):
            continue
        if not form.validate():
            result.forms[judgement.id] = form
            continue
        try:
            if rules.save_changed_judgement(
                judgement, user, opened=form.opened.data, grade_id=form.grade_id.data,
                strengths=form.strengths.data or "", areas_for_development=form.areas_for_development.data or "",
                evidence=form.evidence.data or "", revision=form.revision.data,
            ):
                result.saved.append(area.title)
        except rules.AreaChangedElsewhere:
            form.revision.errors = [conflict_message(judgement)]
            reopen_at_saved_version(form, judgement)
            result.forms[judgement.id], result.conflicts[judgement.id] = form, judgement
        except rules.WrongStatus as problem:
            result.forms[judgement.id] = form
            result.refuse(f"area-{area.key}", problem.message)
        except RuleBroken as problem:
            attach_to_form(form, problem, "grade_id")
            result.forms[judgement.id] = form


def _save_changed_safeguarding(evaluation, result):
    form = safeguarding_form(evaluation, submitted=True)
    if not evaluation.version.has_safeguarding or not form.opened.raw_data:
        return
    if not form.validate():
        result.safeguarding = form
        return
    try:
        if rules.save_changed_safeguarding(evaluation, opened=form.opened.data, met=form.met_answer, note=form.note.data or ""):
            result.saved.append("Safeguarding")
    except rules.WrongStatus as problem:
        result.safeguarding = form
        result.refuse("safeguarding", problem.message)


def save_page(evaluation, user):
    """Save every part of the page the person changed. Each area stands alone: one that cannot be saved (a colleague
    saved it first, or it is too long) is shown again as typed, and never holds back the others."""
    result = PageSave()
    _save_changed_areas(evaluation, user, result)
    _save_changed_safeguarding(evaluation, result)
    return result
