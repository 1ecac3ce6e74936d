"""A private GNOME Shell for end-to-end tests: Debian's gnome-shell 43, headless, on Wayland.

``gnome-shell --headless --wayland --virtual-monitor 1280x800`` with its own session bus
(dconf for the settings, by D-Bus activation) and Debian's AppIndicator extension
(``gnome-shell-extension-appindicator``, uuid ``ubuntu-appindicators@ubuntu.com``), which is
the StatusNotifierWatcher and host GNOME users install for tray icons.

Three things a real session has and this machine does not, and what stands in:

- a system bus: GNOME Shell refuses to start without one (its login manager code connects at
  start). An empty private bus is given instead (``DBUS_SYSTEM_BUS_ADDRESS``); nothing answers
  there (no logind, polkit, accounts), which the shell logs and lives with.
- a screenshot tool: the shell answers ``org.gnome.Shell.Screenshot`` only to callers that own
  one of the names it trusts, ``org.gnome.Screenshot`` (gnome-screenshot's) among them; the
  test's connection owns that name, as gnome-screenshot would.
- a pointer: mutter's own ``org.gnome.Mutter.RemoteDesktop`` API (what gnome-remote-desktop
  uses) makes a virtual pointer; without a screen-cast stream it moves relatively only, so a
  click first pushes the pointer into the bottom-right corner, then moves to the target.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jeepney import DBusAddress, Message, message_bus, new_method_call
from jeepney.io.blocking import DBusConnection, open_dbus_connection

from tests.e2e.desktop import ARTIFACTS, NO_ACTIVATION_BUS, stop_all, wait_for
from tests.support.tools import require_tool

EXTENSION = "ubuntu-appindicators@ubuntu.com"
EXTENSION_DIR = Path("/usr/share/gnome-shell/extensions") / EXTENSION
WIDTH, HEIGHT = 1280, 800
SHELL = ("org.gnome.Shell", "/org/gnome/Shell")
REMOTE = "org.gnome.Mutter.RemoteDesktop"
BTN_LEFT = 0x110


@dataclass
class Gnome:
    env: dict[str, str]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _bus: DBusConnection | None = None
    _pointer: tuple[str, str, str] | None = None

    @property
    def bus(self) -> DBusConnection:
        if self._bus is None:
            self._bus = open_dbus_connection(self.env["DBUS_SESSION_BUS_ADDRESS"])
            # The shell's screenshot API answers only a connection owning a name it trusts.
            self._bus.send_and_get_reply(
                message_bus.RequestName("org.gnome.Screenshot"), timeout=10
            )
        return self._bus

    def call(
        self,
        dest: str,
        path: str,
        interface: str,
        member: str,
        sig: str = "",
        body: tuple[Any, ...] = (),
    ) -> tuple[Any, ...]:
        message = new_method_call(
            DBusAddress(path, bus_name=dest, interface=interface), member, sig, body
        )
        reply: Message = self.bus.send_and_get_reply(message, timeout=20)
        assert reply.header.message_type.name == "method_return", f"{member}: {reply.body}"
        return tuple(reply.body)

    def has_owner(self, name: str) -> bool:
        (owned,) = self.call(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "NameHasOwner",
            "s",
            (name,),
        )
        return bool(owned)

    def enable_extension(self) -> None:
        self.call(*SHELL, "org.gnome.Shell.Extensions", "EnableExtension", "s", (EXTENSION,))

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        path.unlink(missing_ok=True)
        name = "org.gnome.Shell.Screenshot"
        ok, _used = self.call(
            name,
            "/org/gnome/Shell/Screenshot",
            name,
            "Screenshot",
            "bbs",
            (False, False, str(path)),
        )
        assert ok, "GNOME Shell took no screenshot"
        return path

    def start_pointer(self) -> None:
        """The virtual pointer, for the whole test: while it runs the top bar shows GNOME's
        "screen is being shared" indicator, which moves the tray icons left, so it starts
        before the test looks for the icon."""
        (session,) = self.call(REMOTE, "/org/gnome/Mutter/RemoteDesktop", REMOTE, "CreateSession")
        self._pointer = (REMOTE, session, f"{REMOTE}.Session")
        self.call(*self._pointer, "Start")

    def key(self, keysym: int) -> None:
        """Press and release one key (an X keysym) on mutter's virtual keyboard."""
        assert self._pointer is not None, "start_pointer() first"
        for pressed in (True, False):
            self.call(*self._pointer, "NotifyKeyboardKeysym", "ub", (keysym, pressed))

    def click(self, x: int, y: int, *, count: int = 1) -> None:
        """``count`` left clicks at (x, y), with mutter's virtual pointer."""
        assert self._pointer is not None, "start_pointer() first"
        move = (*self._pointer, "NotifyPointerMotionRelative", "dd")
        for _ in range(40):  # into the bottom-right corner, wherever it was
            self.call(*move, (100.0, 100.0))
        steps = 40  # one long jump can be cut short at the screen's edge: small steps
        for _ in range(steps):
            self.call(*move, ((x - (WIDTH - 1)) / steps, (y - (HEIGHT - 1)) / steps))
        for _ in range(count):
            self.call(*self._pointer, "NotifyPointerButton", "ib", (BTN_LEFT, True))
            self.call(*self._pointer, "NotifyPointerButton", "ib", (BTN_LEFT, False))


