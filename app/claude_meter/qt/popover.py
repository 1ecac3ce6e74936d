"""The popover: one section per organization, one row per window, live countdowns.

It renders a :class:`MeterState` and nothing else. The countdown timer runs only while the
popover is visible, so a closed popover costs nothing. An open one draws each reading into
the widgets it has while the accounts, organizations and windows shown stay the same (their
texts, bars and sparklines change in place, the scroll position stays); only another shape
builds the content again (``org_section.py``; the cost: ``docs/benchmarks.md``). With
several accounts metered, the body is a collapsible section per account instead, scrolling
(``qt/account_sections.py``, imported only then: :meth:`Popover.show_accounts`).

A little past 400 lines: one widget and its behaviour on three kinds of surface (an X11
popup, a Wayland panel that the compositor places, a window); its texts are in
``core/presentation.py``, an organization's part in ``org_section.py``, its rows in
``window_row.py``, the accounts' sections in ``account_sections.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QHideEvent, QKeyEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from claude_meter.core.display import format_age
from claude_meter.core.meter import MeterState
from claude_meter.core.models import Snapshot
from claude_meter.core.presentation import banner_text, routes_text
from claude_meter.qt.org_section import OrgSection, org_shape
from claude_meter.qt.placement import MARGIN
from claude_meter.qt.surface import PopoverKind, window_flags
from claude_meter.qt.window_row import WindowRow

if TYPE_CHECKING:
    from claude_meter.core.account_view import AccountState
    from claude_meter.history import WindowInsight
    from claude_meter.poll.live import LiveMeter
    from claude_meter.qt.account_sections import AccountSections
    from claude_meter.qt.attention_line import AttentionLabel

#: Insights per (account, organization uuid, window key), from the history (poll/live.py).
Insights = Mapping[tuple[str | None, str | None, str], "WindowInsight"]

log = logging.getLogger("claude_meter.tray")

WIDTH = 360
#: With several accounts: the sections' indent and scrollbar besides.
SCROLL_ROOM = 32
#: Height left free for the icon it opens from (a panel without a strut, or an icon within
#: the available area): the popover opens beside it, not over it.
ICON_ROOM = 48


def _now() -> datetime:
    return datetime.now(UTC)


class Popover(QFrame):
    """The popup next to the tray icon, a compositor-placed panel on Wayland, or a normal
    window when there is no tray (see qt/surface.py).

    As a window, Esc closes it like the window's close button, and closing it emits
    ``window_closed`` (the app quits): with no tray icon it must not run on unseen.
    """

    refresh_clicked = Signal()
    open_usage_clicked = Signal()
    settings_clicked = Signal()
    history_clicked = Signal()
    quit_clicked = Signal()
    window_closed = Signal()

    def __init__(
        self,
        *,
        interval: timedelta,
        clock: Callable[[], datetime] = _now,
        as_window: bool = False,
        kind: PopoverKind | None = None,
    ) -> None:
        #: popup, panel (Wayland) or window (no tray): see qt/surface.py
        self.kind: PopoverKind = kind or ("window" if as_window else "popup")
        super().__init__(None, window_flags(self.kind))
        self.as_window = self.kind == "window"
        self.setObjectName("popover")
        self.setWindowTitle("ClaudeMeter")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFixedWidth(WIDTH)
        self._clock = clock
        self._interval = interval
        self._state = MeterState()
        #: Display settings (see core/settings.py): windows left out, and "63% left" figures.
        self.hidden_windows: frozenset[str] = frozenset()
        self.show_remaining = False
        self.rows: list[WindowRow] = []
        #: What decides the content's widgets (``_shape``): a reading of the same shape
        #: updates them in place; ``None``: built from scratch next time.
        self._shape: Hashable = None
        self._orgs: list[OrgSection] = []  # one account: its organizations' sections
        self._accounts: Sequence[AccountState] = ()  # several accounts: their sections
        self.sections: AccountSections | None = None
        #: Above the sections: who needs attention out of view (qt/attention_line.py).
        self.attention: AttentionLabel | None = None
        #: The accounts whose section is collapsed (by reading key), for the session.
        self.collapsed: set[str | None] = set()
        #: Esc or the icon closed it, not a click elsewhere (which may be on the icon: the
        #: app must not reopen it for that same click)
        self.dismissed = False
        self._placed_height = 0  # a Wayland panel's height when the compositor placed it
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 10, 12, 10)
        outer.setSpacing(6)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setVisible(False)
        self.notice.setStyleSheet(
            "background: rgba(120,120,120,40); border-radius: 6px; padding: 6px;"
        )
        outer.addWidget(self.notice)
        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        self.banner.setStyleSheet(
            "background: rgba(217,58,48,38); border: 1px solid rgba(217,58,48,120);"
            " border-radius: 6px; padding: 6px;"
        )
        outer.addWidget(self.banner)
        self.alert = QLabel()  # a notification that no notification daemon showed
        self.alert.setObjectName("alert")
        self.alert.setWordWrap(True)
        self.alert.setVisible(False)
        self.alert.setStyleSheet(
            "background: rgba(232,160,32,45); border: 1px solid rgba(232,160,32,140);"
            " border-radius: 6px; padding: 6px;"
        )
        outer.addWidget(self.alert)
        self.body = QVBoxLayout()
        self.body.setSpacing(6)
        outer.addLayout(self.body)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        outer.addWidget(line)
        footer = QHBoxLayout()
        self.updated = QLabel()
        self.route = QLabel()  # which route the numbers came from
        self.route.setObjectName("route")
        for label in (self.updated, self.route):
            label.setStyleSheet("color: palette(placeholder-text); font-size: 11px;")
            footer.addWidget(label)
        self.route.setAlignment(Qt.AlignmentFlag.AlignRight)
        # A flat "History" in the footer: a fifth button in the row below squeezed the others.
        history = QPushButton("History")
        history.setFlat(True)
        history.setToolTip("Open the History window: charts, walls and the year")
        history.setAccessibleName(history.toolTip())
        history.setStyleSheet(
            "font-size: 11px; padding: 0 6px; color: palette(link); text-decoration: underline;"
        )
        history.clicked.connect(self.history_clicked.emit)
        footer.insertWidget(1, history)
        outer.addLayout(footer)
        buttons = QHBoxLayout()
        for text, signal, tip in (
            ("Refresh", self.refresh_clicked, "Fetch the numbers now"),
            ("Usage page", self.open_usage_clicked, "Open claude.ai/settings/usage"),
            ("Settings", self.settings_clicked, "Open ClaudeMeter's settings"),
            ("Quit", self.quit_clicked, "Quit ClaudeMeter"),
        ):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.setAccessibleName(tip)
            button.clicked.connect(signal.emit)
            buttons.addWidget(button)
        outer.addLayout(buttons)
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self.tick)

    # -- content ----------------------------------------------------------------------------

    def set_interval(self, interval: timedelta) -> None:
        """The poll interval, which decides when numbers count as out of date."""
        self._interval = interval

    def set_notice(self, text: str | None) -> None:
        """A standing notice (e.g. "no system tray found"), above any error banner."""
        self.notice.setText(text or "")
        self.notice.setVisible(bool(text))
        self.adjustSize()

    def set_alert(self, text: str | None) -> None:
        """A notification shown here because no notification daemon took it."""
        self.alert.setText(text or "")
        self.alert.setVisible(bool(text))
        self.adjustSize()

    def show_state(self, state: MeterState, insights: Insights | None = None) -> None:
        """Show one account's state; ``insights`` add sparklines and forecasts where known.

        The same organizations with the same windows as shown: updated in place; else built
        anew (see ``org_section.py``)."""
        hidden = self.hidden_windows
        orgs = tuple(org_shape(s, hidden, with_account=True) for s in state.snapshots)
        shape = self._content_shape("one", (orgs, self._empty_text(state)))
        if shape == self._shape and self.sections is None:
            self._state, self._accounts = state, ()
            self.route.setText(routes_text(state))
            for section, snapshot in zip(self._orgs, state.snapshots, strict=True):
                section.show_snapshot(snapshot)
            self.set_insights(insights or {})
            self.tick()
            self.adjustSize()
            return
        self._clear(state, ())
        self._shape = shape
        self.setFixedWidth(WIDTH)
        for snapshot in state.snapshots:
            section = self._section(snapshot)
            self._orgs.append(section)
            self.body.addWidget(section)
        self.set_insights(insights or {})
        if (empty := self._empty_text(state)) is not None:
            self.body.addWidget(QLabel(empty))
        for index in range(self.body.count()):  # now, not queued: measured at once when open
            shown = self.body.itemAt(index)
            if shown is not None and (widget := shown.widget()) is not None:
                widget.show()
        self.tick()
        self.adjustSize()

    @staticmethod
    def _empty_text(state: MeterState) -> str | None:
        if state.snapshots:
            return None
        return "Fetching your usage…" if state.error is None else "No numbers to show yet."

    def _content_shape(self, kind: str, parts: Hashable) -> Hashable:
        """What decides the widgets shown, with the display settings they were made with."""
        return (kind, self.show_remaining, self.hidden_windows, parts)

    def show_meter(self, meter: LiveMeter, now: datetime, *, insights: bool = True) -> None:
        """What the live meter holds: one account's rows, or a section per account."""
        found = meter.insights(now) if insights else None
        if meter.several:
            self.show_accounts(meter.state, meter.accounts(), found or {})
        else:
            self.show_state(meter.state, found)

    def show_accounts(
        self,
        state: MeterState,
        accounts: Sequence[AccountState],
        insights: Insights,
    ) -> None:
        """Several accounts: a collapsible section each, scrolling past the screen's room;
        ``state`` is all of them together (the footer's routes and age)."""
        from claude_meter.qt.account_sections import AccountSections, account_shape
        from claude_meter.qt.attention_line import AttentionLabel

        shape = self._content_shape(
            "accounts", tuple(account_shape(one, self.hidden_windows) for one in accounts)
        )
        if shape == self._shape and self.sections is not None and self.attention is not None:
            # The same accounts, organizations and windows: new texts in the same widgets,
            # and the scroll position stays as it is.
            # As a rebuild below does, the line above them keeps no place while it is drawn.
            scrolled = self.sections.verticalScrollBar().value()
            self.attention.keep_place = False
            self._state, self._accounts = state, accounts
            self.route.setText(routes_text(state))
            now = self._clock()
            self.sections.show_accounts(accounts, insights, now=now, interval=self._interval)
            self._log_accounts(self.sections)  # as when built: what each reading shows
            self.adjustSize()
            self.sections.verticalScrollBar().setValue(scrolled)
            self.tick()
            self.attention.refresh()  # its places may have moved with the texts
            self.adjustSize()
            self.attention.keep_place = True
            return
        # A reading rebuilds the sections: the place the person scrolled to stays.
        scrolled = 0 if self.sections is None else self.sections.verticalScrollBar().value()
        self._clear(state, accounts)
        self._shape = shape
        self.setFixedWidth(WIDTH + SCROLL_ROOM)  # the rows keep their width beside a scrollbar
        self.sections = AccountSections(
            accounts,
            insights,
            self._section_rows,
            collapsed=self.collapsed,
            hidden=self.hidden_windows,
            show_remaining=self.show_remaining,
            now=self._clock(),
            interval=self._interval,
        )
        self.sections.resized.connect(self.adjustSize)
        self.attention = AttentionLabel(self.sections, WIDTH + SCROLL_ROOM - 24)
        self.attention.changed.connect(self.adjustSize)
        self.body.addWidget(self.attention)
        self.body.addWidget(self.sections)
        self.sections.show()  # now, not queued: measured at once even in an open popover
        self._log_accounts(self.sections)
        self.adjustSize()
        self.sections.verticalScrollBar().setValue(scrolled)
        self.tick()  # the top line measured where the sections now stand
        self.adjustSize()
        self.attention.keep_place = True

    @staticmethod
    def _log_accounts(sections: AccountSections) -> None:
        if log.isEnabledFor(logging.DEBUG):
            said = (f"{one.header.text()} {one.worst.text()}".strip() for one in sections.sections)
            log.debug("accounts shown: %s", "; ".join(said))

    def adjustSize(self) -> None:
        """With several accounts the sections take the height the screen leaves beside the
        popover's other parts, and scroll beyond it; the popover then takes its whole height
        (Qt's own adjustSize caps a window at two thirds of the screen)."""
        if self.sections is None:
            super().adjustSize()  # its height is for the width of the size hint, not WIDTH:
            self.resize(self.width(), self._wanted_height())  # a long banner was cut off
            return
        screen = self.screen().availableGeometry().height()
        rest = self._wanted_height() - self.sections.height()
        self.sections.fit(screen - rest - 2 * MARGIN - ICON_ROOM)
        self.resize(self.width(), self._wanted_height())

    def _wanted_height(self) -> int:
        """The height the content wants at the popover's (fixed) width: wrapped banners."""
        layout = self.layout()
        if layout is not None:
            layout.invalidate()  # a section collapsed, a banner came: measured again
            layout.activate()
        height = self.heightForWidth(self.width())
        return height if height > 0 else self.sizeHint().height()

    def _clear(self, state: MeterState, accounts: Sequence[AccountState]) -> None:
        self._state = state
        self._accounts = accounts
        self.sections = None
        self.attention = None
        self.route.setText(routes_text(state))  # changes with the state, not with the clock
        while self.body.count():
            item = self.body.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.rows = []
        self._orgs = []
        self._shape = None

    def _section_rows(self, snapshot: Snapshot) -> OrgSection:
        """An organization's section in an account's (the account's header names the email
        and plan)."""
        return self._section(snapshot, with_account=False)

    def _section(self, snapshot: Snapshot, *, with_account: bool = True) -> OrgSection:
        section = OrgSection(
            snapshot,
            with_account=with_account,
            hidden=self.hidden_windows,
            show_remaining=self.show_remaining,
        )
        self.rows.extend(section.rows)
        return section

    def set_insights(self, insights: Insights) -> None:
        now = self._clock()
        for row in self.rows:
            row.set_insight(insights.get((row.account, row.org_uuid, row.usage_window.key)), now)

    def tick(self) -> None:
        now = self._clock()
        for row in self.rows:
            row.tick(now)
        if self._accounts:  # each account's problem in its own section, said once
            from claude_meter.core.account_view import newest_success
            from claude_meter.core.attention import attention

            self.updated.setText(format_age(newest_success(self._accounts), now))
            text = None
            if self.sections is not None:
                self.sections.tick(now, self._interval)
            if self.attention is not None:  # and named at the top while out of view
                self.attention.set_items(
                    attention(
                        self._accounts,
                        now,
                        self._interval,
                        hidden=self.hidden_windows,
                        show_remaining=self.show_remaining,
                    )
                )
        else:
            self.updated.setText(format_age(self._state.last_success, now))
            text = banner_text(self._state, now, self._interval)
        self.banner.setText(text or "")
        if self.banner.isHidden() == (text is not None):  # it comes or goes: fit the popover
            self.banner.setVisible(text is not None)
            self.adjustSize()
        elif self.banner.isVisible() and self.banner.height() < self.banner.heightForWidth(
            self.banner.width()
        ):
            self.adjustSize()  # a longer message than the one shown: its last lines were cut

    # -- behaviour --------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        self.dismissed = False
        self._placed_height = self.height()
        self.tick()
        self._ticker.start()
        super().showEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # A Wayland compositor places a surface when it maps it and ignores move(): a panel
        # that grows while open (an account's numbers arrived, by adjustSize or by its
        # layout) would run off the screen's bottom from where it was put. Mapped again on a
        # new surface, it is placed again.
        if self.kind == "panel" and self.isVisible() and self.height() > self._placed_height:
            self._placed_height = self.height()
            QTimer.singleShot(0, self._place_again)

    def _place_again(self) -> None:
        if self.isVisible():
            # Hidden to be shown again at once, not closed by a click elsewhere: the tray's
            # guard against a click on the icon reopening what it closed must not hold.
            self.dismissed = True
            self.hide()
            self.destroy()
            self.show()

    def hideEvent(self, event: QHideEvent) -> None:
        self._ticker.stop()
        super().hideEvent(event)
        if self.kind == "panel":
            # Qt on Wayland keeps a hidden window's surface state, and it stays "active" for
            # Qt after it is hidden, so the next loss of focus would go unnoticed: the next
            # show gets a fresh surface.
            QTimer.singleShot(0, self._drop_surface)

    def _drop_surface(self) -> None:
        if not self.isVisible():
            self.destroy()

    def changeEvent(self, event: QEvent) -> None:
        # A Wayland panel closes when it loses the focus, as the X11 popup closes on a click
        # elsewhere.
        if (
            self.kind == "panel"
            and event.type() == QEvent.Type.ActivationChange
            and self.isVisible()
            and not self.isActiveWindow()
        ):
            self.hide()
        super().changeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            if self.as_window:
                self.close()
            else:
                self.dismiss()
            return
        super().keyPressEvent(event)

    def dismiss(self) -> None:
        self.dismissed = True
        self.hide()

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        if self.as_window and event.isAccepted():
            self.window_closed.emit()

    @property
    def ticking(self) -> bool:
        return self._ticker.isActive()
