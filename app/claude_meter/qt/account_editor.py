"""Adding and removing accounts in the Settings window, as ``claude-meter accounts`` does.

The window's Accounts row (``qt/accounts_box.py``) asks; :class:`AccountEditor` carries out
what it asks, with the command line's rules (``core/account_changes.py``: names, ids never
given twice, the history's ids avoided, which secret goes with a removed account) and its order
of steps: a pasted session goes to the account's own keyring entry first (off the GUI thread:
the keyring may take a helper process or an unlock prompt), and the account is added only when
it is stored there (never in memory, never in a file); the settings are saved before they are
applied (``Preferences.commit``), and a save that fails takes the stored session back out. The
tray then follows the settings: a named account added starts polling, one removed stops
(``qt/account_polls.py``). Changes are saved at once, whatever else the window holds unsaved.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

import msgspec
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QMessageBox,
    QWidget,
)
from shiboken6 import isValid

from claude_meter.core.account_changes import (
    AccountProblem,
    ById,
    added,
    no_keyring,
    removal,
    removal_words,
    room_for_one_more,
    sentence,
    used_ids,
    with_email,
)
from claude_meter.core.settings import Settings

if TYPE_CHECKING:
    from claude_meter.core.accounts import AccountRef
    from claude_meter.core.models import Snapshot
    from claude_meter.poll.new_session import Replaced
    from claude_meter.qt.add_account import AddAccountDialog, AddChoice
    from claude_meter.qt.new_session import NewSessionDialog
    from claude_meter.sources.cookies import SessionCookies
    from claude_meter.sources.keyring_store import Keyring

log = logging.getLogger("claude_meter.preferences")

CHANGED = "The accounts changed meanwhile; press Add again."


class Owner(Protocol):
    """What the editor needs of ``qt/preferences.py``'s ``Preferences`` (named here, not
    imported: the settings window imports this module, and the preferences import it)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def commit_problem(self) -> str | None: ...
    @property
    def env(self) -> Mapping[str, str]: ...
    def history_ids(self) -> Iterable[str]: ...
    def on_disk(self) -> Settings | None: ...
    def commit(self, settings: Settings) -> bool: ...
    def adopt(self, settings: Settings) -> None: ...
    def refresh(self) -> None: ...
    def snapshots(self) -> Sequence[Snapshot]: ...


class _Adding(msgspec.Struct, weakref=True):
    """A pasted account being stored: the settings it is added with, the dialog that asked,
    and whether that dialog was closed meanwhile (Cancel while the keyring answered slowly):
    then nothing is added and the session stored for it is taken back out. (``weakref``:
    Qt holds a method connected to a signal, :meth:`close`, by a weak reference.)"""

    changed: Settings
    dialog: AddAccountDialog
    closed: bool = False

    def close(self) -> None:
        self.closed = True


#: why a pasted session was not stored: its account's id was taken meanwhile (on disk)
TAKEN = "taken"


