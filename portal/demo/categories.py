"""Demo categorisation: the Demo Borough on the neutral scheme, three published rounds and one under way.

Rounds come three a year: autumn opens early in October, spring early in February, summer early in May. The round
under way is the one for the season the demo is loaded in, opened a fortnight before with proposals due a couple
of weeks later; the three seasonal rounds before it are published. In each published round every school's adviser proposes, rating every
indicator; the LA admin agrees most proposals, changes one or two saying why, decides the school with no adviser,
and publishes. After the last published round the LA moved one school between rounds, after a monitoring
inspection. Just before the round under way opened the LA imported this year's figures, so the proposal form shows
suggestions beside the indicators that take them.

Categories and indicators are only read from the scheme's published version: the story says how much support
each school needs as a level (0 needs the least, in the scheme's order), never what that category is called.

Nothing is emailed. The rest of the demo queues no email either (its outbox is empty after loading): these
decisions were published weeks or months ago, and queuing them now would send "your school's category" and
intervention letters as if new the first time the outbox runs. Each entry still records ``letter_sent``, so the
letter is printable from the school's category history.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

from portal.categories import rules, schemes
from portal.categories.imports import apply as import_figures
from portal.categories.imports import importable_indicators
from portal.categories.imports import preview as preview_figures
from portal.categories.models import Rating
from portal.categories.signals import signals_for, suggest
from portal.categories.spreadsheet import read_sheet
from portal.extensions import db

# (month the round opens, its name)
SEASONS = ((2, "Spring"), (5, "Summer"), (10, "Autumn"))

# The level of support the LA decided for each school at the three published rounds, oldest first.
DECIDED = {
    140001: (2, 2, 2),  # Brookside: on a plan reviewed every half term since the first round
    140002: (1, 1, 0),  # Castlefield: improves at the latest round
    140003: (0, 0, 0),
    140004: (0, 0, 0),
    140005: (3, 3, 3),  # Kingsway: in special measures
    140006: (1, 1, 1),
    140007: (1, 2, 2),  # Oakfield: moves into intervention at the second round (the LA changed the proposal)
    140008: (1, 1, 1),
    140009: (0, 0, 0),
    140010: (3, 3, 3),  # Elm Grove: serious weaknesses, then moved between rounds (below)
    140011: (1, 1, 1),  # Moorlands: no adviser, so the LA decides on its own
    140012: (1, 1, 1),  # Ashdown: the adviser proposes less support at the latest round; the LA says not yet
}

# Where the LA decided differently from the adviser: (urn, round number) -> (the adviser's level, the LA's reason).
CHANGED = {
    (140001, 0): (1, "Reading results for disadvantaged pupils fell for a second year and the gap to other pupils is "
                     "widening. Termly visits are not enough: the school needs a plan reviewed every half term."),
    (140007, 1): (1, "Persistent absence and the number of pupils sent home have risen for two years running, and the "
                     "new senior team is not yet stable. The LA wants a plan with half-termly reviews now, not next round."),
    (140012, 2): (0, "One good year of results is not yet a trend, and two senior leaders leave at Easter. The LA will "
                     "look again next round."),
}
NO_ADVISER = ("No adviser is assigned to the college yet, so the LA decided from its own records, the latest "
              "inspection report and a conversation with the principal.")

# After the latest published round: (urn, new level, reason).
BETWEEN_ROUNDS = (140010, 2, "Ofsted's monitoring inspection found leaders taking effective action, and the LA's own "
                             "review agrees. The school moves down one level of support; half-termly reviews continue.")

# The round under way: urn -> (how far it has got, the adviser's level). "draft": every indicator rated but not sent;
# "started": a draft with some indicators still to rate. The adviser has not begun on the schools not listed.
UNDER_WAY = {
    140001: ("proposed", 2),
    140002: ("proposed", 0),
    140003: ("proposed", 0),
    140005: ("proposed", 3),
    140007: ("proposed", 2),
    140009: ("agreed", 0),
    140010: ("started", 2),
    140012: ("draft", 0),
}

NOTES = {
    Rating.RED: ("A serious concern, discussed with the headteacher and the chair of governors.",
                 "Worse than at the last round, with no clear plan yet to put it right.",
                 "Well below where it should be; the school accepts this."),
    Rating.AMBER: ("Some concerns; the school knows and is acting on them.",
                   "Improving, but not yet where it should be.",
                   "Uneven across year groups."),
    Rating.GREEN: ("No concerns.",
                   "Strong, and checked on the last visit.",
                   "Good and stable over the last two years."),
}
OWN_VIEW = "Rated lower than the portal suggests: what I saw on my last visit is not in the portal yet."


@dataclass(frozen=True)
class RoundDates:
    name: str
    opens_on: date
    proposals_due_on: date
    moderation_on: date


def round_dates(today: date, count: int = 4) -> list[RoundDates]:
    """The ``count - 1`` seasonal rounds before the season we are in, then the round under way, oldest first.

    The round under way is named for the season we are in and is always part-way through: it opened a fortnight
    ago and proposals are due in a couple of weeks, so whatever day the demo is loaded every role has a round to
    look at and advisers have proposals still to make."""
    seasonal = []
    for year in range(today.year - 2, today.year + 1):
        for month, season in SEASONS:
            first = date(year, month, 1)
            opens = first + timedelta(days=(1 - first.weekday()) % 7)  # the first Tuesday: never a bank holiday
            seasonal.append(RoundDates(f"{season} {year}", opens, opens + timedelta(days=17), opens + timedelta(days=21)))
    name = f"{_season_of(today)} {today.year}"
    index = next(n for n, dates in enumerate(seasonal) if dates.name == name)
    opens = today - timedelta(days=today.weekday() + 13)  # the Tuesday a fortnight ago
    under_way = RoundDates(name, opens, opens + timedelta(days=24), opens + timedelta(days=28))
    return seasonal[index - (count - 1):index] + [under_way]


def _season_of(today: date) -> str:
    """Autumn from September, spring from January, summer from May: the season's round is the one under way."""
    month = 10 if today.month >= 9 else 5 if today.month >= 5 else 2
    return next(season for opens_in, season in SEASONS if opens_in == month)


