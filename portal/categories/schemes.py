"""The LA's category scheme: drafting, editing, publishing and choosing the scheme in use.

A published version is frozen (rounds and history point at its categories); a change is a new draft
version copied from the latest, exactly like self-evaluation frameworks.
"""

import json
import re
import string
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.categories.models import Category, CategoryScheme, Indicator, IndicatorSource, SchemeVersion
from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.settings_cache import kept_between_requests
from portal.frameworks.models import GRADE_COLOURS, VersionStatus
from portal.versioning import ensure_editable, supersede_and_publish

READY_MADE_FOLDER = Path(__file__).resolve().parent / "ready_made"
# What a letter may say about the school and the decision; anything else in braces is refused.
LETTER_PLACEHOLDERS = ("school", "headteacher", "chair", "category", "previous_category", "round", "reason",
                       "support_level", "support_package", "la", "date")
CATEGORY_FIELDS = ("code", "name", "description", "colour", "support_level", "plan_required", "review_meetings",
                   "support_package", "requires_intervention")
INDICATOR_FIELDS = ("name", "guidance_red", "guidance_amber", "guidance_green", "source", "higher_is_better",
                    "green_from", "red_from")


@kept_between_requests(CategoryScheme, SchemeVersion, Category, Indicator)
def current_version(session):
    """The published version of the scheme in use (None until the LA chooses one)."""
    return session.scalar(
        select(SchemeVersion).join(CategoryScheme)
        .where(CategoryScheme.is_current.is_(True), SchemeVersion.status == VersionStatus.PUBLISHED)
        .options(joinedload(SchemeVersion.categories), selectinload(SchemeVersion.indicators))
        .order_by(SchemeVersion.number.desc()).limit(1)
    )


@kept_between_requests(Category)
def every_category(session) -> tuple:
    """Every category of every version of every scheme (a few dozen), kept between requests: what a school's
    latest category entry points at, whichever version it was decided in."""
    return tuple(session.scalars(select(Category)))


def load_version(version_id):
    return db.session.scalar(
        select(SchemeVersion).where(SchemeVersion.id == version_id)
        .options(selectinload(SchemeVersion.categories), selectinload(SchemeVersion.indicators),
                 selectinload(SchemeVersion.scheme))
    )


def _clean_key(text):
    return re.sub(r"[^a-z0-9]+", "-", text.strip().lower()).strip("-")


def make_scheme(name, description=""):
    name = name.strip()
    if db.session.scalar(select(CategoryScheme).where(CategoryScheme.name == name)):
        raise RuleBroken(f"A category scheme called {name} already exists", "name")
    scheme = CategoryScheme(name=name, description=description.strip())
    scheme.versions.append(SchemeVersion(number=1, status=VersionStatus.DRAFT))
    db.session.add(scheme)
    return scheme


# --- ready-made schemes: JSON files beside this module, in the portal's own words ---------------------

def ready_made_schemes():
    """[(slug, scheme data)] of the schemes that ship with the portal, the neutral default first."""
    files = sorted(READY_MADE_FOLDER.glob("*.json"), key=lambda path: (path.stem != "neutral", path.stem))
    return [(path.stem, json.loads(path.read_text(encoding="utf-8"))) for path in files]


def ready_made(slug):
    return next((data for found, data in ready_made_schemes() if found == slug), None)


def scheme_from_data(data, name=None):
    """A new scheme whose draft version 1 holds a ready-made scheme's categories, indicators and letter."""
    scheme = make_scheme(name or data["name"], data.get("description", ""))
    version = scheme.versions[0]
    version.letter_subject, version.letter_body = data.get("letter_subject", ""), data.get("letter_body", "")
    for position, category in enumerate(data["categories"], start=1):
        version.categories.append(Category(key=category["key"], position=position,
                                           **{field: category[field] for field in CATEGORY_FIELDS if field in category}))
    for position, indicator in enumerate(data["indicators"], start=1):
        fields = {field: indicator[field] for field in INDICATOR_FIELDS if field in indicator}
        fields["source"] = IndicatorSource(fields.get("source", "adviser"))
        version.indicators.append(Indicator(key=indicator["key"], position=position, **fields))
    if any(category.get("meetings") for category in data["categories"]):
        from portal.meetings.kinds import rhythms_from_data

        db.session.flush()
        rhythms_from_data(scheme, data)
    return scheme


def copy_version(version, name):
    """A new scheme, as a draft, copied from any version of another (an LA adapts a neighbour's scheme)."""
    return scheme_from_data(version_as_data(version), name)


def version_as_data(version):
    from portal.meetings.kinds import rhythms_as_data

    meetings = rhythms_as_data(version.scheme_id)
    return {
        "description": version.scheme.description, "letter_subject": version.letter_subject, "letter_body": version.letter_body,
        "categories": [{"key": c.key, **{f: getattr(c, f) for f in CATEGORY_FIELDS}, "meetings": meetings.get(c.key, [])}
                       for c in version.categories],
        "indicators": [{"key": i.key, **{f: getattr(i, f) for f in INDICATOR_FIELDS}, "source": i.source.value}
                       for i in version.indicators],
    }


# --- editing a draft --------------------------------------------------------------------------------

