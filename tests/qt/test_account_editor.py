"""Adding and removing accounts in the Settings window, through the real Preferences: the
command line's rules, a pasted session only in its own keyring entry (stored before the
settings are saved), removals asked first and saved before they are applied, and the window's
own Save never undoing them."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import msgspec
import pytest
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from claude_meter.core.accounts import AccountRef
from claude_meter.core.settings import Loaded, Settings, load_settings, save_settings
from claude_meter.fake.accounts import WORK_ACCOUNT
from claude_meter.qt.accounts_box import AccountsBox
from claude_meter.qt.add_account import AddAccountDialog
from claude_meter.qt.preferences import Preferences
from claude_meter.sources.keyring_store import SERVICE, Keyring
from tests.qt.test_first_run import prefs_for
from tests.sources.memory_keyring import MemoryKeyring
from tests.sources.profiles import chromium_profile

PASTED = f"sessionKey={WORK_ACCOUNT.session_key}"
WORK_ENTRY = "claude.ai session (work)"
WORK = AccountRef(id="work", name="Work", kind="pasted")


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty home: no browser, no Claude Code (the tests that want one make it)."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    return tmp_path / "home"


def editing(
    tmp_path: Path, settings: Settings | None = None, backend: object | None = None
) -> tuple[Preferences, MemoryKeyring]:
    memory = MemoryKeyring()
    keyring = Keyring(backend=memory if backend is None else backend)
    return prefs_for(tmp_path, Loaded(settings or Settings()), keyring), memory


def open_add(qtbot: QtBot, prefs: Preferences) -> AddAccountDialog:
    window = prefs.open_settings()
    window.accounts.add.click()
    dialog = prefs.accounts.dialog
    assert dialog is not None
    assert dialog.isVisible()
    qtbot.waitUntil(lambda: not dialog.looking.text().startswith("Looking"))
    return dialog


def closed(dialog: AddAccountDialog) -> bool:
    """Closed (and deleted: the dialog goes once it is done)."""
    return not isValid(dialog) or not dialog.isVisible()


def choose_paste(dialog: AddAccountDialog) -> None:
    dialog.choices.setCurrentRow(dialog.choices.count() - 1)


def saved(tmp_path: Path) -> Settings:
    return load_settings(tmp_path / "settings.json").settings


def test_a_pasted_account_is_stored_in_its_own_entry_then_saved(
    qtbot: QtBot, tmp_path: Path, home: Path
) -> None:
    prefs, memory = editing(tmp_path)
    changes: list[Settings] = []
    prefs.settings_changed.connect(changes.append)
    dialog = open_add(qtbot, prefs)
    assert dialog.looking.text().startswith("No other sign-in was found")
    assert dialog.session.isVisibleTo(dialog)  # Paste is the only choice
    assert dialog.name.text() == "Account 2"  # offered until the person types their own
    dialog.name.setText("Work")
    dialog.session.setText(PASTED)
    dialog.add.click()
    qtbot.waitUntil(lambda: closed(dialog))
    after = saved(tmp_path)
    assert [(a.id, a.name, a.kind) for a in after.accounts] == [("work", "Work", "pasted")]
    assert memory.items[(SERVICE, WORK_ENTRY)] == PASTED
    assert changes[-1] == after == prefs.settings  # applied: the tray polls it from now on
    text = (tmp_path / "settings.json").read_text()
    assert WORK_ACCOUNT.session_key not in text
    lines = prefs.open_settings().accounts.list
    assert [lines.itemText(n) for n in range(lines.count())] == [
        "Default · default account",
        "Work · pasted session",
    ]
    assert lines.currentData() == "work"  # the one just added: Remove… is one press away
    prefs.close()


def test_the_historys_ids_are_not_given_again(qtbot: QtBot, tmp_path: Path, home: Path) -> None:
    prefs, memory = editing(tmp_path, Settings(retired_account_ids=("side",)))
    prefs.history_ids = lambda: ("work",)
    dialog = open_add(qtbot, prefs)
    dialog.name.setText("Work")
    dialog.session.setText(PASTED)
    dialog.add.click()
    qtbot.waitUntil(lambda: closed(dialog))
    assert [a.id for a in saved(tmp_path).accounts] == ["work-2"]
    assert (SERVICE, "claude.ai session (work-2)") in memory.items
    prefs.close()


@pytest.mark.parametrize(
    ("name", "session", "why"),
    [
        ("", PASTED, "An account name cannot be empty."),
        ("  default ", PASTED, "There is already an account called 'default'."),
        ("WORK", PASTED, "There is already an account called 'WORK'."),
        ("sk-ant-sid01-abc", PASTED, "This looks like a secret, not a name"),
        ("Side", "", "Paste the session first"),
        ("Side", "not a cookie at all", "That is not a claude.ai session"),
    ],
)
def test_bad_input_is_said_in_the_dialog_and_nothing_changes(
    qtbot: QtBot, tmp_path: Path, home: Path, name: str, session: str, why: str
) -> None:
    before = Settings(accounts=(WORK,))
    prefs, memory = editing(tmp_path, before)
    dialog = open_add(qtbot, prefs)
    dialog.name.setText(name)
    dialog.session.setText(session)
    dialog.add.click()
    assert dialog.isVisible()  # nothing typed is lost
    assert dialog.problem.isVisibleTo(dialog)
    assert dialog.problem.text().startswith(why), dialog.problem.text()
    assert "sk-ant" not in dialog.problem.text()  # a refused name is never quoted back
    assert prefs.settings == before
    assert not (tmp_path / "settings.json").exists()
    assert memory.items == {}
    prefs.close()


def test_without_a_usable_keyring_nothing_is_added(
    qtbot: QtBot, tmp_path: Path, home: Path
) -> None:
    import keyring.backends.fail

    prefs, _ = editing(tmp_path, backend=keyring.backends.fail.Keyring())
    dialog = open_add(qtbot, prefs)
    dialog.name.setText("Work")
    dialog.session.setText(PASTED)
    dialog.add.click()
    qtbot.waitUntil(lambda: dialog.problem.isVisibleTo(dialog))
    assert dialog.problem.text().startswith("Work was not added: no usable keyring was found")
    assert "never in a file" in dialog.problem.text()
    assert dialog.add.isEnabled()  # ready to try again once a keyring is there
    assert prefs.settings == Settings()
    assert not (tmp_path / "settings.json").exists()
    prefs.close()


def test_a_cancelled_dialog_changes_nothing(qtbot: QtBot, tmp_path: Path, home: Path) -> None:
    prefs, memory = editing(tmp_path)
    dialog = open_add(qtbot, prefs)
    dialog.name.setText("Work")
    dialog.session.setText(PASTED)
    dialog.reject()
    assert not dialog.isVisible()
    assert prefs.settings == Settings()
    assert not (tmp_path / "settings.json").exists()
    assert memory.items == {}
    prefs.close()


def test_a_settings_file_that_cannot_be_read_is_left_alone_and_the_session_taken_back_out(
    qtbot: QtBot, tmp_path: Path, home: Path
) -> None:
    prefs, memory = editing(tmp_path)
    (tmp_path / "settings.json").mkdir()  # a folder where the file goes: the save fails
    dialog = open_add(qtbot, prefs)
    dialog.name.setText("Work")
    dialog.session.setText(PASTED)
    dialog.add.click()
    qtbot.waitUntil(lambda: dialog.problem.isVisibleTo(dialog))
    said = dialog.problem.text()  # the file is left alone, and the dialog says why
    assert said.startswith(f"Work was not added: {tmp_path / 'settings.json'} cannot be read")
    assert said.endswith(
        "so it was left as it is: make it readable again (or remove it), then try again."
    )
    assert prefs.settings == Settings()  # not applied either
    qtbot.waitUntil(lambda: memory.items == {})  # nothing half-added
    prefs.close()


def test_a_found_browser_sign_in_is_offered_and_added(
    qtbot: QtBot, tmp_path: Path, home: Path
) -> None:
    chromium_profile(home / ".config/chromium", "Profile 2", {"sessionKey": "x"}, display="Job")
    prefs, memory = editing(tmp_path)
    dialog = open_add(qtbot, prefs)
    assert dialog.choices.item(0).text() == "Chromium (Profile 2, “Job”)"
    assert dialog.choices.currentRow() == 0  # the found sign-in, not Paste
    assert not dialog.session.isVisibleTo(dialog)
    assert dialog.name.text() == "Chromium Job"
    choose_paste(dialog)
    assert dialog.name.text() == "Account 2"  # the offered name follows the choice...
    dialog.name.setText("Mine")
    dialog.choices.setCurrentRow(0)
    assert dialog.name.text() == "Mine"  # ...never what the person typed
    dialog.add.click()
    qtbot.waitUntil(lambda: closed(dialog))
    [account] = saved(tmp_path).accounts
    assert (account.name, account.kind, account.browser, account.profile) == (
        "Mine", "browser", "chromium", "Profile 2",
    )  # fmt: skip
    assert memory.items == {}
    prefs.close()


def confirm(qtbot: QtBot, prefs: Preferences, key: str) -> QMessageBox:
    window = prefs.open_settings()
    rows = window.accounts.list
    rows.setCurrentIndex(rows.findData(key))
    window.accounts.remove.click()
    boxes = window.findChildren(QMessageBox, "remove_account")
    [box] = [b for b in boxes if b.isVisible()]  # a box answered before is closed
    return box


def press(box: QMessageBox, text: str) -> None:
    [button] = [b for b in box.findChildren(QPushButton) if b.text().replace("&", "") == text]
    button.click()


def test_remove_asks_says_what_stays_and_deletes_the_stored_session(
    qtbot: QtBot, tmp_path: Path, home: Path
) -> None:
    prefs, memory = editing(tmp_path, Settings(accounts=(WORK,), icon_account="work"))
    memory.items[(SERVICE, WORK_ENTRY)] = PASTED
    prefs.history_ids = lambda: ("work",)
    box = confirm(qtbot, prefs, "work")
    assert box.text() == "Remove Work?"
    assert "shown as “Removed account (work)”" in box.informativeText()
    assert "Deleted: its session stored in the keyring." in box.informativeText()
    press(box, "Cancel")
    assert prefs.settings.accounts == (WORK,)
    assert not (tmp_path / "settings.json").exists()

    box = confirm(qtbot, prefs, "work")
    press(box, "Remove")
    after = saved(tmp_path)
    assert (after.accounts, after.retired_account_ids, after.icon_account) == ((), ("work",), None)
    assert prefs.settings == after
    qtbot.waitUntil(lambda: memory.items == {})
    rows = prefs.open_settings().accounts.list
    assert [rows.itemText(n) for n in range(rows.count())] == ["Default · default account"]
    prefs.close()


def test_the_default_account_is_only_turned_off_and_the_only_account_stays(
    qtbot: QtBot, tmp_path: Path, home: Path
) -> None:
    prefs, memory = editing(tmp_path, Settings(accounts=(WORK,)))
    memory.items[(SERVICE, "claude.ai session")] = PASTED
    window = prefs.open_settings()
    box = confirm(qtbot, prefs, "default")
    assert box.text() == "Stop metering Default?"
    press(box, "Remove")
    assert saved(tmp_path).default_account is False
    assert memory.items == {(SERVICE, "claude.ai session"): PASTED}  # kept, as `accounts remove`
    rows = window.accounts.list
    assert [rows.itemText(n) for n in range(rows.count())] == ["Work · pasted session"]
    assert window.accounts.remove.isEnabled()  # Work, chosen now
    prefs.close()
    alone, _ = editing(tmp_path / "alone")
    only = alone.open_settings().accounts
    assert not only.remove.isEnabled()  # the only account: add another first
    alone.close()


def test_the_windows_own_save_keeps_accounts_changed_meanwhile(
    qtbot: QtBot, tmp_path: Path, home: Path
) -> None:
    """Added here, or by ``claude-meter accounts`` while the window was open: its Save
    writes what it edits and leaves them be."""
    prefs, _ = editing(tmp_path)
    window = prefs.open_settings()
    window.poll.setValue(600)  # edited, not saved yet
    dialog = open_add(qtbot, prefs)
    dialog.name.setText("Work")
    dialog.session.setText(PASTED)
    dialog.add.click()
    qtbot.waitUntil(lambda: closed(dialog))
    assert window.poll.value() == 600  # what was typed is kept
    side = AccountRef(id="side", name="Side", kind="browser", browser="firefox")
    prefs.adopt(msgspec.structs.replace(prefs.settings, accounts=(*prefs.settings.accounts, side)))
    assert window.icon_account.isVisibleTo(window)  # three accounts: whose the icon shows
    window.save()
    after = saved(tmp_path)
    assert [a.name for a in after.accounts] == ["Work", "Side"]
    assert after.poll_seconds == 600
    prefs.close()


def test_the_demo_adds_and_removes_nothing(qtbot: QtBot) -> None:
    box = AccountsBox(Settings(accounts=(WORK,)), demo=True)
    qtbot.addWidget(box)
    assert not box.add.isEnabled()
    assert not box.remove.isEnabled()
    assert "demo" in box.add.toolTip()


def test_settings_in_the_file_hold_no_secret_after_add_and_remove(
    qtbot: QtBot, tmp_path: Path, home: Path
) -> None:
    prefs, _ = editing(tmp_path)
    dialog = open_add(qtbot, prefs)
    dialog.name.setText("Work")
    dialog.session.setText(PASTED)
    dialog.add.click()
    qtbot.waitUntil(lambda: closed(dialog))
    press(confirm(qtbot, prefs, "work"), "Remove")
    text = json.dumps(json.loads((tmp_path / "settings.json").read_text()))
    assert WORK_ACCOUNT.session_key not in text
    assert "sessionKey" not in text
    prefs.close()


def test_a_removal_that_cannot_be_saved_is_said_and_nothing_goes(
    qtbot: QtBot, tmp_path: Path, home: Path
) -> None:
    prefs, memory = editing(tmp_path, Settings(accounts=(WORK,)))
    memory.items[(SERVICE, WORK_ENTRY)] = PASTED
    (tmp_path / "settings.json").mkdir()  # a folder where the file goes: the save fails
    window = prefs.open_settings()
    press(confirm(qtbot, prefs, "work"), "Remove")
    said = window.problem.text()
    assert said.startswith("The account was not removed: ")
    assert "cannot be read" in said
    assert prefs.settings.accounts == (WORK,)  # not applied either
    assert memory.items == {(SERVICE, WORK_ENTRY): PASTED}  # its session stays with it
    prefs.close()


def test_remove_removes_the_account_chosen_whatever_the_names_became(
    qtbot: QtBot, tmp_path: Path, home: Path
) -> None:
    """Home and Work added, Work renamed Office, Home renamed Work (settings from before that
    rename was refused): removing Office removes Office and deletes its session, not Home's."""
    first = AccountRef(id="home", name="Work", kind="pasted")
    second = AccountRef(id="work", name="Office", kind="pasted")
    prefs, memory = editing(tmp_path, Settings(accounts=(first, second)))
    memory.items[(SERVICE, "claude.ai session (home)")] = "A"
    memory.items[(SERVICE, "claude.ai session (work)")] = "B"
    box = confirm(qtbot, prefs, "work")  # the person picks "Office"
    assert box.text() == "Remove Office?"
    press(box, "Remove")
    assert [(a.id, a.name) for a in saved(tmp_path).accounts] == [("home", "Work")]
    qtbot.waitUntil(lambda: (SERVICE, "claude.ai session (work)") not in memory.items)
    assert memory.items == {(SERVICE, "claude.ai session (home)"): "A"}
    prefs.close()


