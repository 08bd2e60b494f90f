"""Categorisation rounds: advisers propose, the LA admin moderates and publishes, history grows by one entry a time.

Rules take ``today`` (or use the one clock) and the acting user; the views only check who may call them.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from portal import clock
from portal.categories.models import (
    CategorisationRound,
    CategoryProposal,
    ChangeKind,
    IndicatorRating,
    ProposalStatus,
    Rating,
    RoundStatus,
    SchemeVersion,
    SchoolCategory,
)
from portal.categories.schemes import current_version
from portal.errors_domain import RuleBroken
from portal.extensions import db
from portal.many_values import one_of
from portal.schools.models import School
from portal.settings_cache import kept_between_requests


# --- rounds ---------------------------------------------------------------------------------------

@kept_between_requests(CategorisationRound, SchemeVersion)
def open_round(session):
    """The round advisers are proposing in now (at most one is open at a time)."""
    return session.scalar(select(CategorisationRound).where(CategorisationRound.status == RoundStatus.OPEN)
                          .options(joinedload(CategorisationRound.version)).limit(1))


def all_rounds():
    return db.session.scalars(select(CategorisationRound).order_by(CategorisationRound.opens_on.desc(),
                                                                   CategorisationRound.id.desc())).all()


def start_round(*, name, opens_on: date, proposals_due_on: date, moderation_on: date | None = None):
    """A new round on the published version of the scheme in use."""
    version = current_version()
    if version is None:
        raise RuleBroken("Choose the category scheme to use (and publish it) before starting a round", "name")
    name = name.strip()
    if db.session.scalar(select(CategorisationRound).where(CategorisationRound.name == name)):
        raise RuleBroken(f"There is already a round called {name}", "name")
    if open_round() is not None:
        raise RuleBroken(f"{open_round().name} is still open: publish it before starting another", "name")
    if proposals_due_on < opens_on:
        raise RuleBroken("Proposals cannot be due before the round opens", "proposals_due_on")
    if moderation_on is not None and moderation_on < proposals_due_on:
        raise RuleBroken("Moderation cannot come before proposals are due", "moderation_on")
    categorisation_round = CategorisationRound(name=name, version=version, opens_on=opens_on, status=RoundStatus.OPEN,
                                               proposals_due_on=proposals_due_on, moderation_on=moderation_on)
    db.session.add(categorisation_round)
    return categorisation_round


def load_round(round_id):
    return db.session.scalar(select(CategorisationRound).where(CategorisationRound.id == round_id)
                             .options(selectinload(CategorisationRound.version)))


def _ensure_open(categorisation_round):
    if categorisation_round.is_published:
        raise RuleBroken(f"{categorisation_round.name} is published: its decisions are final. "
                         "Change a school's category between rounds instead")


# --- the adviser's proposal ---------------------------------------------------------------------------

def proposal_for(categorisation_round, school):
    return db.session.scalar(
        select(CategoryProposal).where(CategoryProposal.round_id == categorisation_round.id,
                                       CategoryProposal.school_id == school.id)
        .options(selectinload(CategoryProposal.ratings), selectinload(CategoryProposal.proposed_category),
                 selectinload(CategoryProposal.agreed_category), selectinload(CategoryProposal.moderated_by)))


def save_proposal(categorisation_round, school, user, *, ratings: dict, category_id, reason: str, submit: bool,
                  suggestions: dict | None = None):
    """Keep the adviser's ratings (``{indicator id: (Rating or None, note)}``) and proposal; ``submit`` sends it to moderation.

    A draft may be incomplete; a submitted proposal needs every indicator rated, a category and a reason.
    """
    _ensure_open(categorisation_round)
    version = categorisation_round.version
    proposal = proposal_for(categorisation_round, school)
    if proposal is not None and proposal.status.is_moderated:
        raise RuleBroken("The LA has already moderated this proposal: ask them to change it", "reason")
    category = None
    if category_id:
        category = next((c for c in version.categories if c.id == category_id), None)
        if category is None:
            raise RuleBroken("Choose one of the scheme's categories", "category_id")
    if submit:
        unrated = [i.name for i in version.indicators if not (ratings.get(i.id) or (None,))[0]]
        if unrated:
            raise RuleBroken(f"Rate every indicator before proposing: {', '.join(unrated)} not rated yet", "ratings")
        if category is None:
            raise RuleBroken("Choose the category you propose", "category_id")
        if not reason.strip():
            raise RuleBroken("Say why you propose this category", "reason")
    if proposal is None:
        proposal = CategoryProposal(round=categorisation_round, school=school, status=ProposalStatus.DRAFT)
        db.session.add(proposal)
    existing = {r.indicator_id: r for r in proposal.ratings}
    for indicator in version.indicators:
        rating, note = ratings.get(indicator.id, (None, ""))
        row = existing.get(indicator.id)
        if row is None:
            row = IndicatorRating(indicator=indicator)
            proposal.ratings.append(row)
        row.rating, row.note = rating, (note or "").strip()
        if suggestions is not None:
            row.suggested = suggestions.get(indicator.id)
    proposal.proposed_category, proposal.reason, proposal.proposed_by = category, reason.strip(), user
    if submit:
        proposal.status, proposal.proposed_at = ProposalStatus.PROPOSED, clock.now()
    return proposal


# --- moderation -------------------------------------------------------------------------------------

def agree(categorisation_round, proposal, admin):
    _ensure_open(categorisation_round)
    if proposal.status != ProposalStatus.PROPOSED:
        raise RuleBroken("Only a proposal the adviser has sent can be agreed", "decision")
    proposal.status, proposal.agreed_category = ProposalStatus.AGREED, proposal.proposed_category
    proposal.moderation_reason, proposal.moderated_by, proposal.moderated_at = "", admin, clock.now()
    return proposal


def change(categorisation_round, school, admin, *, category_id, reason):
    """The LA decides a different category (or one for a school with no proposal yet), saying why."""
    _ensure_open(categorisation_round)
    category = next((c for c in categorisation_round.version.categories if c.id == category_id), None)
    if category is None:
        raise RuleBroken("Choose one of the scheme's categories", "category_id")
    if not reason.strip():
        raise RuleBroken("Say why the category is different from the adviser's proposal", "reason")
    proposal = proposal_for(categorisation_round, school)
    if proposal is None:
        proposal = CategoryProposal(round=categorisation_round, school=school, status=ProposalStatus.DRAFT)
        db.session.add(proposal)
    proposal.status, proposal.agreed_category = ProposalStatus.CHANGED, category
    proposal.moderation_reason, proposal.moderated_by, proposal.moderated_at = reason.strip(), admin, clock.now()
    return proposal


def reopen(categorisation_round, proposal):
    """Undo a moderation decision before publishing (a slip of the mouse is not final until the round is)."""
    _ensure_open(categorisation_round)
    proposal.status = ProposalStatus.PROPOSED if proposal.proposed_at else ProposalStatus.DRAFT
    proposal.agreed_category, proposal.moderation_reason = None, ""
    proposal.moderated_by, proposal.moderated_at = None, None


# --- the school's category over time ------------------------------------------------------------------

def latest_entries(school_ids=None):
    """{school id: its latest category history entry}, in two statements whatever the number of schools."""
    newest = select(SchoolCategory.school_id, func.max(SchoolCategory.id).label("id")).group_by(SchoolCategory.school_id)
    if school_ids is not None:
        newest = newest.where(one_of(SchoolCategory.school_id, school_ids))
    newest = newest.subquery()
    entries = db.session.scalars(
        select(SchoolCategory).join(newest, SchoolCategory.id == newest.c.id)
        .options(joinedload(SchoolCategory.category), joinedload(SchoolCategory.previous_category))).all()
    return {entry.school_id: entry for entry in entries}


def current_entry(school):
    return latest_entries([school.id]).get(school.id)


def history(school):
    """Every published decision on the school, newest first (only published rounds ever reach the history)."""
    return db.session.scalars(
        select(SchoolCategory).where(SchoolCategory.school_id == school.id)
        .options(selectinload(SchoolCategory.category), selectinload(SchoolCategory.previous_category),
                 selectinload(SchoolCategory.round), selectinload(SchoolCategory.decided_by),
                 selectinload(SchoolCategory.proposal).selectinload(CategoryProposal.ratings)
                 .selectinload(IndicatorRating.indicator))
        .order_by(SchoolCategory.id.desc())).all()


@dataclass
class Movement:
    """How a decision compares with the one before: by the categories' order (position 1 needs the least support)."""

    word: str  # "up", "down", "same", "new"

    @property
    def label(self):
        return {"up": "More support", "down": "Less support", "same": "No change", "new": "First category"}[self.word]

    @property
    def colour(self):
        return {"up": "red", "down": "green", "same": "grey", "new": "blue"}[self.word]


