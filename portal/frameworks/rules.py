"""Framework decisions: which version is current, drafting, editing and publishing versions."""

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.frameworks.models import (
    AreaDescriptor,
    EvaluationArea,
    Framework,
    FrameworkVersion,
    GradingScale,
    ScaleGrade,
    VersionStatus,
)
from portal.versioning import VersionLocked, ensure_editable, supersede_and_publish  # noqa: F401 (shared rules)


def current_version():
    """The published version of the LA's current framework: new self-evaluations use it."""
    return db.session.scalar(
        select(FrameworkVersion)
        .join(Framework)
        .where(Framework.is_current.is_(True), FrameworkVersion.status == VersionStatus.PUBLISHED)
        .order_by(FrameworkVersion.number.desc())
        .limit(1)
    )


def load_version(version_id):
    return db.session.scalar(
        select(FrameworkVersion)
        .where(FrameworkVersion.id == version_id)
        .options(
            selectinload(FrameworkVersion.areas).selectinload(EvaluationArea.descriptors),
            selectinload(FrameworkVersion.scale).selectinload(GradingScale.grades),
        )
    )


def version_in_use(version) -> bool:
    from portal.self_evaluation.models import SelfEvaluation

    return db.session.scalar(select(exists().where(SelfEvaluation.version_id == version.id)))


def make_scale(name, grades, description=""):
    """``grades``: [(name, descriptor, colour, is_concern)] best first."""
    if db.session.scalar(select(GradingScale).where(GradingScale.name == name)):
        raise RuleBroken(f"A grading scale called {name} already exists", "name")
    if len(grades) < 2:
        raise RuleBroken("A grading scale needs at least two grades", "grades")
    scale = GradingScale(name=name, description=description)
    for position, (grade_name, descriptor, colour, is_concern) in enumerate(grades, start=1):
        scale.grades.append(ScaleGrade(position=position, name=grade_name, descriptor=descriptor, colour=colour, is_concern=is_concern))
    db.session.add(scale)
    return scale


def make_framework(name, scale, description="", has_safeguarding=True):
    if db.session.scalar(select(Framework).where(Framework.name == name)):
        raise RuleBroken(f"A framework called {name} already exists", "name")
    framework = Framework(name=name, description=description)
    framework.versions.append(FrameworkVersion(number=1, scale=scale, has_safeguarding=has_safeguarding))
    db.session.add(framework)
    return framework


def save_area(version, area, *, key, title, criteria, phases, descriptors, needs_sixth_form=False):
    """Add (``area`` None) or change an area of a draft version. ``descriptors``: {grade id: text}."""
    ensure_editable(version)
    key = key.strip().lower()
    clash = next((a for a in version.areas if a.key == key and a is not area), None)
    if clash is not None:
        raise RuleBroken(f"Another area in this version already uses the key {key}", "key")
    if area is None:
        area = EvaluationArea(position=len(version.areas) + 1)
        version.areas.append(area)
    area.key, area.title, area.criteria = key, title.strip(), criteria.strip()
    area.phases = ", ".join(phases)
    area.needs_sixth_form = bool(needs_sixth_form)
    existing = {d.grade_id: d for d in area.descriptors}
    valid_grades = {g.id for g in version.scale.grades}
    for grade_id, text in descriptors.items():
        if grade_id not in valid_grades:
            raise RuleBroken("A descriptor is for a grade that is not on this version's scale")
        if grade_id in existing:
            existing[grade_id].text = text.strip()
        else:
            area.descriptors.append(AreaDescriptor(grade_id=grade_id, text=text.strip()))
    return area


def remove_area(version, area):
    ensure_editable(version)
    version.areas.remove(area)
    db.session.delete(area)
    for position, remaining in enumerate(version.areas, start=1):
        remaining.position = position


def change_scale(version, scale):
    """A draft may switch scale; descriptors written for the old scale's grades go with it."""
    ensure_editable(version)
    if version.scale_id == scale.id:
        return
    for area in version.areas:
        for descriptor in list(area.descriptors):
            area.descriptors.remove(descriptor)
            db.session.delete(descriptor)
    version.scale = scale


def draft_next_version(framework):
    """A new draft copying the latest version's areas and descriptors; the old one stays as it was."""
    if framework.draft_version is not None:
        raise RuleBroken(f"Version {framework.draft_version.number} is already a draft: change that one")
    latest = framework.versions[-1]
    draft = FrameworkVersion(number=latest.number + 1, scale=latest.scale, has_safeguarding=latest.has_safeguarding)
    for area in latest.areas:
        copy = EvaluationArea(key=area.key, title=area.title, position=area.position, criteria=area.criteria, phases=area.phases,
                              needs_sixth_form=area.needs_sixth_form)
        copy.descriptors = [AreaDescriptor(grade_id=d.grade_id, text=d.text) for d in area.descriptors]
        draft.areas.append(copy)
    framework.versions.append(draft)
    return draft


def publish(version, change_note=""):
    ensure_editable(version)
    if not version.areas:
        raise RuleBroken("Add at least one area before publishing")
    return supersede_and_publish(version, version.framework.versions, change_note)


def make_current(framework):
    if framework.published_version is None:
        raise RuleBroken("Publish a version of this framework before making it the one schools use")
    for other in db.session.scalars(select(Framework).where(Framework.is_current.is_(True))):
        other.is_current = False
    framework.is_current = True