class SlowKeyring(MemoryKeyring):
    """A keyring that answers a store only when told (an unlock prompt the person has not
    answered yet), and says when an entry was deleted."""

    def __init__(self) -> None:
        super().__init__()
        self.go = threading.Event()
        self.deleted: list[str] = []

    def set_password(self, service: str, username: str, password: str) -> None:
        self.go.wait(10)
        super().set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        super().delete_password(service, username)
        self.deleted.append(username)


def test_cancel_while_the_session_is_stored_adds_nothing_and_takes_it_back(
    qtbot: QtBot, tmp_path: Path, home: Path
) -> None:
    slow = SlowKeyring()
    prefs, _ = editing(tmp_path, backend=slow)
    dialog = open_add(qtbot, prefs)
    dialog.name.setText("Work")
    dialog.session.setText(PASTED)
    dialog.add.click()
    dialog.reject()  # Cancel while the keyring waits for its unlock prompt
    qtbot.waitUntil(lambda: not isValid(dialog))
    assert prefs.accounts.dialog is None  # no deleted dialog's wrapper handed out
    slow.go.set()
    qtbot.waitUntil(lambda: slow.deleted == [WORK_ENTRY])  # stored, then taken back out
    assert prefs.settings.accounts == ()
    assert not (tmp_path / "settings.json").exists()
    assert slow.items == {}
    prefs.close()