def movement(previous, new):
    if previous is None:
        return Movement("new")
    if new.position > previous.position:
        return Movement("up")
    return Movement("down" if new.position < previous.position else "same")


def moves_into_intervention(previous, new):
    return new.requires_intervention and not (previous is not None and previous.requires_intervention)


def _record(school, category, *, kind, reason, effective_on, admin, categorisation_round=None, proposal=None, previous=None):
    entry = SchoolCategory(school=school, category=category, kind=kind, reason=reason, effective_on=effective_on,
                           decided_by=admin, round=categorisation_round, proposal=proposal,
                           previous_category=previous.category if previous else None,
                           letter_sent=moves_into_intervention(previous.category if previous else None, category))
    db.session.add(entry)
    return entry


def unmoderated(categorisation_round):
    """Proposals sent by an adviser that the LA has not yet agreed or changed."""
    return db.session.scalars(select(CategoryProposal).where(CategoryProposal.round_id == categorisation_round.id,
                                                             CategoryProposal.status == ProposalStatus.PROPOSED)
                              .options(selectinload(CategoryProposal.school))).all()


def publish_round(categorisation_round, admin, today: date):
    """Make the round final: each moderated decision joins its school's history. Returns the new entries."""
    _ensure_open(categorisation_round)
    waiting = unmoderated(categorisation_round)
    if waiting:
        names = ", ".join(p.school.name for p in waiting[:5]) + (" and others" if len(waiting) > 5 else "")
        raise RuleBroken(f"{len(waiting)} proposal(s) still need agreeing or changing: {names}", "confirm")
    decided = db.session.scalars(
        select(CategoryProposal).where(CategoryProposal.round_id == categorisation_round.id,
                                       CategoryProposal.status.in_([ProposalStatus.AGREED, ProposalStatus.CHANGED]))
        .options(selectinload(CategoryProposal.school), selectinload(CategoryProposal.agreed_category))).all()
    if not decided:
        raise RuleBroken("No school has an agreed category in this round yet", "confirm")
    before = latest_entries([p.school_id for p in decided])
    entries = [
        _record(p.school, p.agreed_category, kind=ChangeKind.ROUND, effective_on=today, admin=admin,
                reason=p.moderation_reason or p.reason, categorisation_round=categorisation_round, proposal=p,
                previous=before.get(p.school_id))
        for p in decided
    ]
    categorisation_round.status, categorisation_round.published_at = RoundStatus.PUBLISHED, clock.now()
    return entries


