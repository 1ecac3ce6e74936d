"""A private desktop for end-to-end tests: Xvfb, a session D-Bus, a tray host, a notifier.

Every program is real (Debian's Xvfb, dbus-daemon, trayer, dunst; the StatusNotifier watcher
is our own small host, ``sni_watcher.py``, speaking the real protocol); each start waits on a
condition with a deadline instead of sleeping, and everything is stopped at the end.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tests.support.tools import require_tool

T = TypeVar("T")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


#: How long a test waits for what the app does at once, e.g. use a tray that appeared (issue 14:
#: within 5 s). The tests only check that it happens: on a loaded CI machine the tray host, the
#: session bus and the app share two cores with everything else, and a 5 s window was missed
#: there once. How fast it happens is measured in ``benchmarks/tray_host_bench.py``.
UNDER_LOAD = 30.0


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 20.0) -> T:
    """Poll ``probe`` until it returns something truthy; fail with ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(delay)  # polling an external process: there is no signal to await
        delay = min(delay * 1.5, 0.25)


@dataclass
class Desktop:
    env: dict[str, str]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    width: int = 1024
    height: int = 700

    def tray_icon(self, name: str = "claude-meter") -> tuple[int, int, int, int] | None:
        """The app's icon box in trayer's panel, once it is whole on the screen: trayer lays
        its panel out again after an icon docks, and for a moment the box can hang past the
        screen's edge (a click there lands nowhere)."""
        box = embedded_icon(self.window_tree(), name)
        if box is None:
            return None
        x, y, w, h = box
        inside = x >= 0 and y >= 0 and x + w <= self.width and y + h <= self.height
        return box if inside and w > 0 and h > 0 else None

    def run(self, *argv: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(argv), env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def window_tree(self) -> str:
        return self.run("xwininfo", "-root", "-tree").stdout

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        done = self.run("import", "-window", "root", str(path))
        assert done.returncode == 0, done.stderr
        return path

    def start_trayer(self) -> subprocess.Popen[bytes]:
        """trayer at the top right (an XEmbed tray), once its panel window exists."""
        argv = ["trayer", "--edge", "top", "--align", "right", "--widthtype", "request",
                "--height", "28", "--SetDockType", "true", "--transparent", "false"]  # fmt: skip
        with tempfile.TemporaryFile() as said:  # trayer's messages, shown if no panel comes
            trayer = _start(argv, self.env, stdout=subprocess.DEVNULL, stderr=said)
            self.processes.append(trayer)
            try:
                wait_for(
                    "the trayer panel",
                    lambda: '"panel": ("panel" "trayer")' in self.window_tree(),
                )
            except AssertionError as timeout:
                said.seek(0)
                raise AssertionError(
                    f"{timeout}; trayer {trayer.poll()}: {said.read()!r}"
                ) from None
        return trayer

    def start_sni_watcher(self) -> SniWatcher:
        """Our StatusNotifierWatcher and host (``sni_watcher.py``), once it owns its name."""
        script = Path(__file__).with_name("sni_watcher.py")
        process = _start(
            [sys.executable, str(script)],
            self.env,
            stdin_pipe=True,
            stdout=subprocess.PIPE,
        )
        self.processes.append(process)
        watcher = SniWatcher(process)
        watcher.expect("ready")
        return watcher

    def notifications(self) -> list[dict[str, Any]]:
        """Everything the daemon has shown: close the open ones, then read its history."""
        self.run("dunstctl", "close-all")
        done = self.run("dunstctl", "history")
        if done.returncode != 0 or not done.stdout.strip():
            return []
        data = json.loads(done.stdout).get("data") or [[]]
        return list(data[0])


class SniWatcher:
    """The running ``sni_watcher.py``: JSON lines in, JSON lines out."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.seen: list[dict[str, Any]] = []
        self._buffer = b""

    def send(self, **order: Any) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(order).encode() + b"\n")
        self.process.stdin.flush()

    def expect(self, key: str, timeout: float = 20.0) -> Any:
        """The value of the next line that has ``key``, read within ``timeout`` seconds."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while True:
            while b"\n" in self._buffer:
                line, self._buffer = self._buffer.split(b"\n", 1)
                said: dict[str, Any] = json.loads(line)
                self.seen.append(said)
                if key in said:
                    return said[key]
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"the SNI watcher did not say {key!r}: {self.seen}")
            readable, _, _ = select.select([fd], [], [], left)  # a line, or the deadline
            if readable:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise AssertionError(f"the SNI watcher ended: {self.seen}")
                self._buffer += chunk

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(5)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()


def _start(
    argv: list[str], env: dict[str, str], *, stdin_pipe: bool = False, **kwargs: Any
) -> subprocess.Popen[bytes]:
    stdin = subprocess.PIPE if stdin_pipe else subprocess.DEVNULL
    return subprocess.Popen(argv, env=env, stdin=stdin, **kwargs)


