"""Pasting a session from the settings or the first-run window: stored in the keyring off
the GUI thread, or kept for this run only (and said so) when there is no keyring. And the
settings' other background job, "Test connection"."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import msgspec
import pytest
from PySide6.QtWidgets import QInputDialog
from pytestqt.qtbot import QtBot

from claude_meter.core.settings import Settings
from claude_meter.fake import FakeClaude
from claude_meter.poll.fetcher import Fetcher
from claude_meter.qt.app import TrayApp
from claude_meter.qt.compose import connect_preferences
from claude_meter.qt.preferences import Preferences
from claude_meter.sources.cookies import COOKIE_ENV
from claude_meter.sources.keyring_store import SERVICE, SESSION_ENTRY, Keyring
from claude_meter.sources.session_cache import SessionCache
from tests.conftest import TEST_SESSION_KEY
from tests.qt.test_first_run import no_source, prefs_for
from tests.sources.memory_keyring import MemoryKeyring
from tests.support.notifier import Recorder

PASTED = f"sessionKey={TEST_SESSION_KEY}"


def source(prefs: Preferences) -> str:
    return prefs.settings.source


@pytest.fixture
def answer(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """What the paste dialog returns, one answer per call."""
    answers: list[tuple[str, bool]] = []
    monkeypatch.setattr(QInputDialog, "getText", lambda *_args, **_kw: answers.pop(0))
    return answers


class SlowKeyring(MemoryKeyring):
    """A keyring that holds its write until the test lets it go (an unlock prompt)."""

    def __init__(self) -> None:
        super().__init__()
        self.writing = threading.Event()
        self.release = threading.Event()

    def set_password(self, service: str, username: str, password: str) -> None:
        self.writing.set()
        assert self.release.wait(10)
        super().set_password(service, username, password)


@pytest.fixture
def keyring(tmp_path: Path) -> Iterator[SlowKeyring]:
    backend = SlowKeyring()
    yield backend
    backend.release.set()


def prefs_with(tmp_path: Path, backend: SlowKeyring) -> Preferences:
    """The settings with the keyring the tray passes them (its cache in ``tmp_path``)."""
    return prefs_for(tmp_path, keyring=Keyring(backend, SessionCache(tmp_path / "stamp")))


def test_the_paste_is_stored_off_the_gui_thread(
    qtbot: QtBot, tmp_path: Path, answer: list[tuple[str, bool]], keyring: SlowKeyring
) -> None:
    prefs = prefs_with(tmp_path, keyring)
    prefs.settings = msgspec.structs.replace(prefs.settings, default_account=False)
    answer.append((f"  {PASTED}  ", True))
    assert prefs.paste_session()  # returns while the keyring is still writing
    assert keyring.writing.wait(10)
    assert source(prefs) != "pasted"
    with qtbot.waitSignal(prefs.pasted, timeout=10_000) as stored:
        keyring.release.set()
    assert stored.args == [True]
    assert keyring.items == {(SERVICE, SESSION_ENTRY): PASTED}
    assert source(prefs) == "pasted"
    assert prefs.settings.default_account  # metered again, as `claude-meter login` does
    assert COOKIE_ENV not in prefs._env
    assert TEST_SESSION_KEY not in (tmp_path / "settings.json").read_text()


def test_without_a_keyring_it_is_kept_for_this_run_and_said(
    qtbot: QtBot, tmp_path: Path, answer: list[tuple[str, bool]]
) -> None:
    prefs = prefs_for(tmp_path)  # the tests' keyring is the "fail" backend
    meter = TrayApp(
        no_source,
        interval=timedelta(hours=1),
        state_path=tmp_path / "state.json",
        notifier=Recorder(),
        tray_wait=30.0,
    )
    connect_preferences(meter, prefs, Fetcher({}))
    answer.append((PASTED, True))
    with qtbot.waitSignal(prefs.pasted, timeout=10_000) as stored:
        assert prefs.paste_session()
    assert stored.args == [False]
    assert prefs._env[COOKIE_ENV] == PASTED  # this run's polls use it
    assert source(prefs) == "pasted"
    sent = meter.notifier.sent  # type: ignore[attr-defined]
    assert [title for title, _ in sent] == ["Your claude.ai session is kept for this run only"]
    assert "nothing was written to disk" in sent[0][1]
    assert all(TEST_SESSION_KEY not in body for _, body in sent)
    assert TEST_SESSION_KEY not in (tmp_path / "settings.json").read_text()
    meter.stop()


def test_a_paste_that_is_not_a_session_changes_nothing(
    qtbot: QtBot, tmp_path: Path, answer: list[tuple[str, bool]], keyring: SlowKeyring
) -> None:
    prefs = prefs_with(tmp_path, keyring)
    answer.extend([("hello; world", True), ("", False)])
    with qtbot.assertNotEmitted(prefs.pasted, wait=100):
        assert not prefs.paste_session()
        assert not prefs.paste_session()  # cancelled
    assert keyring.items == {}
    assert source(prefs) != "pasted"


def test_connection_is_tested_off_the_gui_thread_and_answered_in_the_window(
    qtbot: QtBot, tmp_path: Path, fake_server: FakeClaude
) -> None:
    """The other background job of the settings (it shares the thread helper with paste)."""
    prefs = prefs_for(tmp_path)
    window = prefs.open_settings()
    qtbot.addWidget(window)
    prefs._env.update({"CLAUDE_METER_BASE_URL": fake_server.base_url, COOKIE_ENV: PASTED})
    prefs.test_connection(Settings())
    qtbot.waitUntil(lambda: window.test_result.text().startswith("✓ Connected: "))
    prefs._env[COOKIE_ENV] = "sessionKey=sk-ant-sid02-NOT-THE-ONE"
    prefs.test_connection(Settings())
    qtbot.waitUntil(lambda: window.test_result.text().startswith("✗ "))
    assert TEST_SESSION_KEY not in window.test_result.text()