def test_an_account_the_command_line_adds_meanwhile_keeps_its_session(
    qtbot: QtBot, tmp_path: Path, home: Path
) -> None:
    """``claude-meter accounts add Work --paste`` saves Work while the tray adds its own
    Work: the tray neither writes over the command line's session nor deletes it."""
    prefs, memory = editing(tmp_path)
    asked, answer = threading.Event(), threading.Event()
    read = prefs.on_disk

    def on_disk() -> Settings | None:
        if threading.current_thread() is not threading.main_thread():
            asked.set()  # the store's own look, just before it writes
            answer.wait(10)
        return read()

    prefs.on_disk = on_disk  # type: ignore[method-assign]
    dialog = open_add(qtbot, prefs)
    dialog.name.setText("Work")
    dialog.session.setText(PASTED)
    dialog.add.click()
    assert asked.wait(10)
    save_settings(Settings(accounts=(WORK,)), tmp_path / "settings.json")  # the command line
    memory.items[(SERVICE, WORK_ENTRY)] = "sessionKey=the-command-lines"
    answer.set()
    qtbot.waitUntil(lambda: dialog.problem.isVisible())
    assert dialog.problem.text() == "The accounts changed meanwhile; press Add again."
    assert memory.items == {(SERVICE, WORK_ENTRY): "sessionKey=the-command-lines"}
    assert saved(tmp_path).accounts == prefs.settings.accounts == (WORK,)  # adopted
    dialog.add.click()  # again: the name is taken now, and said so
    assert dialog.problem.text() == "There is already an account called 'Work'."
    dialog.name.setText("Side")
    dialog.add.click()
    qtbot.waitUntil(lambda: closed(dialog))
    assert [a.id for a in saved(tmp_path).accounts] == ["work", "side"]
    assert memory.items[(SERVICE, WORK_ENTRY)] == "sessionKey=the-command-lines"
    prefs.close()
