"""The first-run window: shown when no source of credentials was found.

It explains the four ways to connect, each with one button that starts it, and offers the
demo for a look around without an account. When accounts were found on this computer (browser
sign-ins, Claude Code's; ``sources/discovery.py``), it lists them, each ticked, with one button
that adds the ticked ones as accounts. It only emits signals; the tray decides what each does
(open claude.ai, paste into the keyring, switch the source, start the demo, add accounts).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

WORDS_WIDTH = 350

INTRO = (
    "ClaudeMeter shows the usage numbers claude.ai itself shows, so it needs to read them "
    "with your sign-in. It found none yet. Choose one way to connect:"
)

#: (key, title, explanation, button text)
WAYS = (
    (
        "browser",
        "Sign in to claude.ai in your browser",
        "Chrome, Firefox, Edge, Brave, Chromium, Vivaldi, Opera (and Safari, Arc on macOS). "
        "ClaudeMeter finds the sign-in by itself; press “Check again” afterwards.",
        "Open claude.ai",
    ),
    (
        "extension",
        "Install the browser extension",
        "Best on Windows, where Chrome and Edge lock their cookies: the extension sends the "
        "numbers from your claude.ai tab.",
        "Set up extension…",
    ),
    (
        "paste",
        "Paste your session",
        "Copy the Cookie header of a claude.ai request from the browser's developer tools "
        "(or just the sessionKey). It is kept in the system keyring, never in a file.",
        "Paste session…",
    ),
    (
        "claude-code",
        "Use Claude Code's sign-in",
        "If you use Claude Code, ClaudeMeter can read its sign-in (read-only). "
        "Run `claude` once first if you have not.",
        "Use Claude Code",
    ),
)


def first_sentence(text: str | None) -> str:
    if not text:
        return ""
    head, dot, _ = text.partition(". ")
    return head + "." if dot else text


class FirstRunWindow(QDialog):
    """``chosen`` carries the key of the way picked: browser, extension, paste, claude-code,
    check-again or demo."""

    chosen = Signal(str)
    #: The indexes (in :meth:`set_found`'s order) of the found accounts ticked to add.
    add_found = Signal(list)

    def __init__(self, detail: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect ClaudeMeter")
        self.setObjectName("first_run")
        self.setModal(False)
        self.setFixedWidth(560)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 18, 20, 14)
        outer.setSpacing(12)
        title = QLabel("Connect ClaudeMeter to your Claude account")
        title.setStyleSheet("font-size: 16px; font-weight: 600;")
        outer.addWidget(title)
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        outer.addWidget(intro)

        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(10)
        self.buttons: dict[str, QPushButton] = {}
        for row, (key, heading, text, button_text) in enumerate(WAYS):
            if row:
                line = QFrame()
                line.setFrameShape(QFrame.Shape.HLine)
                line.setStyleSheet("color: rgba(128,128,128,60);")
                grid.addWidget(line, 2 * row - 1, 0, 1, 2)
            words = QLabel(f"<b>{heading}</b><br>{text}")
            words.setWordWrap(True)
            words.setTextFormat(Qt.TextFormat.RichText)
            words.setFixedWidth(WORDS_WIDTH)  # a fixed width lets the wrapped height be exact
            button = QPushButton(button_text)
            button.setMinimumWidth(150)
            button.setAccessibleName(heading)
            button.clicked.connect(lambda _=False, k=key: self.chosen.emit(k))
            grid.addWidget(words, 2 * row, 0)
            grid.addWidget(button, 2 * row, 1, Qt.AlignmentFlag.AlignVCenter)
            self.buttons[key] = button
        grid.setColumnStretch(0, 1)
        outer.addLayout(grid)

        self.found_box = QFrame()
        self.found_box.setObjectName("found")
        found_layout = QVBoxLayout(self.found_box)
        found_layout.setContentsMargins(0, 0, 0, 0)
        found_layout.setSpacing(4)
        found_title = QLabel("<b>Accounts found on this computer</b>")
        found_title.setTextFormat(Qt.TextFormat.RichText)
        found_layout.addWidget(found_title)
        self._found_rows = QVBoxLayout()
        found_layout.addLayout(self._found_rows)
        add_row = QHBoxLayout()
        add_row.addStretch(1)
        self.add_button = QPushButton("Add the ticked accounts")
        self.add_button.clicked.connect(self._add_ticked)
        add_row.addWidget(self.add_button)
        found_layout.addLayout(add_row)
        self.found_box.setVisible(False)
        self.found: list[QCheckBox] = []
        outer.addWidget(self.found_box)

        self.detail = QLabel(first_sentence(detail))
        self.detail.setWordWrap(True)
        self.detail.setStyleSheet("color: palette(placeholder-text); font-size: 11px;")
        self.detail.setVisible(bool(detail))
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.detail)

        bottom = QHBoxLayout()
        demo = QPushButton("Try the demo")
        demo.setToolTip("Numbers from a built-in fake claude.ai; no account needed")
        demo.clicked.connect(lambda: self.chosen.emit("demo"))
        again = QPushButton("Check again")
        again.setDefault(True)
        again.clicked.connect(lambda: self.chosen.emit("check-again"))
        later = QPushButton("Later")
        later.clicked.connect(self.close)
        bottom.addWidget(demo)
        bottom.addStretch(1)
        bottom.addWidget(later)
        bottom.addWidget(again)
        self.buttons["demo"] = demo
        self.buttons["check-again"] = again
        outer.addLayout(bottom)

    def set_detail(self, text: str | None) -> None:
        """What the last attempt found, in small print: its first sentence (the rest of the
        message repeats the ways above, in command-line words)."""
        self.detail.setText(first_sentence(text))
        self.detail.setVisible(bool(text))

    def set_found(self, labels: list[str]) -> None:
        """The accounts found, one ticked box each ("Chromium (Profile 2) · me@example.com");
        none hides the list."""
        for box in self.found:
            self._found_rows.removeWidget(box)
            box.deleteLater()
        self.found = []
        for label in labels:
            box = QCheckBox(label)
            box.setChecked(True)
            box.toggled.connect(self._ticked_changed)
            self._found_rows.addWidget(box)
            self.found.append(box)
        self.found_box.setVisible(bool(labels))
        self.add_button.setText(
            "Add this account" if len(labels) == 1 else "Add the ticked accounts"
        )
        self._ticked_changed()
        # The list may come after the window was shown: make room for it. Not adjustSize(),
        # which stops a window at 2/3 of the screen's height and would clip the words.
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def _ticked_changed(self) -> None:
        self.add_button.setEnabled(any(box.isChecked() for box in self.found))

    def _add_ticked(self) -> None:
        self.add_found.emit([n for n, box in enumerate(self.found) if box.isChecked()])
