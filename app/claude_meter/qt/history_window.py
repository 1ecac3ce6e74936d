"""The History window: a chart per account's organization, window and span, the walls, the year.

It exists only while open (made on demand, deleted when closed: nothing runs while it is
closed). Every read of the store runs on a pool thread and comes back through a queued signal,
so the window stays responsive while a 90-day span is read; each read is shaped in SQL
(:mod:`claude_meter.history.reads`), so none hands over more rows than the chart has pixel
columns. A newer request makes an older answer void (the generation counter).

A little past 400 lines: one window whose parts (the chart, the walls, the year, the account
and span choices, the two exports) read the store together through one generation counter;
the drawing itself is in ``qt/chart.py`` and ``qt/heatmap.py``.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

import msgspec
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QFontDatabase,
    QHideEvent,
    QKeySequence,
    QResizeEvent,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from claude_meter.core.account_names import script_id, script_name
from claude_meter.core.accounts import shown_name
from claude_meter.core.export import EXPORT_COLUMNS
from claude_meter.history.calendar import COLOURING_WINDOW, Day, calendar_days
from claude_meter.history.chart_data import SPANS, ChartData, Span, load_chart
from claude_meter.history.reads import WindowId, hourly_peaks, walls_since, windows
from claude_meter.history.store import RETENTION, HistoryStore
from claude_meter.history.wall_text import summaries, wall_line, window_name
from claude_meter.history.walls import Wall
from claude_meter.qt.chart import UsageChart
from claude_meter.qt.heatmap import CalendarHeatmap

log = logging.getLogger("claude_meter.history")

_REFRESH_MS = 60_000
_YEAR = timedelta(weeks=52)
NO_HISTORY = (
    "No readings stored yet.\nClaudeMeter keeps one each time it reads your usage (the tray, "
    "`claude-meter status`), for 90 days."
)


class Overview(msgspec.Struct, frozen=True):
    """What does not depend on the chosen window and span: the windows, walls and calendars
    (one per account: the year of one account is not another's)."""

    windows: tuple[WindowId, ...]
    walls: tuple[Wall, ...]
    calendars: Mapping[str | None, tuple[Day, ...]]

    @property
    def days(self) -> tuple[Day, ...]:
        """The calendar of the first account with readings (the only one, usually)."""
        first = self.windows[0][0] if self.windows else None
        return self.calendars.get(first, ())


class _Answers(QObject):
    chart = Signal(int, object)
    overview = Signal(int, object)


class _Read(QRunnable):
    def __init__(self, work: Callable[[], None]) -> None:
        super().__init__()
        self._work = work

    def run(self) -> None:
        try:
            self._work()
        except Exception:  # a pool thread must not die silently; the window keeps the last
            log.exception("reading the history for the History window failed")


#: How long the end of the program waits for reads already running (each is shaped in SQL and
#: takes milliseconds; a locked or very slow disk is not waited on for ever).
FINISH_READS_MS = 5_000


def finish_reads(pool: QThreadPool | None = None) -> None:
    """Let the History window's reads already running end, before the store they read is
    closed and Qt goes: a read left running used a closed database, then answered into a
    finished application (a crash at exit when the window was closed during a read)."""
    (pool or QThreadPool.globalInstance()).waitForDone(FINISH_READS_MS)


def read_overview(store: HistoryStore, now: datetime, tz: tzinfo | None) -> Overview:
    walls = walls_since(store, now - RETENTION, now)
    found = tuple(windows(store))
    calendars: dict[str | None, tuple[Day, ...]] = {}
    for account in dict.fromkeys(account for account, _, _ in found) or (None,):
        peaks = hourly_peaks(store, (COLOURING_WINDOW,), now - _YEAR, account=account)
        theirs = [w for w in walls if w.account == account]
        calendars[account] = tuple(calendar_days(peaks, theirs, now.astimezone(tz).date(), tz))
    return Overview(found, tuple(walls), calendars)


class HistoryWindow(QWidget):
    """See the module docstring. ``clock`` and ``tz`` are passed in so tests pin them."""

    chart_loaded = Signal()  # a chart was read and drawn (tests and the benchmark wait on it)
    overview_loaded = Signal()

    def __init__(
        self,
        store: HistoryStore,
        *,
        thresholds: Sequence[float] = (),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        tz: tzinfo | None = None,
        pool: QThreadPool | None = None,
        names: Mapping[str | None, str] | None = None,
    ) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.setWindowTitle("ClaudeMeter · History")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._store, self._thresholds, self._clock, self._tz = store, thresholds, clock, tz
        self._names: dict[str | None, str] = dict(names or {})
        self._several = False  # the history holds several accounts: the box names them
        self._pool = pool or QThreadPool.globalInstance()
        self._answers = _Answers()  # no parent: pool threads may emit after the window went
        self._answers.chart.connect(self._on_chart, Qt.ConnectionType.QueuedConnection)
        self._answers.overview.connect(self._on_overview, Qt.ConnectionType.QueuedConnection)
        self._generation = 0
        self._wanted: WindowId | None = None
        self.span: Span = "period"
        self.overview: Overview | None = None

        self.org_box = QComboBox()
        self.org_box.setAccessibleName("Account and organization")
        self.window_box = QComboBox()
        self.org_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.window_box.setAccessibleName("Usage window")
        self.window_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for box in (self.org_box, self.window_box):  # a name is never cut short
            box.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.spans = QButtonGroup(self)
        # The boxes and the files on one row, the spans on the next: on one row they did not
        # fit the window's width, and the account's name was cut to a few letters.
        top = QHBoxLayout()
        top.addWidget(self.org_box)
        top.addWidget(self.window_box)
        top.addStretch(1)
        span_row = QHBoxLayout()
        for index, (span, label) in enumerate(SPANS.items()):
            button = QPushButton(label)
            button.setCheckable(True)
            button.setChecked(span == self.span)
            button.setAccessibleName(f"Show {label.lower()}")
            button.clicked.connect(lambda _checked=False, s=span: self.show_span(s))
            self.spans.addButton(button, index)
            span_row.addWidget(button)
        span_row.addStretch(1)
        self.png_button = QPushButton("Save PNG…")
        self.png_button.setToolTip("Save the chart shown as a PNG picture")
        self.csv_button = QPushButton("Save CSV…")
        self.csv_button.setToolTip("Save the readings of the chart shown as CSV")
        self.png_button.clicked.connect(self._ask_png)
        self.csv_button.clicked.connect(self._ask_csv)
        top.addWidget(self.png_button)
        top.addWidget(self.csv_button)

        self.chart = UsageChart(tz=tz)
        self.point = QLabel(" ")
        self.point.setAccessibleName("Point")
        self.chart.point_described.connect(self.point.setText)
        self.legend = QLabel(
            "Dotted lines: resets · red bands: walled (at 100%) · dashed: your notification "
            "thresholds and the forecast to the reset"
        )
        self.legend.setStyleSheet("color: palette(placeholder-text); font-size: 11px;")
        self.totals = QLabel()
        self.totals.setWordWrap(True)
        self.wall_list = QListWidget()
        self.wall_list.setAccessibleName("Walls")
        self.wall_list.setMaximumHeight(110)
        self.wall_list.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.heatmap = CalendarHeatmap()
        calendar_note = QLabel(
            f"Last 52 weeks: each day coloured by its highest {window_name(COLOURING_WINDOW)} "
            "reading; a dot marks a day the session hit 100%."
        )
        calendar_note.setStyleSheet("color: palette(placeholder-text); font-size: 11px;")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(span_row)
        layout.addWidget(self.chart, 1)
        layout.addWidget(self.point)
        layout.addWidget(self.legend)
        walls_title = QLabel("<b>Walls</b> (the last 90 days)")
        layout.addWidget(walls_title)
        layout.addWidget(self.totals)
        layout.addWidget(self.wall_list)
        layout.addWidget(QLabel("<b>The year</b>"))
        layout.addWidget(self.heatmap)
        layout.addWidget(calendar_note)
        self.resize(820, 640)

        self.org_box.currentIndexChanged.connect(self._on_org)
        self.window_box.currentIndexChanged.connect(lambda _i: self.reload_chart())
        QShortcut(QKeySequence(QKeySequence.StandardKey.Close), self, self.close)
        QShortcut(QKeySequence("Esc"), self, self.close)
        self._resized = QTimer(self, singleShot=True, interval=150)
        self._resized.timeout.connect(self.reload_chart)
        self._refresh = QTimer(self, interval=_REFRESH_MS)  # only while shown
        self._refresh.timeout.connect(self.reload)

    # -- what is shown ----------------------------------------------------------------------

    @property
    def selection(self) -> WindowId | None:
        whose, key = self._whose(), self.window_box.currentData()
        return (*whose, key) if whose is not None and isinstance(key, str) else None

    def _whose(self) -> tuple[str | None, str] | None:
        """The (account, organization) chosen: the box holds it as text (Qt compares that)."""
        data = self.org_box.currentData()
        return choice_of(data) if isinstance(data, str) else None

    def show_span(self, span: Span) -> None:
        self.span = span
        self.spans.button(list(SPANS).index(span)).setChecked(True)
        self.reload_chart()

    def select(self, org: str, key: str, account: str | None = None) -> None:
        """Show one account's organization's window (the popover opens the window on it)."""
        self._wanted = (account, org, key)
        if self.overview is not None:
            self._apply_wanted()

    def reload(self) -> None:
        """Read the overview (windows, walls, calendar), then the chart."""
        self._generation += 1
        generation, store, now, tz = self._generation, self._store, self._clock(), self._tz
        answers = self._answers
        self._pool.start(
            _Read(lambda: answers.overview.emit(generation, read_overview(store, now, tz)))
        )

    def reload_chart(self) -> None:
        chosen = self.selection
        if chosen is None:
            self.chart.set_data(None, self._thresholds)
            return
        self._generation += 1
        generation, store, now = self._generation, self._store, self._clock()
        (account, org, key), span, width = chosen, self.span, self.chart.plot_width()
        answers = self._answers
        self._pool.start(
            _Read(
                lambda: answers.chart.emit(
                    generation, load_chart(store, org, key, span, now, width, account=account)
                )
            )
        )

    def _on_overview(self, generation: int, overview: Overview) -> None:
        self.overview = overview
        orgs = list(dict.fromkeys((account, org) for account, org, _ in overview.windows))
        self._several = len({account for account, _ in orgs}) > 1
        current = self.selection
        self.org_box.blockSignals(True)
        self.org_box.clear()
        for account, org in orgs:
            self.org_box.addItem(self._choice_label(account, org), choice_data(account, org))
        self.org_box.setVisible(len(orgs) > 1)
        self.org_box.blockSignals(False)
        self.chart.empty_text = "" if orgs else NO_HISTORY  # a first run: say why it is empty
        for shown in (self.png_button, self.csv_button):
            shown.setEnabled(bool(orgs))
        self.window_box.setVisible(bool(orgs))  # an empty box is nothing to choose from
        self._fill_windows(current)
        self._show_walls()
        self.overview_loaded.emit()
        if generation == self._generation:
            self.reload_chart()

    def set_names(self, names: Mapping[str | None, str]) -> None:
        """The accounts' names as the settings say them now (a rename, a removal): the box
        shows them at once, nothing is read again."""
        self._names = dict(names)
        for index in range(self.org_box.count()):
            account, org = choice_of(self.org_box.itemData(index))
            self.org_box.setItemText(index, self._choice_label(account, org))

    def _choice_label(self, account: str | None, org: str) -> str:
        label = org[:8] or "(no organization)"
        if self._several:  # two members of one Team organization: the account tells them apart
            return f"{shown_name(self._names, account)} · {label}"
        return label

    def _fill_windows(self, current: WindowId | None) -> None:
        wanted = self._wanted or current
        if wanted is not None and self.org_box.findData(choice_data(*wanted[:2])) >= 0:
            self.org_box.blockSignals(True)
            self.org_box.setCurrentIndex(self.org_box.findData(choice_data(*wanted[:2])))
            self.org_box.blockSignals(False)
        whose = self._whose()
        self.window_box.blockSignals(True)
        self.window_box.clear()
        for account, org, key in self.overview.windows if self.overview else ():
            if (account, org) == whose:
                self.window_box.addItem(window_name(key), key)
        if wanted is not None and self.window_box.findData(wanted[2]) >= 0:
            self.window_box.setCurrentIndex(self.window_box.findData(wanted[2]))
        self.window_box.blockSignals(False)

    def _apply_wanted(self) -> None:
        self._fill_windows(self.selection)
        self._show_walls()
        self.reload_chart()

    def _on_org(self, _index: int) -> None:
        self._fill_windows(None)
        self._show_walls()
        self.reload_chart()

    def _show_walls(self) -> None:
        """The walls and the year of the account and organization chosen."""
        whose = self._whose()
        if self.overview is not None:
            account = whose[0] if whose is not None else None
            self.heatmap.set_days(self.overview.calendars.get(account, self.overview.days))
        walls = [
            w
            for w in (self.overview.walls if self.overview else ())
            if (w.account, w.org_uuid) == whose
        ]
        lines = summaries(walls, self._clock(), self._tz)
        self.totals.setText(" ".join(lines) or "No window reached 100% in the last 90 days.")
        self.wall_list.clear()
        for wall in reversed(walls):
            self.wall_list.addItem(wall_line(wall, self._tz, with_org=False))
        self.wall_list.setVisible(bool(walls))  # "no window reached 100%" says it all

    def _on_chart(self, generation: int, data: ChartData) -> None:
        if generation != self._generation:
            return  # a newer request is on its way
        self.chart.set_data(data, self._thresholds)
        self.point.setText(" ")
        self.chart_loaded.emit()

    # -- export -----------------------------------------------------------------------------

    def export_png(self, path: Path) -> bool:
        """The chart as shown, as a PNG file."""
        return self.chart.grab().save(str(path), "PNG")

    def export_csv(self, path: Path) -> int:
        """The readings of the chart shown (account, organization, window, span) as CSV; how
        many."""
        data = self.chart.data
        if data is None:
            return 0
        rows = self._store.export(
            data.start, org_uuid=data.org_uuid, window_key=data.window_key, account=data.account
        )
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(EXPORT_COLUMNS)
            writer.writerows(
                (*row[:-1], script_name(self._names, row[-1]), script_id(row[-1])) for row in rows
            )
        return len(rows)

    def _ask_png(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Save chart", "claude-meter-history.png", "PNG (*.png)"
        )
        if name and not self.export_png(Path(name)):
            self.point.setText(f"Could not save {name}: check that the folder is writable.")

    def _ask_csv(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Save readings", "claude-meter-history.csv", "CSV (*.csv)"
        )
        if not name:
            return
        try:
            count = self.export_csv(Path(name))
        except OSError as exc:
            self.point.setText(f"Could not save {name}: {exc.strerror or exc}.")
            return
        self.point.setText(f"Saved {count} readings to {name}.")

    # -- life -------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.overview is None:
            self.reload()
        self._refresh.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._refresh.stop()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.overview is not None:
            self._resized.start()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._refresh.stop()
        self._generation += 1  # answers still on their way find nothing to update
        super().closeEvent(event)


def choice_data(account: str | None, org: str) -> str:
    """What the account-and-organization box holds for one choice."""
    return json.dumps([account, org])


def choice_of(data: str) -> tuple[str | None, str]:
    account, org = json.loads(data)
    return account, org
