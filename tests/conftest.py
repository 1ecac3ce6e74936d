"""Shared fixtures: a fake claude.ai per test over real sockets, a fixed clock, clean env."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from claude_meter.fake import FakeClaude
from tests.support import fuzzing  # noqa: F401 - registers and loads the Hypothesis profiles

#: Secrets used by tests; distinct from the demo constants so a leak check means something.
TEST_SESSION_KEY = "sk-ant-sid02-TESTSECRET-a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"
TEST_OAUTH_TOKEN = "sk-ant-oat01-TESTSECRET-f6e5d4c3b2a1f6e5d4c3b2a1f6e5d4c3"
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clean_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No test sees the developer's real session, token or home folder."""
    for name in (
        "CLAUDE_METER_COOKIE",
        "CLAUDE_METER_BASE_URL",
        "CLAUDE_METER_OAUTH_BASE_URL",
        "CLAUDE_METER_TRANSPORT",
        "SSL_CERT_FILE",
        "CLAUDE_CODE_OAUTH_TOKEN",
        "CLAUDE_CONFIG_DIR",
        "NO_COLOR",
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "XDG_STATE_HOME",
        "XDG_CACHE_HOME",
        "DBUS_SESSION_BUS_ADDRESS",  # no test reaches the developer's real keyring or browsers
    ):
        monkeypatch.delenv(name, raising=False)
    # The keyring: "none usable" unless a test brings its own (tests/sources, the e2e tests).
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    # A real XDG_RUNTIME_DIR exists and is private; platformdirs ignores one that is not
    # (and falls back to /tmp/runtime-<uid>, shared by every test run on the machine).
    (home / "run").mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(home / "run"))


@pytest.fixture(autouse=True)
def _collect_qt_objects_on_the_gui_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that made Qt objects, collect its garbage here, on the GUI thread.

    A tray's objects form reference cycles (signals, links back to the app), so they are
    freed by Python's cyclic collector, which runs on whichever thread allocates next: left
    to it, a later test's worker or fetch thread may destroy Qt objects that belong to the
    GUI thread, and Qt crashes (seen in CI: a segfault in the test after the tray tests).
    """
    yield
    if "qtbot" in request.fixturenames or "qapp" in request.fixturenames:
        from PySide6.QtCore import QCoreApplication, QEvent

        # Deletions the test asked for (deleteLater) and signals still queued for its objects
        # are carried out first, while every object they name is alive; then the cycles go.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        QCoreApplication.processEvents()
        gc.collect()


@pytest.fixture
def fake_server() -> Iterator[FakeClaude]:
    """A running fake claude.ai (``normal``) that accepts only the test secrets."""
    with FakeClaude(
        "normal", session_key=TEST_SESSION_KEY, oauth_token=TEST_OAUTH_TOKEN
    ).start() as server:
        yield server
