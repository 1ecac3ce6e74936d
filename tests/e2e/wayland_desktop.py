"""A private Wayland desktop for end-to-end tests: headless sway with swaybar's tray or waybar.

Every program is real (Debian's sway 1.7, swaybar, waybar, grim, wtype, dbus-daemon). sway
refuses to run as root, so under root it runs as an unprivileged user made for it
(``USER``); the app and the test tools stay root and reach its sockets by path. The session
bus therefore has its own configuration that lets both users in. A headless seat has no
input devices: the pointer is a ``zwlr_virtual_pointer_v1`` (``virtual_pointer.py``) made at
start-up, the keyboard is ``wtype``. Each start waits on a condition with a deadline.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from PySide6.QtGui import QImage

from claude_meter.core.grades import GRADES
from tests.e2e.desktop import ARTIFACTS, wait_for
from tests.e2e.virtual_pointer import VirtualPointer
from tests.support.tools import require_tool

USER = "claude-meter-sway"
WIDTH, HEIGHT = 1024, 700
BAR_HEIGHT = 30
#: More than GTK's double-click time (400 ms), which waybar uses.
CLICK_GAP = 0.5
Bar = Literal["swaybar", "waybar"]

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

SWAY_CONFIG = """output HEADLESS-1 resolution {width}x{height} position 0 0 bg #3f3f3f solid_color
default_border none
default_floating_border none
"""
SWAYBAR = """bar {
    position top
    height 30
    tray_output *
    tray_padding 4
}
"""
WAYBAR_CONFIG = {
    "layer": "top",
    "position": "top",
    "height": BAR_HEIGHT,
    "modules-left": ["sway/workspaces"],
    "modules-right": ["tray"],
    "tray": {"icon-size": 22, "spacing": 4},
}


@dataclass
class Node:
    app_id: str | None
    name: str | None
    rect: tuple[int, int, int, int]
    focused: bool


@dataclass
class WaylandDesktop:
    env: dict[str, str]
    bar: Bar
    pointer: VirtualPointer | None = None
    _last_click: float = 0.0
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def run(self, *argv: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(argv), env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def windows(self) -> list[Node]:
        """Every view sway manages, tiled or floating, on any workspace."""
        done = self.run("swaymsg", "-t", "get_tree", "--raw")
        assert done.returncode == 0, done.stderr
        found: list[Node] = []

        def walk(node: dict[str, Any]) -> None:
            if node.get("pid"):
                r = node["rect"]
                found.append(
                    Node(
                        node.get("app_id"),
                        node.get("name"),
                        (r["x"], r["y"], r["width"], r["height"]),
                        bool(node.get("focused")),
                    )
                )
            for child in node.get("nodes", []) + node.get("floating_nodes", []):
                walk(child)

        walk(json.loads(done.stdout))
        return found

    def popover(self) -> Node | None:
        return next((n for n in self.windows() if n.name == "ClaudeMeter"), None)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        done = self.run("grim", str(path))
        assert done.returncode == 0, done.stderr
        return path

    def drawn(self, node: Node, shot: str) -> bool:
        """Whether the screen shows a light panel with dark text where ``node`` is."""
        image = QImage(str(self.screenshot(shot)))
        x, y, w, h = node.rect
        values = [
            image.pixelColor(px, py).lightness()
            for py in range(y, y + h, 3)
            for px in range(x, x + w, 3)
        ]
        light = sum(v > 200 for v in values)
        dark = sum(v < 90 for v in values)  # text
        return light > len(values) * 0.6 and dark > len(values) * 0.01

    def icon(self, shot_name: str = "wayland-bar.png") -> tuple[int, int, int, int] | None:
        """The box of grade-coloured pixels in the bar: the app's icon, once it is drawn."""
        image = QImage(str(self.screenshot(shot_name)))
        colours = {g.rgb for g in GRADES}
        xs: list[int] = []
        ys: list[int] = []
        for y in range(BAR_HEIGHT):
            for x in range(image.width() // 2, image.width()):
                if image.pixelColor(x, y).name() in colours:
                    xs.append(x)
                    ys.append(y)
        if len(xs) < 20:
            return None
        return min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1

    def click(self, x: int, y: int, button: str = "left") -> float:
        """A person's click: at least ``CLICK_GAP`` after the previous one, since two presses
        closer together are a double click (waybar then sends ``Activate`` twice). Returns
        when it was sent (``time.monotonic()``)."""
        assert self.pointer is not None
        wait = self._last_click + CLICK_GAP - time.monotonic()
        if wait > 0:
            time.sleep(wait)  # pacing a simulated person, not waiting for a condition
        sent = time.monotonic()
        self.pointer.click(x, y, button)
        self._last_click = time.monotonic()
        return sent

    @contextmanager
    def other_window(self) -> Iterator[None]:
        """Another app's window (a Qt label), which sway focuses when it maps."""
        code = (
            "from PySide6.QtWidgets import QApplication, QLabel\n"
            "app = QApplication([]); label = QLabel('another app'); label.show(); app.exec()"
        )
        other = subprocess.Popen([sys.executable, "-c", code], env=self.env)
        try:
            yield
        finally:
            other.terminate()
            other.wait(10)

    def key(self, name: str) -> None:
        # wtype makes a new keyboard for each run, and a client sees keys only once it has
        # bound that keyboard (after the seat announced it): the pause before the key lets it.
        done = self.run("wtype", "-s", "300", "-k", name)
        assert done.returncode == 0, done.stderr


def _as_user(user: pwd.struct_passwd | None) -> list[str]:
    if user is None:
        return []
    return [
        require_tool("setpriv", "util-linux"),
        f"--reuid={user.pw_uid}",
        f"--regid={user.pw_gid}",
        "--clear-groups",
    ]


def _sway_user() -> pwd.struct_passwd | None:
    """The unprivileged user sway runs as when the tests run as root (made once)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(
            [require_tool("useradd", "passwd"), "--system", "--no-create-home",
             "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", USER],
            check=True, capture_output=True, timeout=30,
        )  # fmt: skip
        return pwd.getpwnam(USER)


def _start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)


@contextmanager
def sway_desktop(
    bar: Bar,
    logs: Path,
    *,
    waybar_modules: Mapping[str, Any] | None = None,
    waybar_css: str = "",
    bar_env: Mapping[str, str] | None = None,
    waybar_as_app_user: bool = False,
) -> Iterator[WaylandDesktop]:
    """Headless sway with ``bar`` as the tray host, on a private session bus; torn down after.

    ``waybar_modules`` are added to waybar's configuration (a status bar snippet under test),
    ``waybar_css`` to its style, ``bar_env`` to its environment. ``waybar_as_app_user`` runs
    waybar as the app's user, not sway's, so its modules can run this checkout's
    ``claude-meter`` (whose interpreter sway's user may not reach)."""
    for tool, package in (
        ("sway", "sway"),
        ("swaymsg", "sway"),
        ("swaybar", "sway"),
        ("grim", "grim"),
        ("wtype", "wtype"),
        ("dbus-daemon", "dbus"),
        ("dbus-send", "dbus"),
    ):
        require_tool(tool, package)
    if bar == "waybar":
        require_tool("waybar", "waybar")
    user = _sway_user()
    base = Path(tempfile.mkdtemp(prefix="claude-meter-sway-"))
    base.chmod(0o755)  # the bus socket and the configurations, readable by the sway user
    runtime = base / "sway-runtime"  # sway's XDG_RUNTIME_DIR, the user's own
    runtime.mkdir(mode=0o700)
    own_runtime = base / "runtime"  # the app's and the tools'
    own_runtime.mkdir(mode=0o700)
    home = base / "home"
    home.mkdir()
    if user is not None:
        for path in (runtime, home):
            os.chown(path, user.pw_uid, user.pw_gid)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DBUS_", "DISPLAY", "WAYLAND", "SWAYSOCK", "XDG_RUNTIME", "QT_QPA"))
    }
    desktop = WaylandDesktop(env, bar)
    try:
        (base / "bus.conf").write_text(BUS_CONFIG.format(socket=base / "bus"))
        bus = subprocess.Popen(
            ["dbus-daemon", f"--config-file={base / 'bus.conf'}", "--nofork", "--print-address=1"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        desktop.processes.append(bus)
        assert bus.stdout is not None
        address = bus.stdout.readline().decode().strip()
        bus.stdout.close()
        assert address, "dbus-daemon did not report its address"
        env["DBUS_SESSION_BUS_ADDRESS"] = address

        config = SWAY_CONFIG.format(width=WIDTH, height=HEIGHT)
        if bar == "swaybar":
            config += SWAYBAR
        (base / "sway.conf").write_text(config)
        sway_env = {
            "PATH": env.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "XDG_RUNTIME_DIR": str(runtime),
            "DBUS_SESSION_BUS_ADDRESS": address,
            "WLR_BACKENDS": "headless",
            "WLR_RENDERER": "pixman",
            "WLR_LIBINPUT_NO_DEVICES": "1",
            "LANG": "C.UTF-8",
        }
        desktop.processes.append(
            _start(
                [*_as_user(user), "sway", "--config", str(base / "sway.conf")],
                sway_env,
                logs / f"sway-{bar}.log",
            )
        )

        def sockets() -> tuple[Path, Path] | None:
            names = os.listdir(runtime)
            display = [n for n in names if re.fullmatch(r"wayland-\d+", n)]
            ipc = [n for n in names if n.startswith("sway-ipc.")]
            return (runtime / display[0], runtime / ipc[0]) if display and ipc else None

        display, ipc = wait_for("sway's sockets", sockets)
        env.update(
            WAYLAND_DISPLAY=str(display),
            SWAYSOCK=str(ipc),
            XDG_RUNTIME_DIR=str(own_runtime),
            QT_QPA_PLATFORM="wayland",
        )
        wait_for(
            "sway's output", lambda: desktop.run("swaymsg", "-t", "get_outputs").returncode == 0
        )
        if bar == "waybar":
            (base / "waybar.json").write_text(
                json.dumps({**WAYBAR_CONFIG, **(waybar_modules or {})})
            )
            (base / "waybar.css").write_text(
                "* { font-family: sans-serif; font-size: 13px; }"
                " window#waybar { background: #202020; color: #ffffff; }\n" + waybar_css
            )
            desktop.processes.append(
                _start(
                    [*_as_user(None if waybar_as_app_user else user), "waybar",
                     "-c", str(base / "waybar.json"),
                     "-s", str(base / "waybar.css")],
                    {
                        **sway_env,
                        "WAYLAND_DISPLAY": display.name,
                        "SWAYSOCK": str(ipc),
                        **(bar_env or {}),
                    },
                    logs / "waybar.log",
                )
            )  # fmt: skip
        wait_for(
            f"{bar}'s StatusNotifierWatcher on the bus",
            lambda: "true" in desktop.run(
                "dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner",
                "string:org.kde.StatusNotifierWatcher",
            ).stdout,
        )  # fmt: skip
        # The pointer exists before the app starts, so the bar has bound it by the first click.
        desktop.pointer = VirtualPointer(str(display), WIDTH, HEIGHT)
        desktop.pointer.move(WIDTH // 2, HEIGHT // 2)
        yield desktop
    finally:
        if desktop.pointer is not None:
            with suppress(OSError, RuntimeError):  # the compositor may be gone already
                desktop.pointer.close()
        for process in reversed(desktop.processes):
            process.terminate()
        for process in reversed(desktop.processes):
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        shutil.rmtree(base, ignore_errors=True)