#: A session bus that starts nothing by D-Bus activation: with ``notifications=False`` no
#: notification daemon may appear behind the test's back (dunst is D-Bus activatable).
NO_ACTIVATION_BUS = """<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@contextmanager
def private_desktop(
    width: int = 1024, height: int = 700, *, tray: bool = True, notifications: bool = True
) -> Iterator[Desktop]:
    """Xvfb + dbus-daemon + dunst + trayer, torn down afterwards.

    ``tray=False``: no tray at start (a test starts one later); ``notifications=False``: no
    notification daemon at all, not even by D-Bus activation.
    """
    for tool, package in (
        ("Xvfb", "xvfb"),
        ("dbus-daemon", "dbus"),
        ("dunst", "dunst"),
        ("dunstctl", "dunst"),
        ("trayer", "trayer"),
        ("xdotool", "xdotool"),
        ("xwininfo", "x11-utils"),
        ("import", "imagemagick"),
    ):
        require_tool(tool, package)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "DISPLAY", "WAYLAND"))}
    env.pop("QT_QPA_PLATFORM", None)
    desktop = Desktop(env, width=width, height=height)
    try:
        read_fd, write_fd = os.pipe()
        xvfb = _start(
            [
                "Xvfb",
                "-displayfd",
                str(write_fd),
                "-screen",
                "0",
                f"{width}x{height}x24",
                "-nolisten",
                "tcp",
                # An X server resets when its last client goes: a program that connects at that
                # moment fails ("X connection error"; polybar, on a desktop with no tray or
                # notifier holding a connection, in CI twice).
                "-noreset",
            ],
            env,
            pass_fds=(write_fd,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        desktop.processes.append(xvfb)
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            display = pipe.readline().strip()
        assert display.isdigit(), "Xvfb did not report a display"
        env["DISPLAY"] = f":{display}"
        bus_config = ["--session"]
        if not notifications:
            config = Path(env.get("XDG_RUNTIME_DIR") or "/tmp") / f"bus-{os.getpid()}.conf"
            config.parent.mkdir(parents=True, exist_ok=True)
            config.write_text(NO_ACTIVATION_BUS)
            bus_config = [f"--config-file={config}"]
        bus = _start(
            ["dbus-daemon", *bus_config, "--nofork", "--print-address=1"],
            env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        desktop.processes.append(bus)
        assert bus.stdout is not None
        env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().decode().strip()
        bus.stdout.close()
        if notifications:
            desktop.processes.append(
                _start(["dunst"], env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
            wait_for(
                "dunst on the session bus",
                lambda: desktop.run("dunstctl", "count").returncode == 0,
            )
        if tray:
            desktop.start_trayer()
        yield desktop
    finally:
        stop_all(desktop.processes)


def stop_all(processes: list[subprocess.Popen[bytes]], timeout: float = 5) -> None:
    """Terminate, last started first; kill what is still there after ``timeout`` s."""
    for process in reversed(processes):
        process.terminate()
    for process in reversed(processes):
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()


_GEOMETRY = re.compile(r"(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(-?\d+)\+(-?\d+)")


def embedded_icon(tree: str, name: str = "claude-meter") -> tuple[int, int, int, int] | None:
    """Absolute (x, y, w, h) of the app's icon window inside trayer's panel, if embedded."""
    lines = tree.splitlines()
    for index, line in enumerate(lines):
        if '"panel": ("panel" "trayer")' not in line:
            continue
        depth = len(line) - len(line.lstrip())
        for child in lines[index + 1 :]:
            if len(child) - len(child.lstrip()) <= depth:
                break
            if f'("{name}"' in child:
                match = _GEOMETRY.search(child)
                if match:
                    w, h, x, y = (int(v) for v in match.groups())
                    return x, y, w, h
    return None


def claude_meter() -> str:
    """The installed ``claude-meter`` entry point next to this interpreter."""
    script = Path(sys.executable).with_name("claude-meter")
    assert script.exists(), "install the package (pip install -e .) so the entry point exists"
    return str(script)


def logged(log_path: Path, text: str) -> bool:
    """True once the app's log has ``text``."""
    return text in log_path.read_text(errors="replace")


def stop_demo_tray(app: subprocess.Popen[bytes], log_path: Path) -> str:
    """SIGTERM, then the app (the demo's or another :func:`start_tray`) must end within 10 s,
    with status 0 and no traceback; its log."""
    app.send_signal(signal.SIGTERM)
    try:
        code = app.wait(10)
    except subprocess.TimeoutExpired:
        app.kill()
        app.wait(5)
        raise
    text = log_path.read_text(errors="replace")
    assert code == 0, text
    assert "Traceback" not in text
    return text


def start_demo_tray(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """The installed ``claude-meter --demo --debug``, its output (the log) into ``log_path``."""
    return start_tray(env, log_path, "--demo")


def start_tray(env: dict[str, str], log_path: Path, *options: str) -> subprocess.Popen[bytes]:
    """The installed ``claude-meter --debug`` with ``options``, its output (the log) into
    ``log_path``."""
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [claude_meter(), *options, "--debug"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
