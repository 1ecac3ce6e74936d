"""The real tray against the fake claude.ai: its first poll runs while the window is built
(``poll/first.py``), and the worker's first poll is that one, not a second request."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_meter.fake import DEFAULT_SESSION_KEY, FakeClaude
from tests.e2e.desktop import logged, private_desktop, start_tray, stop_demo_tray, wait_for

pytestmark = pytest.mark.e2e


def test_the_first_poll_starts_early_and_is_requested_once(tmp_path: Path) -> None:
    with FakeClaude("rising") as server, private_desktop() as desktop:
        run = tmp_path / "run"
        run.mkdir(mode=0o700)
        env = {
            **desktop.env,
            "HOME": str(tmp_path),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_STATE_HOME": str(tmp_path / "state"),
            "XDG_RUNTIME_DIR": str(run),
            "CLAUDE_METER_BASE_URL": server.base_url,
            "CLAUDE_METER_COOKIE": f"sessionKey={DEFAULT_SESSION_KEY}",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        log_path = tmp_path / "tray.log"
        app = start_tray(env, log_path)
        try:
            wait_for("the first numbers drawn", lambda: logged(log_path, "snapshot drawn"))
            usage = [r.path for r in server.request_log if r.path.endswith("/usage")]
        finally:
            text = stop_demo_tray(app, log_path)  # status 0, no traceback
        assert text.index("first poll, started early") < text.index("snapshot drawn")
        assert len(usage) == 1, usage  # one poll (one organization): the early one
        assert DEFAULT_SESSION_KEY not in text
