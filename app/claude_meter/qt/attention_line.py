"""The popover's top line with several accounts: who needs attention out of view, a click away.

``core/attention.py`` decides what counts and how much one line names; this label only says
it, follows the scrolling (an entry whose place comes into view leaves the line, the line
leaves with the last) and scrolls to an account when asked: a click on a name goes to that
account, a click elsewhere on the line to the first (the most pressing), "+2 more" to the
first it counts. Imported with ``account_sections.py``, only when several accounts show.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel

from claude_meter.core.attention import (
    SEPARATOR,
    Attention,
    AttentionLine,
    attention_line,
    out_of_view,
)
from claude_meter.core.bidi import isolated, leading, left_to_right

if TYPE_CHECKING:
    from claude_meter.qt.account_sections import AccountSections

log = logging.getLogger("claude_meter.tray")

#: The red of an account's problem line, which it points to.
LINE_STYLE = (
    "QLabel#attention { background: rgba(217,58,48,38); border: 1px solid rgba(217,58,48,120);"
    " border-radius: 6px; padding: 3px 6px; font-size: 11px; }"
)
#: The line's padding and border, left and right (LINE_STYLE), and a margin of safety.
INSET = 2 * (6 + 1) + 4
#: Rounds of "the line came, the sections shrank, what is in view changed" (one suffices).
MAX_ROUNDS = 3


class AttentionLabel(QLabel):
    """The line above the accounts' sections; hidden while nothing it would name is out of view.

    ``changed`` says it came, went or took another height: the popover fits its height.
    """

    changed = Signal()

    def __init__(self, sections: AccountSections, width: int) -> None:
        super().__init__()
        self.setObjectName("attention")
        self.setWordWrap(True)  # one line is what it aims at; a long name wraps, never cuts
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setStyleSheet(LINE_STYLE)
        self.setVisible(False)
        self._sections = sections
        self._room = width - INSET
        self._items: tuple[Attention, ...] = ()
        self.line: AttentionLine | None = None
        self._busy = False
        self._again = False
        self._linked = False
        #: Scroll as the line comes and goes (:meth:`_keep_place`): once the popover is built.
        self.keep_place = False
        bar = sections.verticalScrollBar()
        bar.valueChanged.connect(self.refresh)
        bar.rangeChanged.connect(self.refresh)
        self.linkActivated.connect(self._follow)

    def set_items(self, items: Sequence[Attention]) -> None:
        """What needs attention now (``core/attention.py attention``), in view or not."""
        self._items = tuple(items)
        self.refresh()

    def refresh(self) -> None:
        """Name what is out of view now. Showing or hiding the line changes the sections'
        height and so what is in view: measured again, a few rounds at most."""
        if self._busy:
            self._again = True
            return
        self._busy = True
        try:
            for _ in range(MAX_ROUNDS):
                self._again = False
                viewport = self._sections.viewport()
                before = viewport.mapTo(self.window(), QPoint(0, 0)).y()
                if not self._say():
                    break
                self.changed.emit()  # the popover fits: the sections' height changes
                moved = viewport.mapTo(self.window(), QPoint(0, 0)).y() - before
                self._keep_place(moved)
                if not self._again:
                    break
        finally:
            self._busy = False

    def _keep_place(self, moved: int) -> None:
        """The sections moved down (the line came) or up (it went) by ``moved``: scroll as
        much, so what the person looks at stays where it was on the screen (it jumped by a
        line, and the line's click left the account's header under the pointer). Not while
        the popover is being built (it opens at the top, or where it was scrolled), and not
        at the very top, which stays in view."""
        bar = self._sections.verticalScrollBar()
        if not self.keep_place or moved == 0 or (moved > 0 and bar.value() == 0):
            return
        bar.setValue(bar.value() + moved)

    def _say(self) -> bool:
        """The line for what is out of view; True when it came, went or changed its text."""
        hidden = out_of_view(self._items, self._sections.in_view)
        self.ensurePolished()  # the style sheet's font, before it is measured
        metrics = self.fontMetrics()
        line = attention_line(hidden, lambda text: metrics.horizontalAdvance(text) <= self._room)
        if line == self.line:
            return False
        self.line = line
        self.setText("" if line is None else _rich(line))
        self.setToolTip("" if line is None else _tooltip(line))
        self.setAccessibleName("" if line is None else _spoken(line))
        self.setVisible(line is not None)
        log.debug("attention line: %s", "none" if line is None else line.text)
        return True

    def go(self, index: int = 0) -> None:
        """Scroll to the account of the line's ``index``-th entry (its named ones, then the
        ones counted in "+2 more")."""
        line = self.line
        if line is None:
            return
        entries = (*line.named, *line.more)
        if 0 <= index < len(entries):
            self._sections.scroll_to(entries[index])

    def _follow(self, href: str) -> None:
        self._linked = True
        if href.isdigit():
            self.go(int(href))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """A click on the line off its links: the first account it names."""
        self._linked = False
        super().mouseReleaseEvent(event)
        if not self._linked and event.button() == Qt.MouseButton.LeftButton:
            self.go(0)


def _rich(line: AttentionLine) -> str:
    """The line with each account's name a link to its section (``href``: its index)."""
    parts = [  # a right-to-left name must not turn the line around (core/bidi.py)
        f'<a href="{index}">{isolated(html.escape(one.name))}</a>: {html.escape(one.words)}'
        for index, one in enumerate(line.named)
    ]
    if line.more:
        parts.append(f'<a href="{len(line.named)}">{html.escape(line.more_text)}</a>')
    return left_to_right(html.escape(SEPARATOR).join(parts))


def _tooltip(line: AttentionLine) -> str:
    """Every entry, one a line, each name isolated and the line marked left to right, as in
    the line itself: a right-to-left name first turned its tooltip line around."""
    return "\n".join(f"{leading(one.name)}: {one.words}" for one in (*line.named, *line.more))


def _spoken(line: AttentionLine) -> str:
    """The accessible name: the line's words, its names isolated as the line shows them."""
    named = [f"{isolated(one.name)}: {one.words}" for one in line.named]
    return "Needs attention: " + SEPARATOR.join([*named, *filter(None, [line.more_text])])
