"""Settings… → Accounts → "Paste new session…" for a pasted account whose session expired,
through the real Preferences, the test keyring backend and the multi-account fake claude.ai
on a real socket: stored in the account's own entry off the GUI thread, the same account
(id, name, settings) kept, a refresh asked at once; bad input said in the dialog."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from claude_meter.core.accounts import AccountRef
from claude_meter.core.settings import Loaded, Settings, load_settings
from claude_meter.fake import FakeClaude
from claude_meter.fake.accounts import PERSONAL_ACCOUNT, WORK_ACCOUNT
from claude_meter.platform.autostart.linux import XdgAutostart
from claude_meter.qt.accounts_box import AccountsBox
from claude_meter.qt.new_session import NewSessionDialog
from claude_meter.qt.preferences import Preferences
from claude_meter.sources.keyring_store import SERVICE, Keyring
from tests.sources.memory_keyring import MemoryKeyring, UnavailableKeyring

RENEWED = "sk-ant-sid01-fake-work-renewed-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
WORK_ENTRY = (SERVICE, "claude.ai session (work)")
WORK = AccountRef(id="work", name="Work", kind="pasted", email=WORK_ACCOUNT.email)
HOME = AccountRef(id="home", name="Home", kind="browser", browser="firefox", profile="p")


@pytest.fixture
def server() -> Iterator[FakeClaude]:
    """Work's stored session has been signed out; RENEWED is its new one."""
    with FakeClaude("normal", accounts=(PERSONAL_ACCOUNT, WORK_ACCOUNT)).start() as fake:
        fake.sign_in_again("work", RENEWED)
        yield fake


def editing(
    tmp_path: Path, server: FakeClaude, backend: object | None = None
) -> tuple[Preferences, MemoryKeyring]:
    memory = MemoryKeyring()
    memory.items[WORK_ENTRY] = f"sessionKey={WORK_ACCOUNT.session_key}"
    env = {"CLAUDE_METER_BASE_URL": server.base_url, "CLAUDE_METER_OAUTH_BASE_URL": server.base_url}
    prefs = Preferences(
        Loaded(Settings(accounts=(WORK, HOME))),
        env,
        autostart=XdgAutostart(tmp_path / "autostart"),
        settings_path=tmp_path / "settings.json",
        profiles=lambda env: [],
        keyring=Keyring(backend=memory if backend is None else backend),
    )
    return prefs, memory


def open_paste(prefs: Preferences) -> NewSessionDialog:
    window = prefs.open_settings()
    box = window.accounts
    box.list.setCurrentIndex(box.list.findData("work"))
    assert box.paste.isVisibleTo(window)
    box.paste.click()
    dialog = prefs.accounts.new_session_dialog
    assert dialog is not None
    assert dialog.isVisible()
    return dialog


def closed(dialog: NewSessionDialog) -> bool:
    return not isValid(dialog) or not dialog.isVisible()


def test_the_button_is_there_for_a_pasted_account_only(qtbot: QtBot) -> None:
    box = AccountsBox(Settings(accounts=(WORK, HOME)))
    qtbot.addWidget(box)
    box.show()
    shown = {}
    for row in range(box.list.count()):
        box.list.setCurrentIndex(row)
        shown[box.list.currentData()] = box.paste.isVisible()
    assert shown == {"default": False, "work": True, "home": False}
    demo = AccountsBox(Settings(accounts=(WORK,)), demo=True)
    qtbot.addWidget(demo)
    assert not demo.paste.isEnabled()
    assert "demo" in demo.paste.toolTip()


