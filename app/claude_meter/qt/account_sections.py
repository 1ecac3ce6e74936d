"""The popover's body with several accounts: one collapsible section per account, scrolling.

Imported only when more than one account is metered (one account's popover is exactly the
one it always was, in ``popover.py``). Each section's header names the account, its email
and plan and, on the right, its worst figure (so a collapsed account still says how close
it is); under it the account's own problem, if any (an expired session, numbers out of date:
``core/account_view.py account_problem``), in the red of one account's banner and said only
here (the popover's top banner stays empty with several accounts), outside the part that
collapses so a closed account still shows it; then each organization of the account as the
popover always drew one (its windows, extra usage, notes).
A click on the header collapses or opens it; the popover remembers which are collapsed for
the session (``Popover.collapsed``, by account). The sections scroll once they would be
taller than the screen leaves room for (eight accounts), so the popover never grows off it;
they say what of an account is in view and scroll to it (:meth:`AccountSections.in_view`,
:meth:`AccountSections.scroll_to`) for the line above them that names who needs attention
out of view (``attention_line.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import msgspec
from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from claude_meter.core.account_view import account_problem
from claude_meter.core.display import heading
from claude_meter.core.presentation import percent_label
from claude_meter.core.worst import worst_of
from claude_meter.qt.org_section import org_shape

if TYPE_CHECKING:
    from claude_meter.core.account_view import AccountState
    from claude_meter.core.attention import Attention
    from claude_meter.core.models import Snapshot
    from claude_meter.history import WindowInsight
    from claude_meter.qt.org_section import OrgSection
    from claude_meter.qt.window_row import WindowRow

log = logging.getLogger("claude_meter.tray")

#: Insights per (account, organization uuid, window key), from the history.
Insights = Mapping[tuple[str | None, str | None, str], "WindowInsight"]
#: The popover's section of one organization (with its window rows).
MakeSection = Callable[["Snapshot"], "OrgSection"]

#: Room the popover's other parts (a banner, the footer, the buttons) need, before they
#: are measured.
CHROME = 320
MIN_SCROLL = 160


def header_text(account: AccountState) -> str:
    """``Work · ana@example.com · Max``: the account's name, email and plan."""
    return heading(account.name, account.email, account.plan)


def account_shape(account: AccountState, hidden: frozenset[str]) -> Hashable:
    """What decides the widgets of an account's section (see ``org_section.py``): equal
    shapes, the same widgets with other texts."""
    state = account.state
    return (
        account.key,
        tuple(org_shape(s, hidden, with_account=False) for s in state.snapshots),
        _says_fetching(account),
    )


def _says_fetching(account: AccountState) -> bool:
    """No numbers yet and no error to say why: "Fetching the usage…"."""
    state = account.state
    error = state.error or next((s.error for s in state.snapshots if s.error), None)
    return not state.snapshots and error is None


def worst_text(account: AccountState, hidden: frozenset[str], *, show_remaining: bool) -> str:
    """The account's worst visible window as the header's right-hand figure, or nothing."""
    snapshots = [
        msgspec.structs.replace(s, windows=tuple(w for w in s.windows if w.key not in hidden))
        for s in account.state.snapshots
    ]
    worst = worst_of(snapshots)
    return "" if worst is None else percent_label(worst[1].percent, show_remaining=show_remaining)


#: The red of the popover's error banner, for an account's problem in its section.
PROBLEM_STYLE = (
    "background: rgba(217,58,48,38); border: 1px solid rgba(217,58,48,120);"
    " border-radius: 6px; padding: 4px 6px; font-size: 11px;"
)


