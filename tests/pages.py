"""Cheap guard-rails every fetched page must pass."""

import re
from html.parser import HTMLParser

import html5lib


class _PageFacts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.h1_text, self.title, self.inline_styles, self.inline_scripts = [], [], "", 0, 0
        self._in = None
        self._fieldsets, self.fieldsets_without_legend, self._in_legend = [], 0, False  # legend text of open fieldsets

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if "style" in attrs:
            self.inline_styles += 1
        if tag == "script" and "src" not in attrs:
            self.inline_scripts += 1
        if tag == "style":
            self.inline_styles += 1
        if tag == "fieldset":
            self._fieldsets.append(None)
        if tag == "legend" and self._fieldsets:
            self._fieldsets[-1], self._in_legend = "", True
        if tag in ("h1", "title"):
            self._in = tag
            if tag == "h1":
                self.h1_text.append("")

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None
        if tag == "legend":
            self._in_legend = False
        if tag == "fieldset" and self._fieldsets and not (self._fieldsets.pop() or "").strip():
            self.fieldsets_without_legend += 1

    def handle_data(self, data):
        if self._in_legend and self._fieldsets:
            self._fieldsets[-1] += data
        if self._in == "h1":
            self.h1_text[-1] += data
        elif self._in == "title":
            self.title += data


def _parse_strictly(html: str, fragment_in: str | None = None):
    """Fail the test when ``html`` is not valid HTML: a whole page, or a fragment inside a ``fragment_in`` element."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        parser.parseFragment(html, container=fragment_in) if fragment_in else parser.parse(html)
    except html5lib.html5parser.ParseError as error:
        raise AssertionError(f"invalid HTML: {error}") from None


def check_fragment(html: str):
    """Fail the test when a piece of a page (for a script to put in its place) is not valid HTML there."""
    _parse_strictly(html, fragment_in="ul" if html.lstrip().startswith("<li") else "div")
    facts = _PageFacts()
    facts.feed(html)
    assert facts.inline_styles == 0 and facts.inline_scripts == 0, "inline style or script: the CSP forbids them"


def check_page(html: str):
    """Fail the test when the page breaks a rule every page keeps."""
    _parse_strictly(html)
    facts = _PageFacts()
    facts.feed(html)
    assert len(facts.h1_text) == 1, f"expected one h1, found {len(facts.h1_text)}"
    h1 = re.sub(r"\s+", " ", facts.h1_text[0]).strip()
    title = re.sub(r"\s+", " ", facts.title).strip().removeprefix("Error: ")
    assert title.startswith(h1), f"title {title!r} does not start with the h1 {h1!r}"
    duplicates = {i for i in facts.ids if facts.ids.count(i) > 1}
    assert not duplicates, f"duplicate ids: {duplicates}"
    assert facts.inline_styles == 0, "inline style found: the Content-Security-Policy forbids it"
    assert facts.inline_scripts == 0, "inline script found: the Content-Security-Policy forbids it"
    assert facts.fieldsets_without_legend == 0, "a fieldset has no legend: say what its radios, boxes or date are for"