def change_between_rounds(school, admin, *, category_id, reason, effective_on: date, today: date):
    """A new inspection or a change of leadership: the LA admin moves the school now, as its own event."""
    version = current_version()
    if version is None:
        raise RuleBroken("Choose the category scheme to use before changing a school's category", "category_id")
    category = next((c for c in version.categories if c.id == category_id), None)
    if category is None:
        raise RuleBroken("Choose one of the scheme's categories", "category_id")
    if not reason.strip():
        raise RuleBroken("Say why the category changes between rounds", "reason")
    if effective_on > today:
        raise RuleBroken("The change cannot take effect in the future: record it on the day", "effective_on")
    previous = current_entry(school)
    if previous is not None and previous.category_id == category.id:
        raise RuleBroken(f"{school.name} is already in {category.label}", "category_id")
    return _record(school, category, kind=ChangeKind.BETWEEN_ROUNDS, reason=reason.strip(), effective_on=effective_on,
                   admin=admin, previous=previous)


# --- the moderation table -----------------------------------------------------------------------------

@dataclass
class ModerationRow:
    school: School
    proposal: CategoryProposal | None
    last: SchoolCategory | None  # the school's category before this round
    reds: int | None = None  # red ratings in the proposal, counted in the database (None: count the loaded ratings)

    @property
    def decided(self):
        return self.proposal.agreed_category if self.proposal is not None and self.proposal.status.is_moderated else None

    @property
    def shown(self):
        """The category the row is about: the LA's decision, else the adviser's proposal."""
        if self.decided is not None:
            return self.decided
        return self.proposal.proposed_category if self.proposal is not None and self.proposal.proposed_at else None

    @property
    def movement(self):
        return movement(self.last.category if self.last else None, self.shown) if self.shown is not None else None

    @property
    def red_count(self):
        if self.proposal is None or not self.proposal.proposed_at:
            return None
        return self.reds if self.reds is not None else self.proposal.red_count

    @property
    def state(self):
        if self.proposal is None or (self.proposal.status == ProposalStatus.DRAFT):
            return "not-proposed"
        return self.proposal.status.value


MODERATION_STATES = {"not-proposed": "Not yet proposed", "proposed": "Waiting for moderation", "agreed": "Agreed",
                     "changed": "Changed at moderation"}


