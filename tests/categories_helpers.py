"""Schemes, rounds and decisions for tests: each test builds its own scheme (no names live in the portal's code)."""

from portal.categories import rules, schemes
from portal.categories.models import IndicatorSource, Rating
from portal.extensions import db

THREE_LEVELS = [("1", "Steady", "green", False), ("2", "Watch", "yellow", False), ("3", "Concern", "red", True)]
INDICATORS = [("Pupil outcomes", IndicatorSource.IMPORTED, True, 60.0, 45.0),
              ("Leadership", IndicatorSource.ADVISER, True, None, None),
              ("Inspection risk", IndicatorSource.INSPECTION, True, None, None)]


def build_scheme(name="Test scheme", categories=THREE_LEVELS, indicators=INDICATORS, use=True,
                 letter=("{school}: now {category}", "Dear {headteacher} and {chair},\n\n{school} is now in {category}.\n\n{reason}")):
    """A published scheme (in use unless ``use`` is False); returns its version. Call inside an app context."""
    scheme = schemes.make_scheme(name)
    version = scheme.versions[0]
    for code, title, colour, intervention in categories:
        schemes.save_category(version, None, code=code, name=title, colour=colour, requires_intervention=intervention,
                              plan_required=intervention, support_level=f"{title} support")
    for title, source, higher, green, red in indicators:
        schemes.save_indicator(version, None, name=title, source=source, higher_is_better=higher, green_from=green, red_from=red,
                               guidance_red=f"{title} is weak", guidance_amber="Some concern", guidance_green="Secure")
    schemes.save_letter(version, subject=letter[0], body=letter[1])
    schemes.publish(version)
    if use:
        schemes.make_current(scheme)
    db.session.flush()
    return version


def rate_all(version, rating=Rating.GREEN):
    return {indicator.id: (rating, f"{indicator.name}: noted") for indicator in version.indicators}


def category(version, name):
    return next(c for c in version.categories if c.name == name)


def decide(categorisation_round, school, adviser, admin, category_name, *, agree=True):
    """The adviser proposes ``category_name`` with every indicator green; the LA agrees it."""
    version = categorisation_round.version
    proposal = rules.save_proposal(categorisation_round, school, adviser, ratings=rate_all(version),
                                   category_id=category(version, category_name).id, reason="As the data shows", submit=True)
    db.session.flush()
    if agree:
        rules.agree(categorisation_round, proposal, admin)
    return proposal
