"""What the tray process imports and keeps: its resident memory (issue 4, at most 90 MB).

Each check runs in a fresh interpreter, since what matters is what one process has loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from claude_meter.fake import FakeClaude
from tests.conftest import TEST_SESSION_KEY


def run(code: str) -> dict[str, object]:
    """``code``'s last line of output, as JSON; with a desktop Qt needs none of (the tray's
    start looks for one before Qt loads)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    loaded: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


SCAN = """
import json, linecache, sys
from claude_meter.cli.tray_start import forget_pyside_source_reads
{prepare}
from claude_meter.qt.popover import Popover  # uses PySide6; its core.forecast does not
feature = sys.modules["shibokensupport.feature"]
flags = feature.pyside_feature_dict
print(json.dumps({{
    "hook": hasattr(feature, "_mod_uses_pyside"),
    "cached": [name for name in linecache.cache if "claude_meter" in name],
    "popover": flags.get("claude_meter.qt.popover"),
    "forecast": flags.get("claude_meter.core.forecast"),
}}))
"""


def test_pyside_keeps_no_copy_of_the_sources_it_reads() -> None:
    tamed = run(SCAN.format(prepare="forget_pyside_source_reads()"))
    assert tamed["cached"] == []
    if tamed["hook"]:  # PySide6 still reads every new module's source: same answers as before
        assert (tamed["popover"], tamed["forecast"]) == (0, -1)
        untamed = run(SCAN.format(prepare="import PySide6"))
        assert untamed["cached"], "without the fix the sources stay in linecache"
        assert (untamed["popover"], untamed["forecast"]) == (0, -1)


def test_the_fix_is_applied_once_and_sources_stay_readable() -> None:
    result = run(
        """
import inspect, json, linecache, sys
from claude_meter.cli.tray_start import forget_pyside_source_reads
forget_pyside_source_reads()
forget_pyside_source_reads()
import claude_meter.qt.icon as icon
scan = getattr(sys.modules["shibokensupport.feature"], "_mod_uses_pyside", None)
inner = inspect.getclosurevars(scan).nonlocals["uses_pyside"] if scan else None
print(json.dumps({
    "wrapped_once": scan is None or inner.__name__ == "_mod_uses_pyside",
    "readable": linecache.getline(icon.__file__, 1).startswith('\"\"\"'),
}))
"""
    )
    assert result == {"wrapped_once": True, "readable": True}


def test_the_plain_read_answers_as_pyside6_does_for_every_module_the_tray_loads() -> None:
    """The file read (no ``inspect``, no cache) gives PySide6's own answer for each module:
    ClaudeMeter's Qt modules, the Qt-free ones, the standard library's, built-in and compiled
    ones, packages."""
    result = run(
        """
import inspect, json, sys
from claude_meter.cli.tray_start import forget_pyside_source_reads
forget_pyside_source_reads()
import claude_meter.qt.compose, claude_meter.qt.popover
scan = getattr(sys.modules["shibokensupport.feature"], "_mod_uses_pyside", None)
if scan is None:
    print(json.dumps({"hook": False}))
else:
    pyside_way = inspect.getclosurevars(scan).nonlocals["uses_pyside"]
    answers = {name: [bool(scan(m)), bool(pyside_way(m))] for name, m in list(sys.modules.items())}
    print(json.dumps({"hook": True, "answers": answers}))
"""
    )
    if not result["hook"]:
        return  # another PySide6, without the hook: nothing is changed
    answers: dict[str, list[bool]] = result["answers"]  # type: ignore[assignment]
    assert len(answers) > 300
    assert {name for name, (ours, theirs) in answers.items() if ours != theirs} == set()
    uses = {name for name, (ours, _) in answers.items() if ours}
    assert {"claude_meter.qt.app", "claude_meter.qt.popover", "PySide6"} <= uses
    assert {"claude_meter.core.forecast", "logging", "sys", "_ssl"}.isdisjoint(uses)


def test_the_command_line_imports_neither_the_bridge_server_nor_the_windows() -> None:
    result = run(
        """
import json, sys
from claude_meter.cli import build_parser
parser = build_parser()
port = parser.parse_args(["bridge"]).port
import claude_meter.qt.compose
loaded = sorted(m for m in sys.modules if m in (
    "http.server", "socketserver", "claude_meter.bridge.server", "claude_meter.qt.settings_window",
    "claude_meter.qt.first_run", "keyring", "secretstorage", "cryptography"))
from claude_meter.bridge.server import DEFAULT_PORT
print(json.dumps({"loaded": loaded, "port": port == DEFAULT_PORT}))
"""
    )
    assert result == {"loaded": [], "port": True}


