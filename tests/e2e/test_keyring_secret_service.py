"""The stored session in a real Secret Service: gnome-keyring on a private D-Bus session.

``login --paste`` stores it, a new ``claude-meter`` process (an app restart) reads it back
and polls with it, ``logout`` removes it. Without any D-Bus session ``keyring`` finds no
backend, and ``login`` says so instead of writing a file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from claude_meter.fake import FakeClaude
from tests.conftest import TEST_SESSION_KEY
from tests.e2e.processes import gnome_keyring, private_dbus
from tests.support.tools import require_tool

pytestmark = pytest.mark.e2e


def _base_env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "run").mkdir(mode=0o700)
    drop = {"DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND"}  # keyring detects by itself
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(HOME=str(home), XDG_RUNTIME_DIR=str(tmp_path / "run"))
    return env


@pytest.fixture
def secret_service(tmp_path: Path) -> Iterator[dict[str, str]]:
    require_tool("dbus-send", "dbus")
    env = _base_env(tmp_path)
    with private_dbus(tmp_path / "bus") as address:
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        with gnome_keyring(address, env):
            yield env


def cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "claude_meter", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert TEST_SESSION_KEY not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done


def lookup(env: dict[str, str], entry: str = "claude.ai session") -> str:
    secret_tool = require_tool("secret-tool", "libsecret-tools")
    done = subprocess.run(
        [secret_tool, "lookup", "service", "claude-meter", "username", entry],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env=env,
    )
    return done.stdout


def test_session_survives_a_restart_and_logout_removes_it(secret_service: dict[str, str]) -> None:
    env = secret_service
    with FakeClaude(session_key=TEST_SESSION_KEY) as server:
        env = {**env, "CLAUDE_METER_BASE_URL": server.base_url}
        done = cli(env, "login", "--paste", stdin=f"sessionKey={TEST_SESSION_KEY}\n")
        assert done.returncode == 0, done.stderr
        assert "Stored the claude.ai session in the keyring (SecretService)" in done.stdout
        assert lookup(env) == f"sessionKey={TEST_SESSION_KEY}"
        assert not any(TEST_SESSION_KEY in p.read_text(errors="replace")
                       for p in Path(env["HOME"], ".config").rglob("*") if p.is_file())  # fmt: skip

        done = cli(env, "status", "--json")  # a new process: the app restarted
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["organizations"]
        assert all(r.authenticated for r in server.request_log)

        sources = json.loads(cli(env, "sources", "--json").stdout)["sources"]
        stored = next(s for s in sources if s["kind"] == "stored")
        assert (stored["state"], stored["stored_from"]) == ("present", "paste")
        assert stored["backend"] == "keyring.backends.SecretService.Keyring"

        done = cli(env, "logout")
        assert done.returncode == 0
        assert "Removed the claude.ai session stored in the keyring (SecretService)" in done.stdout
        assert lookup(env) == ""
        done = cli(env, "status", "--json")
        assert done.returncode == 2
        assert json.loads(done.stdout)["error"]["kind"] == "not_signed_in"


def test_a_pasted_accounts_new_session_replaces_its_own_entry(
    secret_service: dict[str, str],
) -> None:
    """``accounts paste Work``: its session expired on the server, the new one replaces the
    one in its own Secret Service entry (the default account's entry untouched)."""
    from claude_meter.fake.accounts import PERSONAL_ACCOUNT, WORK_ACCOUNT

    renewed = "sk-ant-sid01-fake-work-renewed-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
    with FakeClaude(accounts=(PERSONAL_ACCOUNT, WORK_ACCOUNT)) as server:
        env = {**secret_service, "CLAUDE_METER_BASE_URL": server.base_url}
        done = cli(env, "accounts", "add", "Work", "--paste",
                   stdin=f"sessionKey={WORK_ACCOUNT.session_key}\n")  # fmt: skip
        assert done.returncode == 0, done.stderr
        server.sign_in_again("work", renewed)
        done = cli(env, "accounts", "paste", "Work", stdin=f"{renewed}\n")
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("Stored a new session for Work (ada.lovelace@initech")
        assert renewed not in done.stdout + done.stderr
        assert lookup(env, "claude.ai session (work)") == f"sessionKey={renewed}"
        assert lookup(env) == ""  # the default account's: never written
        accounts = json.loads(cli(env, "accounts", "--json").stdout)["accounts"]
        assert [(a["id"], a["kind"]) for a in accounts] == [("default", "auto"), ("work", "pasted")]


def store_with_secret_tool(env: dict[str, str], value: str) -> None:
    """A session put there by another tool than ClaudeMeter (no change stamp written)."""
    secret_tool = require_tool("secret-tool", "libsecret-tools")
    subprocess.run(
        [secret_tool, "store", "--label=claude.ai session",
         "service", "claude-meter", "username", "claude.ai session"],
        input=value, capture_output=True, text=True, timeout=30, check=True, env=env,
    )  # fmt: skip


def test_the_command_line_notes_an_empty_keyring_for_30_minutes_at_most(
    secret_service: dict[str, str],
) -> None:
    """sources/keyring_absence.py against the real Secret Service: nothing stored is noted;
    a session another tool stores is read once the note is 30 minutes old; one ClaudeMeter
    stores, at once; a stored session is read on every call."""
    note = Path(secret_service["HOME"], ".local/state/claude-meter/keyring-session.absent")
    with FakeClaude(session_key=TEST_SESSION_KEY) as server:
        env = {**secret_service, "CLAUDE_METER_BASE_URL": server.base_url}
        done = cli(env, "status", "--json", "--source", "web")
        assert done.returncode == 2, done.stderr
        assert note.exists()
        store_with_secret_tool(env, f"sessionKey={TEST_SESSION_KEY}")
        assert cli(env, "status", "--json", "--source", "web").returncode == 2  # noted
        assert not server.request_log
        noted = json.loads(note.read_text())
        note.write_text(json.dumps({**noted, "at": noted["at"] - 30 * 60}))
        done = cli(env, "status", "--json", "--source", "web")
        assert done.returncode == 0, done.stderr
        assert not note.exists()  # a session is there: asked on every call
        done = cli(env, "status", "--json", "--source", "web")
        assert done.returncode == 0, done.stderr

        assert cli(env, "logout").returncode == 0
        assert cli(env, "status", "--json", "--source", "web").returncode == 2
        assert note.exists()
        done = cli(env, "login", "--paste", stdin=f"sessionKey={TEST_SESSION_KEY}\n")
        assert done.returncode == 0, done.stderr
        done = cli(env, "status", "--json", "--source", "web")  # the stamp changed: read now
        assert done.returncode == 0, done.stderr
    assert TEST_SESSION_KEY not in note.parent.joinpath("keyring-session.changed").read_text()


def test_a_backend_chosen_in_keyringrc_cfg_is_used_at_once(
    secret_service: dict[str, str],
) -> None:
    """The note that the keyring holds nothing was made under keyringrc.cfg's ``null``
    backend; once the file names the Secret Service, the next call reads the session stored
    there (it waited out the note's 30 minutes)."""
    rc = Path(secret_service["HOME"], ".config/python_keyring/keyringrc.cfg")
    rc.parent.mkdir(parents=True, exist_ok=True)
    rc.write_text("[backend]\ndefault-keyring = keyring.backends.null.Keyring\n")
    note = Path(secret_service["HOME"], ".local/state/claude-meter/keyring-session.absent")
    with FakeClaude(session_key=TEST_SESSION_KEY) as server:
        env = {**secret_service, "CLAUDE_METER_BASE_URL": server.base_url}
        store_with_secret_tool(env, f"sessionKey={TEST_SESSION_KEY}")
        assert cli(env, "status", "--json", "--source", "web").returncode == 2
        assert note.exists()
        rc.write_text("[backend]\ndefault-keyring = keyring.backends.SecretService.Keyring\n")
        done = cli(env, "status", "--json", "--source", "web")
        assert done.returncode == 0, done.stderr
        assert not note.exists()


def default_alias(env: dict[str, str]) -> str:
    """The Secret Service's ``default`` collection ("/" when there is none)."""
    done = subprocess.run(
        ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.secrets",
         "/org/freedesktop/secrets", "org.freedesktop.Secret.Service.ReadAlias",
         "string:default"],
        capture_output=True, text=True, timeout=10, check=True, env=env,
    )  # fmt: skip
    return done.stdout.split('"')[-2]


