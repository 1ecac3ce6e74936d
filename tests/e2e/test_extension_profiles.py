"""Two browser profiles, two claude.ai accounts: each profile's posts find their own account.

Two real Chromium profiles (two ``--user-data-dir``, the same unpacked extension, so the same
``chrome-extension://`` origin in both, which is why the origin cannot tell them apart) are
signed in to two accounts of one fake claude.ai: ``work`` and ``personal``, each with its own
session and numbers. The work profile is named "Work" in its popup; the personal one is given
no name. The settings configure two extension accounts: "Job" for the profile named Work, and
"Me" for the personal account's email. A real ``claude-meter bridge --pair`` pairs both (each
its own token) and prints each post as a line marked with its account: the work numbers
(58 %) only ever as Job's, the personal ones (21 %) only ever as Me's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from claude_meter.core.accounts import AccountRef
from claude_meter.core.settings import Settings, save_settings
from claude_meter.fake import FakeClaude
from claude_meter.fake.accounts import PERSONAL_ACCOUNT, WORK_ACCOUNT
from tests.e2e.desktop import wait_for
from tests.e2e.test_browser_profile import chromium_sign_in
from tests.e2e.test_extension_chromium import Lines, extension_id, free_port, stop, xvfb
from tests.support.tools import require_tool

pytestmark = pytest.mark.e2e


def _accounts_seen(lines: list[str]) -> dict[str, set[tuple[str, float]]]:
    """account id -> the (email, five-hour percent) of every organization it was given."""
    seen: dict[str, set[tuple[str, float]]] = {}
    for line in lines:
        data = json.loads(line)
        for org in data["organizations"]:
            five = next((w for w in org["windows"] if w["key"] == "five_hour"), None)
            if five is not None:
                seen.setdefault(data["account"]["id"], set()).add((org["email"], five["percent"]))
    return seen


def test_each_browser_profile_posts_as_its_own_account(tmp_path: Path) -> None:
    chromium = require_tool("chromium")
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "run").mkdir(mode=0o700)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DBUS_", "DISPLAY", "WAYLAND", "QT_"))
    }
    env.update(HOME=str(home), XDG_RUNTIME_DIR=str(tmp_path / "run"))
    found = subprocess.run(
        [sys.executable, "-m", "claude_meter", "extension-path"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        env=env,
    )
    folder = Path(found.stdout.strip())
    ext_id = extension_id(folder)
    job = AccountRef(id="job", name="Job", kind="extension", profile="Work")
    me = AccountRef(id="me", name="Me", kind="extension", email=PERSONAL_ACCOUNT.email)
    save_settings(Settings(accounts=(job, me)), home / ".config" / "claude-meter" / "settings.json")
    port = free_port()
    profiles = {"work": home / "chromium-work", "personal": home / "chromium-personal"}
    names = {"work": "&profile=Work", "personal": ""}

    with FakeClaude(tls=True, accounts=(PERSONAL_ACCOUNT, WORK_ACCOUNT)) as https:
        for account, user_data in profiles.items():
            chromium_sign_in(chromium, home, https, env, account=account, user_data=user_data)
        bridge = subprocess.Popen(
            [sys.executable, "-m", "claude_meter", "bridge", "--pair", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        out, err = Lines(bridge.stdout), Lines(bridge.stderr)
        browsers: list[subprocess.Popen[bytes]] = []
        try:
            wait_for("the bridge to listen", lambda: "listening" in err.text(), 30)
            with xvfb(env) as display:
                shown = {**env, "DISPLAY": display}
                for account, user_data in profiles.items():
                    args = [
                        chromium, "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--no-default-browser-check", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--disable-quic",
                        "--password-store=basic", f"--user-data-dir={user_data}",
                        "--ignore-certificate-errors",
                        "--disable-features=DisableLoadExtensionCommandLineSwitch",
                        f"--host-resolver-rules=MAP claude.ai 127.0.0.1:{https.port}",
                        f"--load-extension={folder}", "about:blank",
                    ]  # fmt: skip
                    log = (tmp_path / f"chromium-{account}.log").open("wb")
                    browsers.append(
                        subprocess.Popen(
                            args, env=shown, stdin=subprocess.DEVNULL, stdout=log, stderr=log
                        )
                    )
                    log.close()
                wait_for(
                    "both profiles' extensions to read claude.ai",
                    lambda: (
                        {r.account for r in https.request_log if r.path == "/api/organizations"}
                        >= {"work", "personal"}
                    ),
                    60,
                )
                started = time.monotonic()
                for account, user_data in profiles.items():
                    handoff = subprocess.run(
                        [
                            chromium, "--no-sandbox", f"--user-data-dir={user_data}",
                            f"chrome-extension://{ext_id}/popup.html#port={port}{names[account]}",
                        ],
                        env=shown, capture_output=True, timeout=30, check=False,
                    )  # fmt: skip
                    assert handoff.returncode == 0, handoff.stderr[-2000:]
                try:
                    wait_for(
                        "a line for each account",
                        lambda: set(_accounts_seen(out.lines)) >= {"job", "me"},
                        90,
                    )
                except AssertionError as exc:
                    raise AssertionError(
                        f"{exc}\nbridge stderr:\n{err.text()}\nlines:\n{out.text()}"
                    ) from None
                took = time.monotonic() - started
                print(f"both accounts posted {took:.1f} s after the first popup")  # noqa: T201
        finally:
            for browser in browsers:
                stop(browser)
            stop(bridge)
            out.close(bridge.stdout)
            err.close(bridge.stderr)

    seen = _accounts_seen(out.lines)
    assert seen["job"] == {(WORK_ACCOUNT.email, 58.0)}  # the profile named Work, by its name
    assert seen["me"] == {(PERSONAL_ACCOUNT.email, 21.0)}  # the unnamed one, by its email
    # Before its popup named it, the work profile's posts (if any reached the bridge) were
    # the default account's; the personal numbers never were anyone's but Me's.
    assert set(seen) <= {"job", "me", "default"}
    assert (PERSONAL_ACCOUNT.email, 21.0) not in seen.get("default", set())
    assert err.text().count(f"paired chrome-extension://{ext_id}") == 2  # one origin, two tokens
    assert PERSONAL_ACCOUNT.session_key not in out.text() + err.text()
    assert WORK_ACCOUNT.session_key not in out.text() + err.text()
    assert not https.cross_account_requests()