class AccountEditor(QObject):
    """Adds and removes accounts for the settings' owner (``Preferences``); the keyring's
    answers come back to the GUI thread through the queued ``_stored`` and ``_deleted``.

    Another process (``claude-meter accounts add``) may add an account while the person adds
    one here: the ids taken on disk are avoided, checked again just before a session is
    stored (a taken id's entry is never written over), and a session is taken back out only
    when this editor wrote it and no saved account owns it (:meth:`_take_back`)."""

    _stored = Signal(object, bool, str)  # account, stored, why not
    _deleted = Signal(str, bool)  # account name, a stored session was deleted

    def __init__(self, prefs: Owner, keyring: Keyring | None, parent: QObject | None) -> None:
        super().__init__(parent)
        self._prefs = prefs
        self._keyring = keyring
        self._adding: dict[str, _Adding] = {}  # account id: the add under way
        self._stored.connect(self._on_stored, Qt.ConnectionType.QueuedConnection)
        self._deleted.connect(self._on_deleted, Qt.ConnectionType.QueuedConnection)
        self.dialog: AddAccountDialog | None = None
        self.new_session_dialog: NewSessionDialog | None = None

    # -- adding -------------------------------------------------------------------------------

    def open_add(self, parent: QWidget | None) -> AddAccountDialog:
        """The Add account dialog, filled with the sign-ins found once the look ends."""
        from claude_meter.qt.add_account import AddAccountDialog
        from claude_meter.qt.found_accounts import FoundAccounts

        dialog = AddAccountDialog(self._prefs.settings, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.chosen.connect(lambda choice: self.add(dialog, choice))
        look = FoundAccounts(self._prefs.history_ids)
        look.setParent(dialog)  # it dies with the dialog; a late answer finds no one
        look.listed.connect(dialog.set_found)
        look.look_for(self._prefs.env, self._prefs.settings)
        self.dialog = dialog
        dialog.destroyed.connect(self._dialog_gone)
        dialog.open()  # window-modal to the Settings window, never blocking the tray
        return dialog

    def add(self, dialog: AddAccountDialog, choice: AddChoice) -> None:
        """Check the choice with the command line's rules, store a pasted session, save."""
        from claude_meter.sources.cookies import InvalidCookie, SessionCookies

        found = choice.found
        kind = found.kind if found is not None else "pasted"
        refs = found.as_account() if found is not None else {}
        email = found.email if found is not None else None
        on_disk = self._prefs.on_disk()  # the command line may have added one meanwhile
        history = (*self._prefs.history_ids(), *(used_ids(on_disk) if on_disk else ()))
        try:
            room_for_one_more(self._prefs.settings)  # said before anything about the name
            changed, account = added(
                self._prefs.settings, choice.name, kind, history, email=email, **refs
            )
        except AccountProblem as exc:
            dialog.show_problem(sentence(exc))
            return
        if found is not None:
            self._finish(dialog, changed, account)
            return
        try:
            cookies = SessionCookies.parse(choice.pasted)
        except InvalidCookie as exc:
            dialog.show_problem(f"That is not a claude.ai session: {exc}.")
            return
        dialog.busy(True)
        adding = _Adding(changed, dialog)
        dialog.finished.connect(adding.close)  # Cancel, Escape, the window closed
        self._adding[account.id] = adding
        self._store(account, cookies)

    def _dialog_gone(self) -> None:
        self.dialog = None  # a deleted dialog's wrapper is never handed out

    def _new_session_gone(self) -> None:
        self.new_session_dialog = None

    def _store(self, account: AccountRef, cookies: SessionCookies) -> None:
        from claude_meter.sources.keyring_store import Keyring

        keyring = self._keyring or Keyring()
        this, on_disk = weakref.ref(self), self._prefs.on_disk

        def run() -> None:
            store = keyring.store(account.id)
            try:
                fresh = on_disk()  # taken on disk just now: its entry is another's
                if fresh is not None and account.id in used_ids(fresh):
                    stored, store.problem = False, TAKEN
                else:
                    stored = store.usable() and store.save(cookies).persisted
            except Exception as exc:  # noqa: BLE001 - said to the person, the tray goes on
                log.error("storing the pasted session failed: %s", type(exc).__name__)
                stored, store.problem = False, "it failed"
            editor = this()
            if editor is not None:  # never the last reference: the QObject dies on its thread
                editor._stored.emit(account, stored, store.problem or "")

        threading.Thread(target=run, name="claude-meter-add-account", daemon=True).start()

    def _on_stored(self, account: AccountRef, stored: bool, why: str) -> None:
        adding = self._adding.pop(account.id, None)
        open_ = adding is not None and not adding.closed and isValid(adding.dialog)
        if stored and not open_:  # cancelled meanwhile: nothing added, the session taken back
            log.info("account not added: its dialog was closed while its session was stored")
            self._take_back(account)
            return
        if adding is None or not open_:
            return
        if not stored:
            log.info("account not added: its session could not be stored")
            if why == TAKEN:
                self._changed_meanwhile(adding.dialog, self._prefs.on_disk())
            else:
                adding.dialog.show_problem(sentence(no_keyring(account.name, why, adding=True)))
            return
        self._finish(adding.dialog, adding.changed, account)

    def _finish(self, dialog: AddAccountDialog, changed: Settings, account: AccountRef) -> None:
        before = tuple(a for a in changed.accounts if a != account)
        fresh = self._prefs.on_disk()
        if self._prefs.settings.accounts != before or (fresh and fresh.accounts != before):
            # the accounts changed meanwhile (the command line, another window): ask again
            if account.kind == "pasted":
                self._take_back(account)
            self._changed_meanwhile(dialog, fresh)
            return
        if not self._prefs.commit(changed):
            if account.kind == "pasted":
                self._take_back(account)  # nothing half-added
            dialog.show_problem(f"{account.name} was not added: {self._not_saved()}")
            return
        log.info("account added in Settings (%s)", account.kind)
        dialog.accept()

    def _changed_meanwhile(self, dialog: AddAccountDialog, fresh: Settings | None) -> None:
        if fresh is not None:
            self._prefs.adopt(fresh)  # pressing Add again starts from what is saved
        dialog.show_problem(CHANGED)

    # -- a new session for a pasted account -------------------------------------------------

    def open_new_session(self, parent: QWidget | None, key: str) -> NewSessionDialog | None:
        """The Paste new session dialog for the named pasted account ``key`` (its checks
        and storing: ``qt/new_session.py``); None when it is gone meanwhile."""
        from claude_meter.qt.new_session import NewSessionDialog, SessionReplacer, connect_dialog

        account = next((a for a in self._prefs.settings.accounts if a.id == key), None)
        if account is None or account.kind != "pasted":
            return None
        known = self._email_of(account)
        dialog = NewSessionDialog(account, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        replacer = SessionReplacer(self._keyring, self._prefs.env, dialog)  # dies with it
        connect_dialog(dialog, replacer, known, lambda done: self._replaced(dialog, done))
        self.new_session_dialog = dialog
        dialog.destroyed.connect(self._new_session_gone)
        dialog.open()
        return dialog

    def _email_of(self, account: AccountRef) -> str | None:
        """The email the account had: its newest reading's, else the settings'."""
        for snapshot in self._prefs.snapshots():
            if snapshot.account == account.id and snapshot.account_email:
                return snapshot.account_email
        return account.email

    def _replaced(self, dialog: NewSessionDialog, done: Replaced) -> None:
        account = done.account
        log.info("new session stored for a pasted account")
        settings = self._prefs.settings
        if done.email and done.email != account.email and account in settings.accounts:
            self._prefs.commit(with_email(settings, account.id, done.email))  # shown, not vital
        self._prefs.refresh()  # read at once: a sign-in error's backoff holds no refresh back
        dialog.accept()

    # -- removing -----------------------------------------------------------------------------

    def remove(self, parent: QWidget | None, key: str, tell: Callable[[str], None]) -> None:
        """Ask first, saying what is kept and what is deleted; then remove as the command
        line does (``core/account_changes.removal``); ``tell`` says why it could not be."""
        settings = self._prefs.settings
        which = ById(key)  # by id: a name may have passed to another account since
        history = key in self._prefs.history_ids()
        try:
            question, details = removal_words(settings, which, in_history=history)
        except AccountProblem as exc:
            tell(sentence(exc))
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Remove account", question, parent=parent)
        box.setObjectName("remove_account")
        box.setInformativeText(details)
        yes = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(yes)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(
            lambda button: self._confirmed(which, tell) if button is yes else None
        )
        box.open()

    def _confirmed(self, which: ById, tell: Callable[[str], None]) -> None:
        try:
            done = removal(self._prefs.settings, which)
        except AccountProblem as exc:  # removed meanwhile (the command line)
            tell(sentence(exc))
            return
        if not self._prefs.commit(done.settings):
            tell(f"The account was not removed: {self._not_saved()}")
            return
        log.info("account removed in Settings")
        if done.account is not None and done.secret_entry is not None:
            self._forget(done.account)

    def _take_back(self, account: AccountRef) -> None:
        """Take out the session this editor stored for an account it did not add, unless a
        saved account owns that entry by then (``accounts add`` took the id meanwhile)."""
        self._forget(account, unless_saved=True)

    def _forget(self, account: AccountRef, *, unless_saved: bool = False) -> None:
        """Delete the account's own keyring entry, off the GUI thread (``unless_saved``: not
        when an account saved on disk has its id)."""
        from claude_meter.sources.keyring_store import Keyring

        keyring, this, on_disk = self._keyring or Keyring(), weakref.ref(self), self._prefs.on_disk

        def run() -> None:
            try:
                fresh = on_disk() if unless_saved else None
                if fresh is not None and account.id in (a.id for a in fresh.accounts):
                    log.info("a stored session was kept: a saved account owns it")
                    return
                deleted = keyring.store(account.id).delete()
            except Exception as exc:  # noqa: BLE001 - the account is gone either way
                log.info("deleting a stored session failed: %s", type(exc).__name__)
                deleted = False
            editor = this()
            if editor is not None:
                editor._deleted.emit(account.name, deleted)

        threading.Thread(target=run, name="claude-meter-forget", daemon=True).start()

    def _on_deleted(self, name: str, deleted: bool) -> None:
        log.info("a removed account's stored session %s", "deleted" if deleted else "was none")

    def _not_saved(self) -> str:
        """Why the settings were not saved: the file left alone (said why), else a failure."""
        why = self._prefs.commit_problem
        return f"{why}." if why else "the settings could not be saved."
