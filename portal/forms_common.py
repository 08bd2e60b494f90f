"""Small helpers shared by every area's forms."""


def strip_whitespace(value):
    """People paste addresses with a trailing space; never make them find it."""
    return value.strip() if isinstance(value, str) else value