TRAY_START = """
import json, sys
import claude_meter.cli as cli
import claude_meter.qt.compose as compose
started = []
compose.run_tray = lambda **kw: started.append(
    {{**kw, "log_file": kw["log_file"] is not None, "beginning": kw["beginning"] is not None}}
) or 0
cli.build_parser = lambda: (_ for _ in ()).throw(AssertionError("the whole parser was built"))
status = cli.main({argv!r})
print(json.dumps({{"status": status, "started": started,
    "loaded": [m for m in ("claude_meter.cli.cached", "claude_meter.fake.scenarios")
               if m in sys.modules]}}))
"""


def test_the_tray_starts_without_the_whole_command_line_parser() -> None:
    for argv, demo in (([], False), (["--demo", "--debug"], True)):
        done = run(TRAY_START.format(argv=argv))
        assert done == {
            "status": 0,
            # the log set up; the first poll begun before Qt, but in the demo; the fail backend
            "started": [
                {"demo": demo, "log_file": True, "beginning": not demo, "keyring_child": None}
            ],
            "loaded": [],  # the subcommands' modules, for their help texts
        }


def test_the_tray_imports_its_qt_free_core_before_pyside6() -> None:
    """PySide6's import hook reads the source of every module imported after it: the tray
    loads msgspec, http.client and its own Qt-free core first (``cli.tray_start.TRAY_CORE``)."""
    done = run(
        """
import json, sys
import claude_meter.cli as cli
started = []
sys.modules["claude_meter.qt.compose"] = type(sys)("stub")
sys.modules["claude_meter.qt.compose"].run_tray = lambda **kw: started.append(kw) or 0
cli.main([])
order = list(sys.modules)
print(json.dumps({m: order.index(m) for m in ("msgspec", "http.client", "claude_meter.poll.live",
    "claude_meter.clients.web", "claude_meter.core.oauth_hold", "claude_meter.readings.journal",
    "PySide6")}))
"""
    )
    pyside = done.pop("PySide6")
    assert all(position < pyside for position in done.values()), done  # type: ignore[operator]


EARLY_POLL = """
import json, os, sys
import claude_meter.cli as cli
import claude_meter.poll.beginning as beginning
seen = {{}}
real_begin = beginning.begin
def spy(*args, **kwargs):
    seen["qt loaded before the poll began"] = "PySide6" in sys.modules
    return real_begin(*args, **kwargs)
beginning.begin = spy
def run_tray(**kw):
    seen["qt loaded when the qt part starts"] = "PySide6" in sys.modules
    result = kw["beginning"].first_poll()  # the early poll's own result
    seen["polled"] = result.error is None and bool(result.snapshots)
    return 0
sys.modules["claude_meter.qt.compose"] = type(sys)("stub")
sys.modules["claude_meter.qt.compose"].run_tray = run_tray
os.environ.update({env!r})
seen["status"] = cli.main([])
print(json.dumps(seen))
"""


def test_the_first_poll_begins_before_qt_loads(fake_server: FakeClaude) -> None:
    """``cli/tray_start.py``: the first poll waits on the network while PySide6 loads."""
    env = {
        "CLAUDE_METER_BASE_URL": fake_server.base_url,
        "CLAUDE_METER_COOKIE": f"sessionKey={TEST_SESSION_KEY}",
    }
    assert run(EARLY_POLL.format(env=env)) == {
        "qt loaded before the poll began": False,
        "qt loaded when the qt part starts": True,
        "polled": True,
        "status": 0,
    }
    assert [r.path for r in fake_server.request_log].count("/api/organizations") == 1


SECOND_LAUNCH = """
import json, os, sys
import claude_meter.cli as cli
from claude_meter.core import paths
seen = {{}}
def run_tray(**kw):
    seen["begun"] = kw["beginning"] is not None
    return 0
sys.modules["claude_meter.qt.compose"] = type(sys)("stub")
sys.modules["claude_meter.qt.compose"].run_tray = run_tray
os.environ.update({env!r})
paths.runtime_dir().mkdir(parents=True, exist_ok=True)
lock = paths.runtime_dir() / paths.INSTANCE_LOCK  # Qt's lock file names its owner's PID first
lock.write_text(f"{{os.getppid()}}\\nclaude-meter\\nhost\\n", encoding="ascii")
seen["status"] = cli.main([])
print(json.dumps(seen))
"""


def test_a_second_launch_does_not_poll(fake_server: FakeClaude) -> None:
    """While another tray holds the instance lock, this launch only asks it to open its
    popover: no first poll begins (``platform/instance.py``)."""
    env = {
        "CLAUDE_METER_BASE_URL": fake_server.base_url,
        "CLAUDE_METER_COOKIE": f"sessionKey={TEST_SESSION_KEY}",
    }
    assert run(SECOND_LAUNCH.format(env=env)) == {"begun": False, "status": 0}
    assert fake_server.request_log == []
