"""The first-run window: shown when no source of credentials was found.

It explains the four ways to connect, each with one button that starts it, and offers the
demo for a look around without an account. It only emits signals; the tray decides what each
does (open claude.ai, paste into the keyring, switch the source, start the demo).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
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
