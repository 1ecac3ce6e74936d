"""One organization's part of the popover: its title, a row per window it shows, extra
usage, spend and a note on a fallback route; kept across readings and updated in place.

An open popover was rebuilt from scratch on every reading: with eight accounts (about
eight readings a minute) that was ~38 ms of CPU each, new widgets, style sheets and layouts
every time (``docs/benchmarks.md``, "An open popover"). Now a section is made once for an
organization and the parts it has (:func:`org_shape`: which windows it shows, whether it
has extra usage, spend, a fallback note, or says it has no windows); a reading with the same
shape changes its texts, bars and sparklines in place (:meth:`OrgSection.show_snapshot`),
and only a different shape builds it again (the popover decides, ``popover.py``).
"""

from __future__ import annotations

from collections.abc import Hashable

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from claude_meter.core.display import fallback_note, format_extra_usage, format_spend, heading
from claude_meter.core.models import Snapshot
from claude_meter.core.statusline_rules import STATUSLINE
from claude_meter.qt.window_row import WindowRow

NO_WINDOWS = "No usage windows on this plan."


def org_shape(snapshot: Snapshot, hidden: frozenset[str], *, with_account: bool) -> Hashable:
    """What decides which widgets an organization's section has: equal shapes, the same
    widgets with other texts."""
    return (
        snapshot.org_uuid,
        with_account,
        tuple(window.key for window in snapshot.windows if window.key not in hidden),
        snapshot.extra_usage is not None,
        snapshot.spend is not None,
        snapshot.fallback_from is not None,
        _says_no_windows(snapshot),
    )


def _says_no_windows(snapshot: Snapshot) -> bool:
    return not snapshot.windows and snapshot.extra_usage is None and snapshot.error is None


class OrgSection(QWidget):
    """An organization: its name (with the account's email and plan when no account's
    section above says them), its windows' rows, then extra usage, spend and notes."""

    def __init__(
        self,
        snapshot: Snapshot,
        *,
        with_account: bool,
        hidden: frozenset[str],
        show_remaining: bool,
    ) -> None:
        super().__init__()
        self._with_account = with_account
        self._hidden = hidden
        self._title_style = ""
        self._shown: Snapshot | None = None
        self.title = QLabel()
        self.rows = [
            WindowRow(window, show_remaining=show_remaining)
            for window in snapshot.windows
            if window.key not in hidden
        ]
        self.extra = QLabel() if snapshot.extra_usage is not None else None
        self.spend = QLabel() if snapshot.spend is not None else None
        self.note: QLabel | None = None
        if snapshot.fallback_from is not None:
            self.note = QLabel()
            self.note.setObjectName("fallback_note")
            self.note.setWordWrap(True)
            self.note.setStyleSheet("color: palette(placeholder-text); font-size: 11px;")
        empty = QLabel(NO_WINDOWS) if _says_no_windows(snapshot) else None
        self.show_snapshot(snapshot)  # the texts first, then into the layout (as always)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        for widget in (self.title, *self.rows, self.extra, self.spend, self.note, empty):
            if widget is not None:
                layout.addWidget(widget)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """A reading of this organization, of the same shape (:func:`org_shape`); the one
        already shown (another account's reading came): nothing to change."""
        if snapshot == self._shown:
            return
        self._shown = snapshot
        name = snapshot.org_name or "Claude"
        # With an account's section above, it already says whose and which plan.
        self.title.setText(
            heading(name, snapshot.account_email, snapshot.plan) if self._with_account else name
        )
        style = "font-weight: 600;" + (" color: gray;" if snapshot.stale else "")
        if style != self._title_style:  # a style sheet set again restyles: only on a change
            self._title_style = style
            self.title.setStyleSheet(style)
        windows = [window for window in snapshot.windows if window.key not in self._hidden]
        for row, window in zip(self.rows, windows, strict=True):
            row.set_window(window)
            row.org_uuid, row.account = snapshot.org_uuid, snapshot.account
            if snapshot.source == STATUSLINE or window.read_via is not None:
                row.set_origin(
                    window.read_via or snapshot.source, window.read_at or snapshot.fetched_at
                )
            else:
                row.set_origin(None)
            row.setEnabled(not snapshot.stale)
        if self.extra is not None and snapshot.extra_usage is not None:
            self.extra.setText(f"Extra usage: {format_extra_usage(snapshot.extra_usage)}")
        if self.spend is not None and snapshot.spend is not None:
            self.spend.setText(f"Spend: {format_spend(snapshot.spend)}")
        if self.note is not None and snapshot.fallback_from is not None:
            text = fallback_note(snapshot)
            self.note.setText(f"{text[0].upper()}{text[1:]}.")
