"""The Settings window's "Paste new session…" for a named pasted account whose session expired:
a dialog with a password field, and the work done off the GUI thread.

What is checked and stored is ``poll/new_session.py``'s (the command line's ``accounts
paste`` does the same): the paste parsed as ``login --paste`` parses it, the account read once
with it, stored in its own keyring entry. The account keeps its id, name, history and settings;
the entry's change stamp makes the tray's polls read the new session, and a refresh follows at
once (a sign-in error's backoff does not hold a refresh back), so the account's "expired" state
gives way to numbers at its next good reading. A session of another email than the account's
is not stored until the person ticks "Use it anyway" (the message names both emails). The
keyring and the read run on a short-lived thread (the keyring may take a helper process or an
unlock prompt, the read a few seconds); the answer comes back queued to the GUI thread.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import msgspec
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from claude_meter.core.account_changes import sentence
from claude_meter.qt.dialog_answer import PASTE_FIRST, Answering, problem_line

if TYPE_CHECKING:
    from claude_meter.core.accounts import AccountRef
    from claude_meter.poll.new_session import Replaced
    from claude_meter.sources.keyring_store import Keyring

log = logging.getLogger("claude_meter.preferences")

TITLE = "Paste new session"


class NewSession(msgspec.Struct, frozen=True):
    """What the person pasted (never shown or logged) and whether another email is fine."""

    pasted: str
    other_email_ok: bool = False

    def __repr__(self) -> str:  # never the pasted session
        return f"NewSession(other_email_ok={self.other_email_ok!r})"


class NewSessionDialog(Answering, QDialog):
    """Modal to its Settings window; ``chosen`` carries a :class:`NewSession`."""

    chosen = Signal(object)

    def __init__(self, account: AccountRef, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.setObjectName("new_session")
        self.setMinimumWidth(480)
        self.account = account
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 14, 16, 12)
        outer.setSpacing(8)
        email = f" ({account.email})" if account.email else ""
        intro = QLabel(
            f"A new claude.ai session for {account.name}{email}. It replaces the one stored in "
            f"its keyring entry; {account.name} keeps its history and settings."
        )
        intro.setWordWrap(True)
        outer.addWidget(intro)
        form = QFormLayout()
        self.session = QLineEdit()
        self.session.setEchoMode(QLineEdit.EchoMode.Password)
        self.session.setPlaceholderText("The Cookie header, or just the sessionKey value")
        self.session.setAccessibleName("The new claude.ai session")
        form.addRow("&Session", self.session)
        outer.addLayout(form)
        self.problem = problem_line()
        outer.addWidget(self.problem)
        self.other_email = QCheckBox()
        self.other_email.setVisible(False)
        outer.addWidget(self.other_email)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.store = self.buttons.addButton("S&tore", QDialogButtonBox.ButtonRole.AcceptRole)
        self.action, self.action_words = self.store, ("S&tore", "Storing…")
        self.store.setDefault(True)
        for button in self.buttons.findChildren(QPushButton):
            button.setAutoDefault(button is self.store)
        self.buttons.accepted.connect(self._store)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)
        self.session.textEdited.connect(self._edited)
        self.session.setFocus()

    def _store(self) -> None:
        if not self.session.text().strip():
            self.show_problem(PASTE_FIRST)
            self.session.setFocus()
            return
        ok = self.other_email.isVisible() and self.other_email.isChecked()
        self.chosen.emit(NewSession(self.session.text(), ok))

    def _edited(self) -> None:
        """Another paste: the question about the previous one's email no longer holds."""
        self.other_email.setVisible(False)
        self.other_email.setChecked(False)

    def ask_other_email(self, text: str, new: str) -> None:
        """The session is another email's: say so, and let the person store it anyway."""
        self.show_problem(text)
        self.other_email.setText(f"Use it anyway: {self.account.name}'s sign-in is {new} now")
        self.other_email.setChecked(False)
        self.other_email.setVisible(True)


class SessionReplacer(QObject):
    """Reads and stores a :class:`NewSession` for one account, off the GUI thread; ``done``
    (queued) carries the :class:`~claude_meter.poll.new_session.Replaced`, ``failed`` the
    words for the dialog (and, for another email, that email)."""

    done = Signal(object)
    failed = Signal(str, str)  # why, the other email ("" when that is not why)

    def __init__(
        self, keyring: Keyring | None, env: Mapping[str, str], parent: QObject | None
    ) -> None:
        super().__init__(parent)
        self._keyring = keyring
        self._env = dict(env)

    def replace(self, account: AccountRef, chosen: NewSession, known_email: str | None) -> None:
        from claude_meter.poll.fetcher import Fetcher
        from claude_meter.poll.messages import TRAY_ADVICE
        from claude_meter.poll.new_session import NotReplaced, OtherEmail, replace_session
        from claude_meter.sources.keyring_store import Keyring

        keyring = self._keyring or Keyring()
        fetcher = Fetcher(self._env, advice=TRAY_ADVICE)
        this = weakref.ref(self)

        def answer(emit: Callable[[SessionReplacer], None]) -> None:
            replacer = this()
            if replacer is None:  # the dialog, and its replacer, closed meanwhile
                return
            try:  # never the last reference: the QObject dies on its own thread
                emit(replacer)
            except RuntimeError:  # deleted by Qt meanwhile: no one to tell
                log.info("a new session was answered after its dialog closed")

        def run() -> None:
            try:
                done = replace_session(
                    account, chosen.pasted, keyring.store(account.id), fetcher=fetcher,
                    known_email=known_email, other_email_ok=chosen.other_email_ok,
                )  # fmt: skip
            except OtherEmail as exc:
                why, new = sentence(exc), exc.new
                answer(lambda r: r.failed.emit(why, new))
            except NotReplaced as exc:
                why = sentence(exc)
                answer(lambda r: r.failed.emit(why, ""))
            except Exception as exc:  # noqa: BLE001 - said to the person, the tray goes on
                log.error("storing a new session failed: %s", type(exc).__name__)  # no text
                answer(lambda r: r.failed.emit(
                    "Something went wrong inside ClaudeMeter; nothing was changed.", ""
                ))  # fmt: skip
            else:
                answer(lambda r: r.done.emit(done))

        threading.Thread(target=run, name="claude-meter-new-session", daemon=True).start()


def connect_dialog(
    dialog: NewSessionDialog,
    replacer: SessionReplacer,
    known_email: str | None,
    finished: Callable[[Replaced], None],
) -> None:
    """Wire the dialog to its replacer: each Store reads and stores, each answer is shown."""
    queued = Qt.ConnectionType.QueuedConnection

    def chosen(choice: NewSession) -> None:
        dialog.busy(True)
        replacer.replace(dialog.account, choice, known_email)

    def failed(why: str, other: str) -> None:
        if other:
            dialog.ask_other_email(why, other)
        else:
            dialog.show_problem(why)

    dialog.chosen.connect(chosen)
    replacer.failed.connect(failed, queued)
    replacer.done.connect(finished, queued)
