"""The real tray's start (issue 19): what its first drawn numbers do not need is not loaded
before them, and what waits for them still starts right after.

The tray runs as the program itself (``cli/process.py``'s entry), in a wrapper that only adds a
logging filter: at the log line "snapshot drawn" it writes what the process has imported to
a file. The set-up is ``benchmarks/peers.py``'s: Claude Code's
sign-in, the keyring backend turned off. Then what waits for the first draw is used as a person
would: a save of the settings from outside reaches the running tray (its settings watch), and a
paired extension's post is taken by the bridge the settings turn on (with gnome-keyring, where
the pairing tokens live).
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from claude_meter.fake import DEFAULT_OAUTH_TOKEN, DEFAULT_SESSION_KEY, FakeClaude
from tests.bridge.support import EXTENSION, good_post
from tests.e2e.desktop import Desktop, logged, private_desktop, stop_demo_tray, wait_for
from tests.e2e.processes import gnome_keyring

pytestmark = pytest.mark.e2e

WATCHING = "settings watch: started"

#: The program's entry as the console script runs it, with a filter that notes, at the first
#: drawn numbers, the modules loaded and the dataclasses among ClaudeMeter's classes.
AT_FIRST_DRAW = """
import json, logging, os, sys
out = sys.argv.pop(1)
class AtFirstDraw(logging.Filter):
    def filter(self, record):
        if "snapshot drawn" in record.getMessage() and not os.path.exists(out):
            dataclasses = sorted(
                f"{name}.{key}" for name, module in list(sys.modules.items())
                if name.startswith("claude_meter.") for key, value in vars(module).items()
                if isinstance(value, type) and value.__module__ == name
                and "__dataclass_fields__" in vars(value))
            with open(out + ".tmp", "w") as fh:
                json.dump({"modules": sorted(sys.modules), "dataclasses": dataclasses}, fh)
            os.replace(out + ".tmp", out)
        return True
logging.getLogger("claude_meter.tray").addFilter(AtFirstDraw())
sys.argv = ["claude-meter", *sys.argv[1:]]
from claude_meter.cli.process import run
run()
"""

#: Loaded later, when needed: none of them draws the first numbers.
NOT_BEFORE_THE_FIRST_DRAW = (
    "subprocess",  # no keyring helper is started while the backend holds nothing
    "keyring",  # nor its libraries, ever: the helper is another process
    "html",  # an SNI tooltip's escaping; trayer is an XEmbed tray
    "dataclasses",  # every record is a msgspec Struct (issue 19; tests/test_one_kind_of_record.py)
    "http.server",
    "claude_meter.bridge.pairing",
    "claude_meter.bridge.server",
    "claude_meter.platform.autostart",  # the settings window's switch
    "claude_meter.qt.settings_watch",
    "claude_meter.qt.popover",
    "claude_meter.qt.history_window",
    "claude_meter.qt.settings_window",
)


def home_env(tmp_path: Path, desktop: Desktop, server: FakeClaude) -> dict[str, str]:
    run = tmp_path / "run"
    run.mkdir(mode=0o700)
    return {
        **desktop.env,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_RUNTIME_DIR": str(run),
        "CLAUDE_METER_BASE_URL": server.base_url,
        "CLAUDE_METER_OAUTH_BASE_URL": server.base_url,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }


@contextmanager
def tray(env: dict[str, str], log_path: Path, *wrapper: str) -> Iterator[subprocess.Popen[bytes]]:
    """The tray started with ``--debug`` (``wrapper``: the interpreter and its script, before
    the program's own arguments); stopped at the end with status 0 and no traceback."""
    program = list(wrapper) or [str(Path(sys.executable).with_name("claude-meter"))]
    with log_path.open("wb") as log:
        app = subprocess.Popen(
            [*program, "--debug"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield app
    finally:
        stop_demo_tray(app, log_path)


def test_the_first_draw_loads_only_what_it_needs_and_the_settings_watch_starts_after(
    tmp_path: Path,
) -> None:
    with FakeClaude("rising") as server, private_desktop() as desktop:
        env = home_env(tmp_path, desktop, server)
        credentials = tmp_path / ".claude" / ".credentials.json"
        credentials.parent.mkdir()
        credentials.write_text(
            json.dumps(
                {"claudeAiOauth": {"accessToken": DEFAULT_OAUTH_TOKEN, "expiresAt": 4102444800000}}
            )
        )
        facts_path, log_path = tmp_path / "at-first-draw.json", tmp_path / "tray.log"
        with tray(env, log_path, sys.executable, "-c", AT_FIRST_DRAW, str(facts_path)):
            wait_for("the first numbers drawn", facts_path.exists)
            facts = json.loads(facts_path.read_text())
            loaded = set(facts["modules"])
            assert {"claude_meter.qt.app", "claude_meter.clients.oauth", "msgspec"} <= loaded
            assert "pydantic" not in loaded  # the models are msgspec Structs (issue 19)
            assert loaded.isdisjoint(NOT_BEFORE_THE_FIRST_DRAW), loaded & set(
                NOT_BEFORE_THE_FIRST_DRAW
            )
            # The app's records are msgspec Structs: a dataclass compiles its methods at import
            # (about half a millisecond each; issue 19).
            assert facts["dataclasses"] == []

            wait_for("the settings watch", lambda: logged(log_path, WATCHING))
            settings = tmp_path / "config" / "claude-meter" / "settings.json"
            settings.write_text(json.dumps({"percent_shown": "remaining"}))
            wait_for("the saved settings applied", lambda: logged(log_path, "settings changed"))


def test_the_bridge_the_settings_turn_on_takes_a_paired_post_after_the_first_draw(
    tmp_path: Path,
) -> None:
    with FakeClaude("rising") as server, private_desktop() as desktop:
        env = home_env(tmp_path, desktop, server)
        del env["PYTHON_KEYRING_BACKEND"]  # gnome-keyring's Secret Service, where tokens live
        env["CLAUDE_METER_COOKIE"] = f"sessionKey={DEFAULT_SESSION_KEY}"
        with gnome_keyring(desktop.env["DBUS_SESSION_BUS_ADDRESS"], env):
            token = _paired_token(env)
            port = _free_port()
            settings = tmp_path / "config" / "claude-meter" / "settings.json"
            settings.parent.mkdir(parents=True)
            settings.write_text(json.dumps({"bridge_enabled": True, "bridge_port": port}))
            log_path = tmp_path / "tray.log"
            with tray(env, log_path):
                wait_for("the first numbers drawn", lambda: logged(log_path, "snapshot drawn"))
                status = wait_for("the bridge taking the post", lambda: _post(port, token))
                assert status == 200, log_path.read_text()
            text = log_path.read_text()
            assert text.index("snapshot drawn") < text.index("bridge listening")


def _paired_token(env: dict[str, str]) -> str:
    """An extension paired beforehand, its token in the keyring as the bridge keeps it."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from claude_meter.bridge.pairing import Pairing\n"
            "from claude_meter.sources.keyring_store import SessionStore\n"
            "pairing = Pairing(SessionStore())\n"
            "pairing.open_window()\n"
            f"print(pairing.pair({EXTENSION!r}).reveal())\n",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _post(port: int, token: str) -> int | None:
    """The extension's post to the bridge; its status, None while nothing listens."""
    body = json.dumps(good_post()).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(
            "POST",
            "/snapshots",
            body,
            {
                "Origin": EXTENSION,
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
            },
        )
        return conn.getresponse().status
    except ConnectionRefusedError:
        return None
    finally:
        conn.close()
