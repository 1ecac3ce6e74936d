"""The settings window: edits a :class:`~claude_meter.core.settings.Settings`, nothing more.

It validates through the model (so the window and the file can never disagree on what is
allowed) and says what is wrong next to the buttons instead of a modal error. Anything that
needs the network, the keyring or the bridge is asked for through a signal, and the answer
comes back through :meth:`SettingsWindow.show_test_result`, so the window never blocks.

A little past 400 lines: one form, whose sections (connection, updates and notifications,
display, start and browser extension) are laid out and validated together against one
model; what they save is decided in ``core/settings.py`` and ``qt/preferences.py``. The
Accounts row is its own module (``qt/account_editor.py``): its changes are saved at
once, and :meth:`SettingsWindow.follow` keeps the rest of the form in step with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from claude_meter.core.account_view import metered_names
from claude_meter.core.accounts import DEFAULT_ID
from claude_meter.core.settings import (
    MAX_POLL_SECONDS,
    MIN_POLL_SECONDS,
    SOURCE_LABELS,
    Settings,
    as_data,
    format_thresholds,
    parse,
    parse_thresholds,
    problem,
)
from claude_meter.core.validation import Invalid
from claude_meter.qt.accounts_box import AccountsBox
from claude_meter.qt.sections_scroll import SectionsScroll, fit_to_screen

HINT_STYLE = "color: palette(placeholder-text); font-size: 11px;"


@dataclass(frozen=True)
class ProfileChoice:
    """A browser profile offered for the ``browser`` source (names only, never a cookie)."""

    browser: str
    profile: str
    label: str


def _profile_key(browser: str, profile: str | None) -> str:
    """A combo box item's data: Qt would turn a tuple into a list and never find it again."""
    return f"{browser}\n{profile or ''}"


def _left(widget: QWidget) -> QHBoxLayout:
    """A field that keeps its own width instead of stretching across the form."""
    row = QHBoxLayout()
    row.addWidget(widget)
    row.addStretch(1)
    return row


class WrappedLabel(QLabel):
    """A word-wrapped label that asks for the height its text takes at the width it was given.

    A form sizes its rows by their size hint, and QLabel wraps its hint at a narrower width of
    its own choosing (a two-line hint asked for three lines): the row kept a blank line."""

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self.testAttribute(Qt.WidgetAttribute.WA_Resized) and self.width() > 0:
            return QSize(hint.width(), self.heightForWidth(self.width()))
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # the wrap changed: the form measures the row again


def _hint(text: str) -> QLabel:
    label = WrappedLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(HINT_STYLE)
    return label


