"""The Settings window's "Add account…" dialog: where the new account's numbers come from, and
its name.

It offers the sign-ins found on this computer that nothing meters yet (browser profiles,
Claude Code's folder: what the first-run window finds, ``qt/found_accounts.py``, filled in
when the look ends) and, always, pasting a claude.ai session. The name field starts with a
name made from the choice (``core/account_changes.unique_name``) until the person types
their own. A pasted session is typed into a password field: never shown, and handed on only
as :class:`~claude_meter.sources.cookies.SessionCookies`. The dialog decides nothing: it
emits :attr:`AddAccountDialog.chosen` and ``qt/account_editor.py`` checks, stores and saves,
answering with :meth:`AddAccountDialog.show_problem` (the dialog stays open, nothing typed is
lost) or by closing it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import msgspec
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from claude_meter.core.account_changes import unique_name
from claude_meter.core.settings import Settings
from claude_meter.qt.dialog_answer import PASTE_FIRST, Answering, problem_line

if TYPE_CHECKING:
    from claude_meter.sources.discovery import Found

PASTE = "paste"
LOOKING = "Looking for sign-ins on this computer…"
NOTHING_FOUND = "No other sign-in was found on this computer (browsers, Claude Code)."
PASTE_LABEL = "Paste a claude.ai session (kept in the system keyring)"


class AddChoice(msgspec.Struct, frozen=True):
    """What the person chose: a found sign-in (``found``) or a pasted session (``pasted``,
    the text as typed, never shown or logged), and the name as typed."""

    name: str
    found: Found | None = None
    pasted: str = ""

    def __repr__(self) -> str:  # never the pasted session
        return f"AddChoice(name={self.name!r}, found={self.found!r})"


class AddAccountDialog(Answering, QDialog):
    """Modal to its Settings window; ``chosen`` carries an :class:`AddChoice`."""

    chosen = Signal(object)

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add account")
        self.setObjectName("add_account")
        self.setMinimumWidth(480)
        self._settings = settings
        self._found: list[Found] = []
        self._offered = ""  # the name last offered: replaced until the person types another
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 14, 16, 12)
        outer.setSpacing(8)
        intro = QLabel("Where its numbers come from:")
        outer.addWidget(intro)
        self.choices = QListWidget()
        self.choices.setAccessibleName("Where the new account's numbers come from")
        self.choices.setSizeAdjustPolicy(QListWidget.SizeAdjustPolicy.AdjustToContents)
        intro.setBuddy(self.choices)
        outer.addWidget(self.choices)
        self.looking = QLabel(LOOKING)
        self.looking.setStyleSheet("color: palette(placeholder-text); font-size: 11px;")
        outer.addWidget(self.looking)

        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setMaxLength(40)
        self.name.setAccessibleName("Account name")
        form.addRow("&Name", self.name)
        self.session = QLineEdit()
        self.session.setEchoMode(QLineEdit.EchoMode.Password)
        self.session.setPlaceholderText("The Cookie header, or just the sessionKey value")
        self.session.setAccessibleName("The pasted claude.ai session")
        self.session_label = QLabel("&Session")
        self.session_label.setBuddy(self.session)
        form.addRow(self.session_label, self.session)
        outer.addLayout(form)
        self.problem = problem_line()
        outer.addWidget(self.problem)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.add = self.buttons.addButton("&Add", QDialogButtonBox.ButtonRole.AcceptRole)
        self.action, self.action_words = self.add, ("&Add", "Adding…")
        self.add.setDefault(True)  # Return adds, whatever field has the focus
        for button in self.buttons.findChildren(QPushButton):
            button.setAutoDefault(button is self.add)
        self.buttons.accepted.connect(self._add)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        self.choices.currentRowChanged.connect(self._on_choice)
        self.set_found(None)
        self.name.setFocus()

    def set_found(self, found: Sequence[Found] | None) -> None:
        """The sign-ins found that nothing meters yet (None: still looking), then Paste."""
        choice = self.choices.currentItem()
        kept = choice.data(Qt.ItemDataRole.UserRole) if choice is not None else PASTE
        self._found = list(found or ())
        self.choices.blockSignals(True)
        self.choices.clear()
        for number, item in enumerate(self._found):
            label = item.label + (f" · {item.email}" if item.email else "")
            entry = QListWidgetItem(label)
            entry.setData(Qt.ItemDataRole.UserRole, number)
            self.choices.addItem(entry)
        paste = QListWidgetItem(PASTE_LABEL)
        paste.setData(Qt.ItemDataRole.UserRole, PASTE)
        self.choices.addItem(paste)
        self.choices.blockSignals(False)
        self.looking.setText(LOOKING if found is None else NOTHING_FOUND)
        self.looking.setVisible(found is None or not self._found)
        # the first found sign-in when the look ends, unless a session is being pasted
        pasting = bool(self.session.text())
        first = 0 if found is not None and kept == PASTE and self._found and not pasting else None
        row = first if first is not None else self.choices.count() - 1
        if isinstance(kept, int) and kept < len(self._found):
            row = kept
        self.choices.setCurrentRow(row)
        rows = max(3, min(8, self.choices.count()))  # as tall as its lines, not a blank box
        self.choices.setFixedHeight(
            rows * self.choices.sizeHintForRow(0) + 2 * self.choices.frameWidth() + 4
        )
        self._on_choice()

    def _on_choice(self) -> None:
        paste = self._is_paste()
        self.session.setVisible(paste)
        self.session_label.setVisible(paste)
        if self.name.text().strip() in ("", self._offered):
            self._offered = self._suggested()
            self.name.setText(self._offered)
        self.show_problem(None)

    def _is_paste(self) -> bool:
        item = self.choices.currentItem()
        return item is None or bool(item.data(Qt.ItemDataRole.UserRole) == PASTE)

    def _suggested(self) -> str:
        item = self.choices.currentItem()
        number = item.data(Qt.ItemDataRole.UserRole) if item is not None else PASTE
        if isinstance(number, int) and number < len(self._found):
            return unique_name(self._settings, self._found[number].suggested_name())
        return unique_name(self._settings, f"Account {len(self._settings.metered) + 1}")

    def _add(self) -> None:
        item = self.choices.currentItem()
        number = item.data(Qt.ItemDataRole.UserRole) if item is not None else PASTE
        found = self._found[number] if isinstance(number, int) else None
        if found is None and not self.session.text().strip():
            self.show_problem(PASTE_FIRST)
            self.session.setFocus()
            return
        pasted = self.session.text() if found is None else ""
        self.chosen.emit(AddChoice(self.name.text(), found, pasted))
