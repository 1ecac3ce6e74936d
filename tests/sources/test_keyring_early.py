"""The tray's first keyring read started with the process: when it is, and when not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from claude_meter.core import paths
from claude_meter.sources.keyring_early import early_session_read
from claude_meter.sources.keyring_store import SERVICE, SESSION_ENTRY
from tests.conftest import TEST_SESSION_KEY
from tests.sources.test_keyring_child import child_env


@pytest.fixture
def keyring_file(tmp_path: Path) -> Path:
    return tmp_path / "keyring.json"


@pytest.fixture
def early_env(monkeypatch: pytest.MonkeyPatch, keyring_file: Path) -> dict[str, str]:
    for name, value in child_env("tests.sources.memory_keyring.FileKeyring", keyring_file).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CLAUDE_METER_COOKIE", raising=False)
    return dict(os.environ)


def test_the_tray_starts_its_first_read_early(early_env: dict[str, str]) -> None:
    early = early_session_read(early_env, "linux")
    assert early is not None
    assert early.calls == 1
    assert early.get_password(SERVICE, SESSION_ENTRY) is None
    assert early.calls == 1


@pytest.mark.parametrize(
    "case",
    [
        "cookie",
        "fail backend",
        "claude-code",
        "extension",
        "browser named",
        "named accounts only",
        "macos",
        "running",
    ],
)
def test_no_early_read_when_the_first_poll_will_not_read_the_keyring(
    early_env: dict[str, str], case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env, platform = dict(early_env), "linux"
    settings = {
        "claude-code": {"source": "claude-code"},
        "extension": {"source": "extension"},
        "browser named": {"source": "browser", "browser": "firefox"},
        "named accounts only": {"source": "auto", "default_account": False},
    }.get(case)
    if settings is not None:
        paths.config_dir().mkdir(parents=True, exist_ok=True)
        (paths.config_dir() / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    if case == "cookie":
        env["CLAUDE_METER_COOKIE"] = f"sessionKey={TEST_SESSION_KEY}"
    if case == "fail backend":
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    if case == "macos":
        platform = "darwin"
    if case == "running":  # a live process holds the instance lock (Qt writes its PID first)
        paths.runtime_dir().mkdir(parents=True, exist_ok=True)
        lock = f"{os.getppid()}\nclaude-meter\nhost\n"
        (paths.runtime_dir() / paths.INSTANCE_LOCK).write_text(lock, encoding="ascii")
    assert early_session_read(env, platform) is None


@pytest.mark.parametrize("settings", ['{"source": "pasted"}', '{"source": "browser"}', "{oops"])
def test_an_early_read_with_other_settings_or_a_stale_lock(
    early_env: dict[str, str], settings: str
) -> None:
    paths.config_dir().mkdir(parents=True, exist_ok=True)
    (paths.config_dir() / "settings.json").write_text(settings, encoding="utf-8")
    gone = subprocess.Popen([sys.executable, "-c", ""])
    gone.wait()  # its PID names no process now
    paths.runtime_dir().mkdir(parents=True, exist_ok=True)
    lock = paths.runtime_dir() / paths.INSTANCE_LOCK
    lock.write_text(f"{gone.pid}\nclaude-meter\n", encoding="ascii")
    early = early_session_read(early_env, "linux")
    assert early is not None
    early.close()