def _board_for_intensive(scheme):
    """The Demo Borough's own addition to the neutral scheme: intensive schools also meet a School Improvement Board
    each term, whose agenda goes a week ahead and minutes within a week (its own deadlines)."""
    from portal.meetings import kinds
    from portal.meetings.models import CategoryMeetingRhythm, Rhythm

    board = kinds.kind_by_key("improvement_board")
    kinds.save_kind(board, name=board.name, description="The LA's termly board for schools in intensive support.",
                    agenda_days=5, minutes_days=5)
    db.session.add(CategoryMeetingRhythm(scheme_id=scheme.id, category_key="intensive", meeting_type_id=board.id,
                                         rhythm=Rhythm.TERMLY))


def build_categorisation(calendar, schools, users):
    """The scheme in use, the published rounds, a change between rounds, imported figures and the round under way."""
    *published, under_way = round_dates(calendar.today)
    admin = next(user for user in users.values() if user.is_la_admin)
    ordered = [schools[urn] for urn in sorted(schools)]
    with calendar.as_of(calendar.working_days(published[0].opens_on, -10), 10):
        scheme = schemes.scheme_from_data(schemes.ready_made("neutral"))
        db.session.flush()
        _board_for_intensive(scheme)
        version = schemes.publish(scheme.versions[0], "The neutral scheme as it ships with the portal.")
        schemes.make_current(scheme)
        db.session.flush()
    for number, dates in enumerate(published):
        _published_round(calendar, version, dates, number, ordered, admin)
    urn, level, reason = BETWEEN_ROUNDS
    moved_on = published[-1].moderation_on + timedelta(days=21)
    with calendar.as_of(moved_on, 12):
        rules.change_between_rounds(schools[urn], admin, category_id=_category(version, level).id, reason=reason,
                                    effective_on=moved_on, today=moved_on)
    levels = {school.urn: _level_now(school.urn) for school in ordered}
    with calendar.as_of(calendar.past(calendar.working_days(under_way.opens_on, -3)), 14):
        _import_figures(version, ordered, admin, levels, len(published), under_way)
    _round_under_way(calendar, version, under_way, len(published), ordered, admin)
    db.session.flush()