def test_a_new_session_is_stored_for_the_same_account_and_read_at_once(
    qtbot: QtBot, tmp_path: Path, server: FakeClaude
) -> None:
    prefs, memory = editing(tmp_path, server)
    refreshes: list[bool] = []
    prefs.refresh_requested.connect(lambda: refreshes.append(True))
    dialog = open_paste(prefs)
    texts = [label.text() for label in dialog.findChildren(type(dialog.problem))]
    assert any("for Work (ada.lovelace@initech.example)" in text for text in texts)
    dialog.session.setText(f"Cookie: sessionKey={RENEWED}")
    dialog.store.click()
    assert not dialog.store.isEnabled()  # nothing to press twice while it is stored
    qtbot.waitUntil(lambda: closed(dialog), timeout=10000)
    assert memory.items[WORK_ENTRY] == f"sessionKey={RENEWED}"
    assert refreshes == [True]
    assert prefs.settings.accounts == (WORK, HOME)  # the same id, name, email
    assert {r.account for r in server.request_log} == {"work"}
    settings_file = tmp_path / "settings.json"
    assert not settings_file.exists() or RENEWED not in settings_file.read_text()
    prefs.close()


def test_a_refused_or_malformed_session_is_said_and_nothing_changes(
    qtbot: QtBot, tmp_path: Path, server: FakeClaude
) -> None:
    prefs, memory = editing(tmp_path, server)
    dialog = open_paste(prefs)
    dialog.store.click()
    assert dialog.problem.text().startswith("Paste the session first")
    dialog.session.setText(WORK_ACCOUNT.session_key)  # the old one: signed out
    dialog.store.click()
    qtbot.waitUntil(lambda: dialog.problem.text().startswith("Claude.ai refused that session"),
                    timeout=10000)  # fmt: skip
    assert dialog.isVisible()
    assert dialog.store.isEnabled()
    assert dialog.session.text() == WORK_ACCOUNT.session_key  # nothing typed is lost
    dialog.session.setText("hello there")
    dialog.store.click()
    qtbot.waitUntil(lambda: dialog.problem.text().startswith("That is not a claude.ai session"))
    assert "hello" not in dialog.problem.text()
    assert memory.items[WORK_ENTRY] == f"sessionKey={WORK_ACCOUNT.session_key}"
    dialog.reject()
    prefs.close()


def test_another_emails_session_is_stored_only_when_the_person_says_so(
    qtbot: QtBot, tmp_path: Path, server: FakeClaude
) -> None:
    prefs, memory = editing(tmp_path, server)
    dialog = open_paste(prefs)
    dialog.session.setText(PERSONAL_ACCOUNT.session_key)
    dialog.store.click()
    qtbot.waitUntil(dialog.other_email.isVisible, timeout=10000)
    assert dialog.problem.text().startswith(
        "That session is signed in as ada@example.com, not ada.lovelace@initech.example "
        "(Work's); nothing was changed."
    )
    assert dialog.other_email.text() == "Use it anyway: Work's sign-in is ada@example.com now"
    assert memory.items[WORK_ENTRY] == f"sessionKey={WORK_ACCOUNT.session_key}"
    dialog.other_email.setChecked(True)
    dialog.store.click()
    qtbot.waitUntil(lambda: closed(dialog), timeout=10000)
    assert memory.items[WORK_ENTRY] == f"sessionKey={PERSONAL_ACCOUNT.session_key}"
    after = load_settings(tmp_path / "settings.json").settings
    assert [(a.id, a.email) for a in after.accounts] == [("work", PERSONAL_ACCOUNT.email),
                                                          ("home", None)]  # fmt: skip
    prefs.close()


def test_without_a_usable_keyring_nothing_is_read_or_stored(
    qtbot: QtBot, tmp_path: Path, server: FakeClaude
) -> None:
    prefs, _ = editing(tmp_path, server, UnavailableKeyring())
    dialog = open_paste(prefs)
    dialog.session.setText(RENEWED)
    dialog.store.click()
    qtbot.waitUntil(lambda: dialog.problem.isVisible(), timeout=10000)
    assert dialog.problem.text().startswith(
        "Work's session was not replaced: no usable keyring was found"
    )
    assert server.request_log == []
    dialog.reject()
    prefs.close()


def test_only_a_pasted_account_opens_it(qtbot: QtBot, tmp_path: Path, server: FakeClaude) -> None:
    prefs, _ = editing(tmp_path, server)
    window = prefs.open_settings()
    assert prefs.accounts.open_new_session(window, "home") is None
    assert prefs.accounts.open_new_session(window, "nobody") is None
    prefs.close()