def test_a_secret_service_with_no_keyring_is_read_without_making_one(tmp_path: Path) -> None:
    """Seen at a first start on a desktop that never made a login keyring: reading the
    session made ``keyring`` create the default collection, and gnome-keyring asked for a new
    keyring's password before anything else showed. A read now finds nothing there, and
    makes nothing; only storing a session makes a keyring."""
    require_tool("dbus-send", "dbus")
    env = _base_env(tmp_path)
    with private_dbus(tmp_path / "bus") as address:
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        with gnome_keyring(address, env, unlock=False):
            assert default_alias(env) == "/"
            done = cli(env, "status", "--json", "--source", "web")
            assert done.returncode == 2, done.stderr
            assert json.loads(done.stdout)["error"]["kind"] == "not_signed_in"
            assert "keyring" not in done.stderr
            done = cli(env, "logout")
            assert "Nothing was stored" in done.stdout, done.stdout + done.stderr
            assert default_alias(env) == "/"  # no keyring was made for a read


def test_without_dbus_no_keyring_is_used_and_nothing_is_written(tmp_path: Path) -> None:
    env = _base_env(tmp_path)
    done = cli(env, "login", "--paste", stdin=f"sessionKey={TEST_SESSION_KEY}")
    assert done.returncode == 1
    assert "the session was not stored: no usable keyring was found" in done.stderr
    assert "never writes a session to a file" in done.stderr
    written = [p for p in Path(env["HOME"]).rglob("*") if p.is_file()]
    assert not any(TEST_SESSION_KEY in p.read_text(errors="replace") for p in written)
    assert not (Path(env["HOME"]) / ".config/claude-meter/sources.json").exists()