class SettingsWindow(QDialog):
    """Non-modal; ``saved`` carries the validated settings and the autostart choice."""

    saved = Signal(object, bool)  # Settings, start at login
    test_requested = Signal(object)  # Settings: test this source
    paste_requested = Signal()
    pair_requested = Signal()

    def __init__(
        self,
        settings: Settings,
        *,
        autostart: bool,
        windows: Sequence[tuple[str, str]],
        profiles: Sequence[ProfileChoice] = (),
        pairing_available: bool = False,
        demo: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("ClaudeMeter Settings")
        self.setObjectName("settings")
        self.setModal(False)
        self.setMinimumWidth(500)
        self._settings = settings
        self._fitted: int | None = None  # the height the window last gave itself
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 14, 16, 12)
        outer.setSpacing(10)
        sections = QWidget()  # they scroll when the window is too short (sections_scroll.py)
        inner = QVBoxLayout(sections)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.setSpacing(10)
        self.accounts = AccountsBox(settings, demo=demo)  # added and removed at once
        self.accounts.list.currentIndexChanged.connect(self._fit_soon)  # its buttons change
        inner.addWidget(self._connection_box(settings, profiles))
        inner.addWidget(self._updates_box(settings))
        inner.addWidget(self._display_box(settings, windows))
        inner.addWidget(self._startup_box(settings, autostart, pairing_available))
        self.sections = SectionsScroll(sections)
        outer.addWidget(self.sections, 1)
        self.problem = QLabel()
        self.problem.setObjectName("problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #d93a30;")
        self.problem.setVisible(False)
        outer.addWidget(self.problem)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.close)
        outer.addWidget(self.buttons)
        self._on_source_changed()

    # -- sections ---------------------------------------------------------------------------

    def _connection_box(self, settings: Settings, profiles: Sequence[ProfileChoice]) -> QGroupBox:
        box = QGroupBox("Connection")
        form = QFormLayout(box)
        self._connection = form  # its rows come and go whole (label, field and spacing)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Accounts", self.accounts)
        self.source = QComboBox()
        for key, label in SOURCE_LABELS.items():
            self.source.addItem(label, key)
        self.source.setCurrentIndex(max(0, self.source.findData(settings.source)))
        self.source.currentIndexChanged.connect(self._on_source_changed)
        form.addRow("Read usage from", self.source)

        self.profile = QComboBox()
        for choice in profiles:
            self.profile.addItem(choice.label, _profile_key(choice.browser, choice.profile))
        saved = _profile_key(settings.browser or "", settings.profile)
        if settings.browser and self.profile.findData(saved) < 0:
            missing = f"{settings.browser} ({settings.profile or 'any profile'}) – not found"
            self.profile.addItem(missing, saved)
        self.profile.setCurrentIndex(max(0, self.profile.findData(saved)))
        self.profile_label = QLabel("Browser profile")
        form.addRow(self.profile_label, self.profile)

        self.paste = QPushButton("Paste session…")
        self.paste.setToolTip("The Cookie header or the sessionKey value; kept in the keyring")
        self.paste.clicked.connect(self.paste_requested.emit)
        self.test = QPushButton("Test connection")
        self.test.clicked.connect(self._test)
        actions = QHBoxLayout()
        actions.addWidget(self.test)
        actions.addWidget(self.paste)
        actions.addStretch(1)
        form.addRow("", actions)
        self.test_result = WrappedLabel()
        self.test_result.setObjectName("test_result")
        self.test_result.setWordWrap(True)
        form.addRow("", self.test_result)
        form.setRowVisible(self.test_result, False)
        self.source_hint = _hint("")
        form.addRow("", self.source_hint)
        self.fallback = QCheckBox(
            "When claude.ai asks for a browser check,\nread through Claude Code's sign-in"
        )
        self.fallback.setToolTip(
            "Only with Automatic, and only when Claude Code is signed in here. The popover "
            "then says the numbers came via Claude Code's sign-in."
        )
        self.fallback.setChecked(settings.challenge_fallback)
        form.addRow("", self.fallback)
        return box

    def _updates_box(self, settings: Settings) -> QGroupBox:
        box = QGroupBox("Updates and notifications")
        form = QFormLayout(box)
        self.poll = QSpinBox()
        self.poll.setRange(MIN_POLL_SECONDS, MAX_POLL_SECONDS)
        self.poll.setSingleStep(30)
        self.poll.setSuffix(" s")
        self.poll.setValue(settings.poll_seconds)
        self.poll.setMinimumWidth(110)
        self.poll.setToolTip("30 seconds to 30 minutes; Claude Code's sign-in is read every 3 min")
        form.addRow("Check every", _left(self.poll))
        self.thresholds = QLineEdit(format_thresholds(settings.thresholds))
        self.thresholds.setPlaceholderText("e.g. 80, 95 (empty: no notifications)")
        self.thresholds.setMaximumWidth(260)
        form.addRow("Notify at (%)", self.thresholds)
        return box

    def _display_box(self, settings: Settings, windows: Sequence[tuple[str, str]]) -> QGroupBox:
        box = QGroupBox("Display")
        form = QFormLayout(box)
        self.icon_style = QComboBox()
        self.icon_style.addItem("Number", "number")
        self.icon_style.addItem("Ring", "ring")
        self.icon_style.setCurrentIndex(self.icon_style.findData(settings.icon_style))
        self.icon_colour = QComboBox()
        self.icon_colour.addItem("Colour", "colour")
        self.icon_colour.addItem("Monochrome (follows the menu bar)", "monochrome")
        self.icon_colour.setCurrentIndex(self.icon_colour.findData(settings.icon_colour))
        icon_row = QHBoxLayout()
        icon_row.addWidget(self.icon_style)
        icon_row.addWidget(self.icon_colour, 1)
        form.addRow("Tray icon", icon_row)
        self.percent_shown = QComboBox()
        self.percent_shown.addItem("Used", "used")
        self.percent_shown.addItem("Remaining", "remaining")
        self.percent_shown.setCurrentIndex(self.percent_shown.findData(settings.percent_shown))
        form.addRow("Show percent", _left(self.percent_shown))
        self.icon_account = QComboBox()  # with several accounts: whose window the icon shows
        self.icon_account.setAccessibleName("The account the tray icon shows")
        self._display, self._icon_row = form, _left(self.icon_account)
        form.addRow("Icon shows", self._icon_row)
        self._icon_accounts(settings, settings.icon_account)

        table = QWidget()
        grid = QGridLayout(table)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(6)
        grid.addWidget(QLabel("<b>Window</b>"), 0, 0)
        grid.addWidget(QLabel("<b>Icon</b>"), 0, 1, Qt.AlignmentFlag.AlignHCenter)
        grid.addWidget(QLabel("<b>Popover</b>"), 0, 2, Qt.AlignmentFlag.AlignHCenter)
        self.window_boxes: dict[str, tuple[QCheckBox, QCheckBox]] = {}
        for row, (key, label) in enumerate(windows, start=1):
            in_icon, in_popover = QCheckBox(), QCheckBox()
            in_icon.setChecked(key not in settings.icon_hidden)
            in_popover.setChecked(key not in settings.popover_hidden)
            in_icon.setAccessibleName(f"{label} in the icon")
            in_popover.setAccessibleName(f"{label} in the popover")
            grid.addWidget(QLabel(label), row, 0)
            grid.addWidget(in_icon, row, 1, Qt.AlignmentFlag.AlignHCenter)
            grid.addWidget(in_popover, row, 2, Qt.AlignmentFlag.AlignHCenter)
            self.window_boxes[key] = (in_icon, in_popover)
        grid.setColumnStretch(0, 1)
        form.addRow("Windows", table)
        return box

    def _icon_accounts(self, settings: Settings, chosen: str | None) -> None:
        self.icon_account.clear()
        self.icon_account.addItem("The worst of all accounts", None)
        for key, name in metered_names(settings):
            self.icon_account.addItem(name, key or DEFAULT_ID)
        self.icon_account.setCurrentIndex(max(0, self.icon_account.findData(chosen)))
        self._display.setRowVisible(self._icon_row, len(settings.metered) > 1)

    def follow(self, settings: Settings) -> None:
        """Settings saved meanwhile (an account added or removed here, or by ``claude-meter
        accounts``): what this window does not edit follows them, so its Save never puts a
        removed account back or drops an added one; what it edits keeps what was typed."""
        self._settings = settings
        self.accounts.show_accounts(settings)
        self._icon_accounts(settings, self.icon_account.currentData())
        self._fit_soon()

    def _fit_soon(self) -> None:
        """:meth:`_fit` once the layout has taken in what changed (a button shown: the row
        asks for more width only after its layout ran; fitted at once, Remove… was cut off)."""
        QTimer.singleShot(0, self._fit)

    def _startup_box(
        self, settings: Settings, autostart: bool, pairing_available: bool
    ) -> QGroupBox:
        box = QGroupBox("Start and browser extension")
        form = QFormLayout(box)
        self.autostart = QCheckBox("Start ClaudeMeter when I log in")
        self.autostart.setChecked(autostart)
        form.addRow("", self.autostart)
        self.bridge = QCheckBox("Accept numbers from the browser extension")
        self.bridge.setChecked(settings.bridge_enabled)
        form.addRow("", self.bridge)
        self.port = QSpinBox()
        self.port.setRange(1024, 65535)
        self.port.setValue(settings.bridge_port)
        self.port.setToolTip("Port on 127.0.0.1 the extension sends to")
        self.pair = QPushButton("Pair extension…")
        self.pair.clicked.connect(self.pair_requested.emit)
        self.pair.setEnabled(pairing_available)
        if not pairing_available:
            self.pair.setToolTip("Turn the bridge on and save first")
        port_row = QHBoxLayout()
        port_row.addWidget(self.port)
        port_row.addWidget(self.pair)
        port_row.addStretch(1)
        form.addRow("Bridge port", port_row)
        self.bridge.toggled.connect(self._on_bridge_toggled)
        self._on_bridge_toggled(self.bridge.isChecked())
        return box

    # -- behaviour --------------------------------------------------------------------------

    _SOURCE_HINTS: ClassVar[dict[str, str]] = {
        "auto": "Tries, in order: CLAUDE_METER_COOKIE, the stored session, every browser "
        "profile, then Claude Code's sign-in.",
        "browser": "Only this profile is read. Sign in to claude.ai in it first.",
        "pasted": "Copy the Cookie header of any claude.ai request (developer tools, "
        "Network tab), or just the sessionKey value. It is kept in the OS keyring.",
        "claude-code": "Read-only: ClaudeMeter never refreshes Claude Code's token. "
        "When it expires, run `claude` once.",
        "extension": "The extension sends the numbers from your signed-in claude.ai tab. "
        "Turn the bridge on below and pair the extension.",
    }

    def _on_source_changed(self) -> None:
        source = self.source.currentData()
        browser = source == "browser"
        hint = self._SOURCE_HINTS.get(source, "")
        # A hidden row is hidden whole: a hidden field alone keeps its empty label and the
        # spacing around it, a gap where nothing is shown.
        self._connection.setRowVisible(self.profile, browser)
        self.paste.setVisible(source == "pasted")
        self._connection.setRowVisible(self.fallback, source == "auto")
        self.source_hint.setText(hint)
        self._connection.setRowVisible(self.source_hint, bool(hint))
        self._connection.setRowVisible(self.test_result, False)
        self._fit()

    def _on_bridge_toggled(self, on: bool) -> None:
        self.port.setEnabled(on)

    def values(self) -> Settings:
        """The settings as edited; :class:`ValueError` (:data:`validation.Invalid` among them)
        when not valid."""
        browser, profile = None, None
        if self.source.currentData() == "browser":
            data = self.profile.currentData()
            if data is None:
                raise ValueError("No browser profile was found to read; sign in to claude.ai")
            browser, _, profile = str(data).partition("\n")
        # What this window does not edit (the accounts, their names) is kept as it was.
        kept = as_data(self._settings)
        del kept["version"]
        return parse(kept | self._edited(browser, profile))

    def _edited(self, browser: str | None, profile: str | None) -> dict[str, object]:
        return dict(
            icon_account=self.icon_account.currentData(),
            source=self.source.currentData(),
            browser=browser,
            profile=profile or None,
            poll_seconds=self.poll.value(),
            thresholds=parse_thresholds(self.thresholds.text()),
            icon_hidden=tuple(
                k for k, (icon, _) in self.window_boxes.items() if not icon.isChecked()
            ),
            popover_hidden=tuple(
                k for k, (_, pop) in self.window_boxes.items() if not pop.isChecked()
            ),
            icon_style=self.icon_style.currentData(),
            icon_colour=self.icon_colour.currentData(),
            percent_shown=self.percent_shown.currentData(),
            bridge_enabled=self.bridge.isChecked(),
            bridge_port=self.port.value(),
            challenge_fallback=self.fallback.isChecked(),
        )

    def _checked(self) -> Settings | None:
        try:
            settings = self.values()
        except Invalid as exc:
            self.show_problem(problem(exc))
            return None
        except ValueError as exc:
            self.show_problem(str(exc))
            return None
        self.show_problem(None)
        return settings

    def show_problem(self, text: str | None) -> None:
        self.problem.setText(text or "")
        self.problem.setVisible(bool(text))
        self._fit()

    def showEvent(self, event: QShowEvent) -> None:
        """Once laid out at its real width, grow to fit the wrapped hints (Qt sizes a
        word-wrapped label for another width before the first show, which clipped them)."""
        super().showEvent(event)
        QTimer.singleShot(0, self._fit)

    def _fit(self) -> None:
        """Grow with lines that appear (a test result, a problem) so nothing is clipped, as
        far as the screen allows (the sections scroll past that)."""
        layout = self.layout()
        if layout is not None and self.isVisible():
            layout.activate()
            if self._fitted in (None, self.height()):  # not resized by hand: shrink too, so
                # a line gone (or guessed too tall before the first show) leaves no blank;
                # as wide as the rows ask (the Accounts row's buttons were clipped)
                wide = max(self.width(), self.sizeHint().width())
                screen = self.screen()
                if screen is not None:
                    wide = min(wide, screen.availableGeometry().width())
                self.resize(wide, self.sizeHint().height())
            fit_to_screen(self)
            self._fitted = self.height()

    def save(self) -> None:
        settings = self._checked()
        if settings is None:
            return
        self._settings = settings
        self.saved.emit(settings, self.autostart.isChecked())

    def _test(self) -> None:
        settings = self._checked()
        if settings is None:
            return
        self.test.setEnabled(False)
        self.test_result.setText("Testing…")
        self.test_result.setStyleSheet("")
        self._connection.setRowVisible(self.test_result, True)
        self.test_requested.emit(settings)

    def show_test_result(self, ok: bool, text: str) -> None:
        self.test.setEnabled(True)
        self.test_result.setText(("✓ " if ok else "✗ ") + text)
        self.test_result.setStyleSheet(f"color: {'#2e7d32' if ok else '#d93a30'};")
        self._connection.setRowVisible(self.test_result, True)
        self._fit()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.show_problem(None)
        super().closeEvent(event)