class AccountSection(QWidget):
    """One account: a header button that collapses it, its problem, then its organizations."""

    def __init__(
        self,
        account: AccountState,
        insights: Insights,
        section: MakeSection,
        *,
        collapsed: bool,
        hidden: frozenset[str],
        show_remaining: bool,
        now: datetime,
        interval: timedelta,
    ) -> None:
        super().__init__()
        self.key = account.key
        self.account = account
        self._hidden = hidden
        self._show_remaining = show_remaining
        self.rows: list[WindowRow] = []
        self.orgs: list[OrgSection] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.setSpacing(4)
        top = QHBoxLayout()
        self.header = QToolButton()
        self.header.setObjectName("account_header")
        self.header.setCheckable(True)
        self.header.setChecked(not collapsed)
        self.header.setAutoRaise(True)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setStyleSheet("QToolButton { font-weight: 700; border: none; }")
        # A long email must not widen the popover: the header gives way, its tooltip says all.
        self.header.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.worst = QLabel()
        self.worst.setStyleSheet("font-weight: 600;")
        self._show_header(account)
        top.addWidget(self.header, 1)
        top.addWidget(self.worst)
        layout.addLayout(top)
        self.problem = QLabel()
        self.problem.setObjectName("account_problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(PROBLEM_STYLE)
        self.problem.setVisible(False)
        layout.addWidget(self.problem)
        self.show_problem(now, interval)
        self.body = QWidget()
        inner = QVBoxLayout(self.body)
        inner.setContentsMargins(10, 0, 0, 0)
        inner.setSpacing(6)
        for snapshot in account.state.snapshots:
            org = section(snapshot)
            inner.addWidget(org)
            self.orgs.append(org)
            self.rows.extend(org.rows)
        # Before the body is laid into the section: a sparkline shown after that was left
        # out of its row's height until the next layout.
        self._show_insights(insights, now)
        if _says_fetching(account):
            inner.addWidget(QLabel("Fetching the usage…"))
        layout.addWidget(self.body)
        self._set_open(not collapsed)
        self.header.toggled.connect(self._set_open)

    def show_account(
        self,
        account: AccountState,
        insights: Insights,
        now: datetime,
        interval: timedelta,
    ) -> bool:
        """A reading of this account, of the same shape (:func:`account_shape`): its header,
        worst figure, problem, organizations and sparklines; True when its problem came or
        went."""
        if account != self.account:  # else another account's reading: only the clock moved
            self._show_header(account)
            for org, snapshot in zip(self.orgs, account.state.snapshots, strict=True):
                org.show_snapshot(snapshot)
        self.account = account
        changed = self.show_problem(now, interval)  # with the clock, as each second
        self._show_insights(insights, now)
        return changed

    def _show_header(self, account: AccountState) -> None:
        self.header.setText(header_text(account))
        self.header.setToolTip(header_text(account))
        self.header.setAccessibleName(f"{account.name}: show or hide its numbers")
        self.worst.setText(worst_text(account, self._hidden, show_remaining=self._show_remaining))

    def _show_insights(self, insights: Insights, now: datetime) -> None:
        for row in self.rows:
            row.set_insight(insights.get((row.account, row.org_uuid, row.usage_window.key)), now)

    def show_problem(self, now: datetime, interval: timedelta) -> bool:
        """Say the account's problem as it is at ``now`` (numbers go out of date with the
        clock); True when it came or went, so the popover fits its height again."""
        text = account_problem(self.account, now, interval)
        self.problem.setText(text or "")
        if self.problem.isHidden() == (text is None):
            return False
        self.problem.setVisible(text is not None)
        return True

    def _set_open(self, shown: bool) -> None:
        self.header.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.body.setVisible(shown)


class AccountSections(QScrollArea):
    """Every account's section, scrolling when taller than the screen leaves room for.

    ``collapsed`` (the popover's, by account) is updated as the person opens and closes
    sections; ``resized`` says the popover should fit its new height.
    """

    resized = Signal()

    def __init__(
        self,
        accounts: Sequence[AccountState],
        insights: Insights,
        section: MakeSection,
        *,
        collapsed: set[str | None],
        hidden: frozenset[str],
        show_remaining: bool,
        now: datetime,
        interval: timedelta,
    ) -> None:
        super().__init__()
        self.setObjectName("accounts")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._collapsed = collapsed
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.sections: list[AccountSection] = []
        for account in accounts:
            one = AccountSection(
                account,
                insights,
                section,
                collapsed=account.key in collapsed,
                hidden=hidden,
                show_remaining=show_remaining,
                now=now,
                interval=interval,
            )
            one.header.toggled.connect(lambda shown, key=account.key: self._toggled(key, shown))
            self.sections.append(one)
            layout.addWidget(one)
        layout.addStretch(1)
        self.setWidget(content)
        self.fit()

    def _toggled(self, key: str | None, shown: bool) -> None:
        if shown:
            self._collapsed.discard(key)
        else:
            self._collapsed.add(key)
        self.fit()
        self.resized.emit()

    def show_accounts(
        self,
        accounts: Sequence[AccountState],
        insights: Insights,
        *,
        now: datetime,
        interval: timedelta,
    ) -> None:
        """A reading, of the same accounts and shapes as shown (``account_shape``): each
        section updated in place; the height follows when one's problem came or went."""
        changed = [
            one.show_account(account, insights, now, interval)
            for one, account in zip(self.sections, accounts, strict=True)
        ]
        if any(changed):
            self.fit()
            self.resized.emit()

    def tick(self, now: datetime, interval: timedelta) -> None:
        """Each account's problem as it is at ``now``; the height follows when one comes or
        goes."""
        changed = [one.show_problem(now, interval) for one in self.sections]
        if any(changed):
            self.fit()
            self.resized.emit()

    def fit(self, room: int | None = None) -> None:
        """As tall as the sections, up to ``room`` (what the screen leaves beside the
        popover's other parts; unknown: the screen less :data:`CHROME`); beyond, they scroll."""
        if room is None:
            screen = QGuiApplication.primaryScreen()
            room = (screen.availableGeometry().height() if screen else 800) - CHROME
        content = self.widget()
        assert content is not None
        content.adjustSize()
        self.setFixedHeight(min(content.sizeHint().height(), max(MIN_SCROLL, room)))

    def place(self, item: Attention) -> QWidget | None:
        """Where the popover shows what ``item`` says: a window's row (its section's header,
        with the worst figure, while the section is closed), or the account's problem line."""
        section = next((one for one in self.sections if one.key == item.account), None)
        if section is None:
            return None
        if item.window is None:
            return section.problem if section.problem.isVisibleTo(section) else section.header
        if section.body.isVisibleTo(section):
            for row in section.rows:
                if (row.org_uuid, row.usage_window.key) == (item.org, item.window):
                    return row
        return section.header

    def in_view(self, item: Attention) -> bool:
        """Whether what ``item`` says is wholly in view (an account no longer shown: yes)."""
        place = self.place(item)
        content = self.widget()
        if place is None or content is None:
            return True
        top = place.mapTo(content, QPoint(0, 0)).y() - self.verticalScrollBar().value()
        return top >= 0 and top + place.height() <= self.viewport().height()

    def scroll_to(self, item: Attention) -> None:
        """Scroll ``item``'s account into view: its section from the top, or as much of it
        as ends with what ``item`` says when the section is taller than the view."""
        place = self.place(item)
        content = self.widget()
        section = next((one for one in self.sections if one.key == item.account), None)
        if place is None or content is None or section is None:
            return
        top = section.mapTo(content, QPoint(0, 0)).y()
        bottom = place.mapTo(content, QPoint(0, 0)).y() + place.height()
        view = self.viewport().height()
        self.verticalScrollBar().setValue(top if bottom - top <= view else bottom - view)
        log.debug("scrolled to %s", item.name)

    @property
    def rows(self) -> list[WindowRow]:
        return [row for one in self.sections for row in one.rows]

    @property
    def scrolls(self) -> bool:
        content = self.widget()
        return content is not None and content.sizeHint().height() > self.height()