def save_category(version, category, *, code, name, description="", colour="grey", support_level="", plan_required=False,
                  review_meetings="", support_package="", requires_intervention=False):
    """Add (``category`` None) or change a category of a draft version."""
    ensure_editable(version)
    code, name = (code or "").strip(), (name or "").strip()
    if colour not in GRADE_COLOURS:
        raise RuleBroken("Choose a colour from the list", "colour")
    for other in version.categories:
        if other is category:
            continue
        if other.code.casefold() == code.casefold():
            raise RuleBroken(f"Another category in this version already has the code {code}", "code")
        if other.name.casefold() == name.casefold():
            raise RuleBroken(f"Another category in this version is already called {name}", "name")
    if category is None:
        key = _unique_key(_clean_key(code or name), {c.key for c in version.categories})
        category = Category(key=key, position=len(version.categories) + 1)
        version.categories.append(category)
    category.code, category.name, category.description = code, name, (description or "").strip()
    category.colour, category.support_level = colour, (support_level or "").strip()
    category.plan_required, category.requires_intervention = bool(plan_required), bool(requires_intervention)
    category.review_meetings, category.support_package = (review_meetings or "").strip(), (support_package or "").strip()
    return category


def _unique_key(key, taken):
    key = key or "item"
    candidate, n = key, 2
    while candidate in taken:
        candidate, n = f"{key}-{n}", n + 1
    return candidate


def move(version, rows, row, step):
    """Move a category or indicator up (-1) or down (+1) in its version's order."""
    ensure_editable(version)
    ordered = list(rows)
    index = ordered.index(row)
    target = index + step
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
        for position, each in enumerate(ordered, start=1):
            each.position = position


def remove(version, rows, row):
    """Take a category or indicator out of a draft; the rest keep their order."""
    ensure_editable(version)
    rows.remove(row)
    db.session.delete(row)
    for position, remaining in enumerate(rows, start=1):
        remaining.position = position


def save_indicator(version, indicator, *, name, guidance_red="", guidance_amber="", guidance_green="",
                   source=IndicatorSource.ADVISER, higher_is_better=True, green_from=None, red_from=None):
    ensure_editable(version)
    name = name.strip()
    if any(other is not indicator and other.name.casefold() == name.casefold() for other in version.indicators):
        raise RuleBroken(f"Another indicator in this version is already called {name}", "name")
    if source == IndicatorSource.IMPORTED:
        if green_from is None or red_from is None:
            raise RuleBroken("Give the figure at which it is green and the figure beyond which it is red", "green_from")
        if (higher_is_better and red_from > green_from) or (not higher_is_better and red_from < green_from):
            worse = "below" if higher_is_better else "above"
            raise RuleBroken(f"The red figure must be {worse} the green one when {'higher' if higher_is_better else 'lower'} is better",
                             "red_from")
    else:
        green_from = red_from = None
    if indicator is None:
        key = _unique_key(_clean_key(name), {i.key for i in version.indicators})
        indicator = Indicator(key=key, position=len(version.indicators) + 1)
        version.indicators.append(indicator)
    indicator.name = name
    indicator.guidance_red, indicator.guidance_amber, indicator.guidance_green = (
        guidance_red.strip(), guidance_amber.strip(), guidance_green.strip())
    indicator.source, indicator.higher_is_better = source, bool(higher_is_better)
    indicator.green_from, indicator.red_from = green_from, red_from
    return indicator


def unknown_placeholders(text):
    """Names in {braces} a letter may not use (a typo would otherwise reach the chair of governors)."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return ["an unmatched { or }"]
    return sorted(names - set(LETTER_PLACEHOLDERS))


def save_letter(version, *, subject, body):
    ensure_editable(version)
    for field, text in (("letter_subject", subject), ("letter_body", body)):
        unknown = unknown_placeholders(text)
        if unknown:
            allowed = ", ".join("{" + name + "}" for name in LETTER_PLACEHOLDERS)
            named = ", ".join(name if name.startswith("an unmatched") else "{" + name + "}" for name in unknown)
            raise RuleBroken(f"The letter uses {named}, which the portal cannot fill in. Use only {allowed}", field)
    version.letter_subject, version.letter_body = subject.strip(), body.strip()


# --- versions and the scheme in use -----------------------------------------------------------------

def draft_next_version(scheme):
    if scheme.draft_version is not None:
        raise RuleBroken(f"Version {scheme.draft_version.number} is already a draft: change that one")
    latest = scheme.versions[-1]
    draft = SchemeVersion(number=latest.number + 1, status=VersionStatus.DRAFT, letter_subject=latest.letter_subject, letter_body=latest.letter_body)
    for category in latest.categories:
        draft.categories.append(Category(key=category.key, position=category.position,
                                         **{f: getattr(category, f) for f in CATEGORY_FIELDS}))
    for indicator in latest.indicators:
        draft.indicators.append(Indicator(key=indicator.key, position=indicator.position,
                                          **{f: getattr(indicator, f) for f in INDICATOR_FIELDS}))
    scheme.versions.append(draft)
    return draft


def publish(version, change_note=""):
    ensure_editable(version)
    if len(version.categories) < 2:
        raise RuleBroken("A scheme needs at least two categories before it is published")
    if not version.indicators:
        raise RuleBroken("Add at least one indicator before publishing")
    return supersede_and_publish(version, version.scheme.versions, change_note)


def make_current(scheme):
    """Only one scheme is in use: rounds opened from now on use its published version."""
    if scheme.published_version is None:
        raise RuleBroken("Publish a version of this scheme before using it")
    for other in db.session.scalars(select(CategoryScheme).where(CategoryScheme.is_current.is_(True))):
        other.is_current = False
    scheme.is_current = True


def category_in(version, key):
    """The category with this key in a version (how a decision made under one version reads in the next)."""
    return next((c for c in version.categories if c.key == key), None)
