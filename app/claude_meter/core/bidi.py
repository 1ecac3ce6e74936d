"""A person's words (an account's name) inside ClaudeMeter's own left-to-right lines.

A name may be Arabic or Hebrew. Put as it is into a line such as "حساب: not signed in", it
gives the whole line its direction (the Unicode bidirectional algorithm takes a paragraph's
direction from its first strong letter): Qt right-aligned the popover's top line and drew it
as "not signed in :حساب", and a section's header "Max 5x · you@example.com · حساب". A name
between bidi isolates (FSI ... PDI) keeps its own order inside and none of it leaks out, so
the line reads in the order it was written; for Qt's rich text, which takes the paragraph's
direction from the first strong letter even inside isolates, a left-to-right mark first
says it. The same goes for the tray icon's tooltip and the notifications (their titles and
bodies name accounts and organizations). The command line prints names as they are: a
terminal draws them in the order it is given.
"""

from __future__ import annotations

from typing import Final

FSI: Final = "\u2068"  # FIRST STRONG ISOLATE: the name takes its own direction inside
PDI: Final = "\u2069"  # POP DIRECTIONAL ISOLATE: and none of it leaks out
LRM: Final = "\u200e"  # LEFT-TO-RIGHT MARK: the line is ours, left to right


def isolated(name: str) -> str:
    """``name`` as one unit inside a line of other words, whatever its script."""
    return f"{FSI}{name}{PDI}"


def leading(name: str) -> str:
    """``name`` where it begins a line of ClaudeMeter's words (``Work: Session (5h) at 85%``):
    isolated, the line marked left to right first. dunst draws a notification's lines with
    Pango, which takes a line's direction from its first strong letter even when it is inside
    an isolate, so the mark says it; hosts that honour isolates (Qt's tooltip, waybar's) read
    the line the same way (``tests/e2e/test_rtl_names.py``)."""
    return left_to_right(isolated(name))


def left_to_right(line: str) -> str:
    """A line of ClaudeMeter's words (which may hold isolated names) kept left to right, also
    as Qt's rich text."""
    return f"{LRM}{line}"


def plain(text: str) -> str:
    """``text`` without these marks: what a person reads, for tests and comparisons."""
    return text.translate({ord(mark): None for mark in (FSI, PDI, LRM)})