def _level_now(urn):
    if urn in UNDER_WAY:
        return UNDER_WAY[urn][1]
    return BETWEEN_ROUNDS[1] if urn == BETWEEN_ROUNDS[0] else DECIDED[urn][-1]


def _level_of(version, entry):
    """The level of a history entry's category (None before the school has one)."""
    return [category.id for category in version.categories].index(entry.category_id) if entry is not None else None


def _category(version, level):
    """The category ``level`` steps from the one needing the least support (the last if the scheme has fewer)."""
    return version.categories[min(level, len(version.categories) - 1)]


def _start(calendar, dates):
    with calendar.as_of(dates.opens_on, 9):
        categorisation_round = rules.start_round(name=dates.name, opens_on=dates.opens_on,
                                                 proposals_due_on=dates.proposals_due_on, moderation_on=dates.moderation_on)
        db.session.flush()
    return categorisation_round


def _published_round(calendar, version, dates, number, schools, admin):
    categorisation_round = _start(calendar, dates)
    for position, school in enumerate(schools):
        adviser = school.advisers[0] if school.advisers else None
        if adviser is None:
            continue
        level = CHANGED[(school.urn, number)][0] if (school.urn, number) in CHANGED else DECIDED[school.urn][number]
        previous = DECIDED[school.urn][number - 1] if number else None
        with calendar.as_of(calendar.working_days(dates.opens_on, 2 + position % 10), 15 + position % 3):
            _propose(categorisation_round, version, school, adviser, level, previous, number, submit=True)
    with calendar.as_of(dates.moderation_on, 11):
        for school in schools:
            proposal = rules.proposal_for(categorisation_round, school)
            decided = _category(version, DECIDED[school.urn][number])
            if proposal is not None and (school.urn, number) not in CHANGED:
                rules.agree(categorisation_round, proposal, admin)
            else:
                reason = CHANGED[(school.urn, number)][1] if proposal is not None else NO_ADVISER
                rules.change(categorisation_round, school, admin, category_id=decided.id, reason=reason)
        db.session.flush()
    with calendar.as_of(dates.moderation_on, 16):
        rules.publish_round(categorisation_round, admin, dates.moderation_on)
        db.session.flush()


def _pattern(version, urn, level, number):
    """{indicator id: rating}: more red and amber the more support the level needs, spread differently per school."""
    indicators = version.indicators
    count, top = len(indicators), max(len(version.categories) - 1, 1)
    share = min(level, top) / top
    reds = round(count * share * share / 2)
    concerns = round(count * (min(level, top) + 0.5) / (top + 1))
    order = sorted(range(count), key=lambda n: ((7 * n + urn + 3 * number) % count, n))
    ratings = {}
    for rank, n in enumerate(order):
        ratings[indicators[n].id] = Rating.RED if rank < reds else Rating.AMBER if rank < concerns else Rating.GREEN
    return ratings


def _note(rating, urn, position):
    choices = NOTES[rating]
    return choices[(urn + position) % len(choices)]


def _reason(ratings, level, previous):
    counted = ", ".join(f"{sum(1 for rating in ratings if rating == each)} {each.label.lower()}" for each in Rating)
    counted = " and ".join(counted.rsplit(", ", 1)) + " ratings"
    if previous is None:
        return f"The first round on the LA's scheme: {counted}. This matches what I know of the school from my visits."
    if level > previous:
        return f"Concerns have grown since the last round: {counted}. Leaders need more help to turn things around."
    if level < previous:
        return f"Clear improvement since the last round: {counted}, and leaders have shown they can keep it up."
    return f"Much as at the last round: {counted}. Nothing I have seen since suggests a change."


