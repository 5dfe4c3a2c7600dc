"""Every table that scrolls sideways on a phone can be scrolled from the keyboard.

Bootstrap's `.table-responsive` gives a wide table its own horizontal scroll bar; a keyboard user
reaches it only when the region takes focus (`tabindex="0"`), and a screen reader names it only
with a role and a label (WCAG 2.1.1 and axe's `scrollable-region-focusable`). axe sees a region
only when it actually overflows in the browser, so this reads every template instead: a table
added later fails here even if no browser journey visits it."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
OPENING_TAG = re.compile(r"<(?:div|section)\b[^>]*\bclass=\"[^\"]*\btable-responsive\b[^\"]*\"[^>]*>", re.S)


def scroll_regions():
    for path in sorted(TEMPLATES.rglob("*.html")):
        for tag in OPENING_TAG.findall(path.read_text()):
            yield path.relative_to(TEMPLATES), " ".join(tag.split())


def test_the_scan_sees_the_tables():
    assert len(list(scroll_regions())) >= 20


def test_every_scroll_region_is_focusable_and_named():
    bad = [f"{path}: {tag}" for path, tag in scroll_regions()
           if 'tabindex="0"' not in tag or 'role="region"' not in tag
           or not re.search(r"aria-label(?:ledby)?=\"[^\"]+\"", tag)]
    assert not bad, "scroll regions a keyboard cannot reach or a screen reader cannot name:\n" + "\n".join(bad)