#: The tray app's polling, without its window: the keyring opened as its start does, then
#: one poll per line read, each answered with what it got and which libraries are loaded.
TRAY_POLLS = """
import json, os, sys
from claude_meter.poll.fetcher import Fetcher
from claude_meter.poll.beginning import open_keyring
keyring, child = open_keyring()
fetcher = Fetcher(os.environ, keyring=keyring)
for _ in sys.stdin:
    result = fetcher.fetch("auto")
    print(json.dumps({
        "error": result.error.kind if result.error else None,
        "organizations": len(result.snapshots),
        "keyring_processes": child.calls,
        "loaded": sorted(m for m in ("keyring", "secretstorage", "jeepney", "cryptography")
                         if m in sys.modules),
    }), flush=True)
"""


def test_the_tray_reads_the_secret_service_once_and_through_a_helper_process(
    secret_service: dict[str, str],
) -> None:
    """Polls do not reach the keyring, and its libraries (~10 MB) never load into the tray;
    a ``logout`` or ``login`` in a terminal is seen at the next poll."""
    with FakeClaude(session_key=TEST_SESSION_KEY) as server:
        env = {**secret_service, "CLAUDE_METER_BASE_URL": server.base_url}
        paste = f"sessionKey={TEST_SESSION_KEY}\n"
        assert cli(env, "login", "--paste", stdin=paste).returncode == 0
        tray = subprocess.Popen(
            [sys.executable, "-c", TRAY_POLLS],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**env, "QT_QPA_PLATFORM": "offscreen"},
        )
        assert tray.stdin is not None
        assert tray.stdout is not None

        def poll() -> dict[str, object]:
            assert tray.stdin is not None
            assert tray.stdout is not None
            tray.stdin.write("poll\n")
            tray.stdin.flush()
            answer: dict[str, object] = json.loads(tray.stdout.readline())
            return answer

        try:
            polls = [poll() for _ in range(3)]
            assert [p["error"] for p in polls] == [None, None, None]
            assert all(p["organizations"] for p in polls)
            assert [p["keyring_processes"] for p in polls] == [1, 1, 1]
            assert polls[-1]["loaded"] == []

            assert cli(env, "logout").returncode == 0
            after_logout = poll()
            assert after_logout["error"] == "not_signed_in"
            assert after_logout["keyring_processes"] == 2

            assert cli(env, "login", "--paste", stdin=paste).returncode == 0
            after_login = poll()
            assert after_login["error"] is None
            assert after_login["keyring_processes"] == 3
            assert after_login["loaded"] == []
        finally:
            tray.stdin.close()
            assert tray.stderr is not None
            err = tray.stderr.read()
            tray.wait(30)
            tray.stdout.close()
            tray.stderr.close()
        assert tray.returncode == 0, err
        assert TEST_SESSION_KEY not in err