def _propose(categorisation_round, version, school, adviser, level, previous, number, *, submit, suggestions=None,
             rated=None):
    """The adviser's ratings (the portal's suggestion where it has one, save at most one), notes and proposal."""
    pattern = _pattern(version, school.urn, level, number)
    ratings, own_view_taken = {}, False
    for position, indicator in enumerate(version.indicators):
        rating = pattern[indicator.id]
        suggested = (suggestions or {}).get(indicator.id)
        note = _note(rating, school.urn, position)
        if suggested is not None and suggested != rating:
            worse = list(Rating).index(rating) < list(Rating).index(suggested)
            if worse and not own_view_taken:
                own_view_taken, note = True, OWN_VIEW
            else:
                rating, note = suggested, _note(suggested, school.urn, position)
        ratings[indicator.id] = (rating, note)
    if rated is not None:
        ratings = dict(list(ratings.items())[:rated])
    reason = _reason([rating for rating, _ in ratings.values()], level, previous)
    return rules.save_proposal(categorisation_round, school, adviser, ratings=ratings,
                               category_id=_category(version, level).id, reason=reason if submit or rated is None else "",
                               submit=submit, suggestions=suggestions)


def _figure(indicator, rating, spread):
    """A figure that reads as ``rating`` against the indicator's thresholds (``spread``, 0 to 1, varies it)."""
    green, red = indicator.green_from, indicator.red_from
    gap = abs(green - red) or 1.0
    better = 1 if indicator.higher_is_better else -1
    if rating == Rating.GREEN:
        value = green + better * gap * (0.1 + 0.3 * spread)
    elif rating == Rating.RED:
        value = red - better * gap * (0.1 + 0.4 * spread)
    else:
        value = red + better * gap * (0.2 + 0.6 * spread)
    return round(max(value, 0.0), 1 if gap >= 2 else 3)


def _import_figures(version, schools, admin, levels, number, dates):
    """This year's figures for every school, imported as the LA admin would: a spreadsheet, one column an indicator."""
    indicators = [i for i in importable_indicators(version) if i.green_from is not None and i.red_from is not None]
    if not indicators:
        return None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["URN", *(indicator.name for indicator in indicators)])
    for school in schools:
        pattern = _pattern(version, school.urn, levels[school.urn], number)
        figures = [_figure(indicator, pattern[indicator.id], (7 * school.urn + 3 * indicator.position) % 10 / 10)
                   for indicator in indicators]
        writer.writerow([school.urn, *figures])
    filename = f"school-figures-{dates.name.lower().replace(' ', '-')}.csv"
    sheet = read_sheet(filename, out.getvalue().encode("utf-8"))
    columns = {indicator.name: indicator.key for indicator in indicators}
    data_import = import_figures(sheet, preview_figures(sheet, "URN", columns, indicators), "URN", columns, admin)
    db.session.flush()
    return data_import


def _round_under_way(calendar, version, dates, number, schools, admin):
    categorisation_round = _start(calendar, dates)
    before = rules.latest_entries([school.id for school in schools])
    for position, school in enumerate(schools):
        if school.urn not in UNDER_WAY:
            continue
        state, level = UNDER_WAY[school.urn]
        previous = _level_of(version, before.get(school.id))
        signals = signals_for(school, calendar.today)
        suggestions = {indicator.id: suggest(indicator, signals).rating for indicator in version.indicators}
        proposed_on = calendar.past(calendar.working_days(dates.opens_on, 1 + position % 8))
        with calendar.as_of(proposed_on, 15 + position % 3):
            proposal = _propose(categorisation_round, version, school, school.advisers[0], level, previous, number,
                                submit=state in ("proposed", "agreed"), suggestions=suggestions,
                                rated=len(version.indicators) * 3 // 5 if state == "started" else None)
            db.session.flush()
        if state == "agreed":
            with calendar.as_of(calendar.past(calendar.working_days(proposed_on, 2)), 11):
                rules.agree(categorisation_round, proposal, admin)