def moderation_rows(categorisation_round, schools):
    """One row per school: its proposal in this round (with ratings) and its category before the round.

    A constant number of statements for any number of schools: proposals, ratings, categories and history are
    each loaded once for the whole page."""
    school_ids = [s.id for s in schools]
    reds = (select(func.count()).where(IndicatorRating.proposal_id == CategoryProposal.id, IndicatorRating.rating == Rating.RED)
            .correlate(CategoryProposal).scalar_subquery())
    proposals = {proposal.school_id: (proposal, red) for proposal, red in db.session.execute(
        select(CategoryProposal, reds).where(CategoryProposal.round_id == categorisation_round.id,
                                             one_of(CategoryProposal.school_id, school_ids))
        .options(joinedload(CategoryProposal.proposed_category), joinedload(CategoryProposal.agreed_category),
                 joinedload(CategoryProposal.proposed_by), joinedload(CategoryProposal.moderated_by)))}
    if categorisation_round.is_published:
        before = _entries_before(categorisation_round, school_ids)
    else:
        before = latest_entries(school_ids)
    rows = []
    for school in schools:
        proposal, red = proposals.get(school.id, (None, None))
        rows.append(ModerationRow(school, proposal, before.get(school.id), reds=red))
    return rows


def _entries_before(categorisation_round, school_ids):
    """For a published round, each school's entry just before the round's own."""
    own = select(SchoolCategory.school_id, func.min(SchoolCategory.id).label("own")).where(
        SchoolCategory.round_id == categorisation_round.id).group_by(SchoolCategory.school_id).subquery()
    newest = (select(SchoolCategory.school_id, func.max(SchoolCategory.id).label("id"))
              .join(own, own.c.school_id == SchoolCategory.school_id)
              .where(SchoolCategory.id < own.c.own, one_of(SchoolCategory.school_id, school_ids))
              .group_by(SchoolCategory.school_id).subquery())
    entries = db.session.scalars(select(SchoolCategory).join(newest, SchoolCategory.id == newest.c.id)
                                 .options(selectinload(SchoolCategory.category))).all()
    return {entry.school_id: entry for entry in entries}


def filter_rows(rows, *, category_key="", movement_word="", state="", red=""):
    """Filters that need the loaded rows (phase, adviser and name are filtered in SQL before)."""
    if category_key:
        rows = [r for r in rows if r.shown is not None and r.shown.key == category_key]
    if movement_word:
        rows = [r for r in rows if r.movement is not None and r.movement.word == movement_word]
    if state:
        rows = [r for r in rows if r.state == state]
    if red:
        rows = [r for r in rows if (r.red_count or 0) > 0]
    return rows


def round_counts(categorisation_round):
    """How far the round has got: {state: number of active schools}."""
    states = {"proposed": ProposalStatus.PROPOSED, "agreed": ProposalStatus.AGREED, "changed": ProposalStatus.CHANGED}

    def proposals(status):
        return (select(func.count()).select_from(CategoryProposal).join(School, School.id == CategoryProposal.school_id)
                .where(CategoryProposal.round_id == categorisation_round.id, CategoryProposal.status == status,
                       School.active.is_(True)).scalar_subquery())

    total, *by_state = db.session.execute(select(  # one statement: the total and each state as columns
        select(func.count()).select_from(School).where(School.active.is_(True)).scalar_subquery(),
        *(proposals(status) for status in states.values()))).one()
    counts = dict(zip(states, by_state))
    counts["not-proposed"] = total - sum(counts.values())
    counts["total"] = total
    return counts


def rating_choices():
    return [(r.value, r.label) for r in Rating]


def category_by_id(version, category_id):
    return next((c for c in version.categories if c.id == category_id), None)



def round_work_for(user):
    """For a home page: the open round and what it asks of this person (None when nothing).

    An adviser: how many of their schools still need a proposal sent. The LA admin: how far the round has got."""
    from portal.access import is_la_admin
    from portal.schools.models import Role, SchoolRole

    categorisation_round = open_round()
    if categorisation_round is None:
        return None
    if is_la_admin(user):
        return {"round": categorisation_round, "counts": round_counts(categorisation_round), "admin": True}
    advised = select(SchoolRole.school_id).where(SchoolRole.user_id == user.id, SchoolRole.role == Role.ADVISER)
    schools = select(func.count()).select_from(School).where(School.active.is_(True), School.id.in_(advised))
    proposals = select(func.count()).select_from(CategoryProposal).where(
        CategoryProposal.round_id == categorisation_round.id, CategoryProposal.school_id.in_(advised),
        CategoryProposal.status != ProposalStatus.DRAFT)
    total, sent = db.session.execute(select(schools.scalar_subquery(), proposals.scalar_subquery())).one()
    if not total:
        return None
    return {"round": categorisation_round, "to_propose": total - sent, "total": total, "admin": False}