def _start(argv: list[str], env: dict[str, str], **kwargs: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, **kwargs)


def _bus(argv: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    process = _start(
        [*argv, "--nofork", "--print-address=1"],
        env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    address = process.stdout.readline().decode().strip()
    process.stdout.close()
    return process, address


@contextmanager
def gnome_shell(folder: Path, *, extension: bool, log: Path) -> Iterator[Gnome]:
    """GNOME Shell on its own buses, the AppIndicator extension on or (to be turned on by the
    test) off; stopped afterwards."""
    require_tool("gnome-shell", "gnome-shell")
    require_tool("gsettings", "libglib2.0-bin")
    if not EXTENSION_DIR.is_dir():
        require_tool("the AppIndicator extension", "gnome-shell-extension-appindicator")
    home, runtime = folder / "home", folder / "run"
    home.mkdir(parents=True, exist_ok=True)
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DBUS_", "DISPLAY", "WAYLAND", "XDG_"))
    }
    env.pop("QT_QPA_PLATFORM", None)
    env.update(HOME=str(home), XDG_RUNTIME_DIR=str(runtime), XDG_CONFIG_HOME=str(home / ".config"))
    gnome = Gnome(env)
    try:
        config = folder / "system-bus.conf"
        config.write_text(NO_ACTIVATION_BUS)
        system, env["DBUS_SYSTEM_BUS_ADDRESS"] = _bus(
            ["dbus-daemon", f"--config-file={config}"], env
        )
        gnome.processes.append(system)
        session, env["DBUS_SESSION_BUS_ADDRESS"] = _bus(["dbus-daemon", "--session"], env)
        gnome.processes.append(session)
        enabled = f"['{EXTENSION}']" if extension else "[]"
        for key, value in (
            ("enabled-extensions", enabled),
            ("welcome-dialog-last-shown-version", "'999'"),
        ):
            done = subprocess.run(
                ["gsettings", "set", "org.gnome.shell", key, value],
                env=env, capture_output=True, text=True, timeout=30, check=False,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
        display = f"wayland-cm-{os.getpid()}"
        with log.open("wb") as out:
            shell = _start(
                ["gnome-shell", "--headless", "--wayland", "--no-x11",
                 f"--virtual-monitor={WIDTH}x{HEIGHT}", f"--wayland-display={display}"],
                env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        gnome.processes.append(shell)
        env["WAYLAND_DISPLAY"] = display
        wait_for(
            "GNOME Shell on the bus",
            lambda: shell.poll() is None and gnome.has_owner("org.gnome.Shell"),
            60,
        )
        wait_for(
            "GNOME Shell started",
            lambda: "GNOME Shell started" in log.read_text(errors="replace"),
            60,
        )
        if extension:
            wait_for(
                "the AppIndicator watcher", lambda: gnome.has_owner("org.kde.StatusNotifierWatcher")
            )
        yield gnome
    finally:
        if gnome._bus is not None:
            gnome._bus.close()
        stop_all(gnome.processes, timeout=10)
