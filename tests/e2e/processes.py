"""Private D-Bus sessions, keyring daemons and fake claude.ai processes for the end-to-end
tests, the smoke test and the benchmarks, always torn down."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from tests.support.tools import require_tool


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)


@contextlib.contextmanager
def private_dbus(runtime: Path) -> Iterator[str]:
    """A D-Bus session bus of our own; yields its address and kills it afterwards."""
    dbus_daemon = require_tool("dbus-daemon", "dbus")
    runtime.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [dbus_daemon, "--session", "--fork", "--print-address=1", "--print-pid=1",
         f"--address=unix:dir={runtime}"],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    address, pid = done.stdout.split()[:2]
    try:
        yield address
    finally:
        _kill(int(pid))


@contextlib.contextmanager
def gnome_keyring(address: str, env: dict[str, str], *, unlock: bool = True) -> Iterator[None]:
    """gnome-keyring's Secret Service on ``address``, its login collection unlocked; with
    ``unlock=False`` it has no collection at all, as on a desktop that never made one."""
    daemon = require_tool("gnome-keyring-daemon", "gnome-keyring")
    proc = subprocess.Popen(
        [daemon, *(["--unlock"] if unlock else []), "--components=secrets", "--foreground"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**env, "DBUS_SESSION_BUS_ADDRESS": address},
    )
    try:
        assert proc.stdin is not None
        if unlock:
            proc.stdin.write(b"unlock-the-test-keyring")
        proc.stdin.close()
        wait_until(lambda: _owns_secrets(address, env), 20, "gnome-keyring on the private bus")
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _owns_secrets(address: str, env: dict[str, str]) -> bool:
    done = subprocess.run(
        ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
         "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner",
         "string:org.freedesktop.secrets"],
        capture_output=True, text=True, timeout=10, check=False,
        env={**env, "DBUS_SESSION_BUS_ADDRESS": address},
    )  # fmt: skip
    return "boolean true" in done.stdout


@contextlib.contextmanager
def fake_claude_process(argv: list[str], env: dict[str, str] | None = None) -> Iterator[str]:
    """``claude-meter fake-server ...`` (``argv``) as its own process; yields its base URL."""
    with _fake_claude(argv, env) as (base_url, _):
        yield base_url


@contextlib.contextmanager
def fake_claude_tls_process(
    argv: list[str], env: dict[str, str] | None = None
) -> Iterator[tuple[str, str]]:
    """The same with ``--tls`` in ``argv``: yields the base URL and the certificate's file."""
    with _fake_claude(argv, env) as (base_url, cert):
        if cert is None:
            raise AssertionError(f"the fake server ({argv[0]}) named no HTTPS certificate")
        yield base_url, cert


@contextlib.contextmanager
def _fake_claude(argv: list[str], env: dict[str, str] | None) -> Iterator[tuple[str, str | None]]:
    server = subprocess.Popen(
        argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        found = re.search(r"at (https?://\S+)\.", server.stdout.readline())
        if found is None:
            raise AssertionError(f"the fake server ({argv[0]}) did not say where it listens")
        cert = None
        if found.group(1).startswith("https://"):  # the certificate's line ends what it prints
            for line in server.stdout:
                named = re.search(r"HTTPS certificate: (.+)\)", line)
                if named:
                    cert = named.group(1)
                    break
        yield found.group(1), cert
    finally:
        server.terminate()
        server.wait(10)
        if server.stdout is not None:
            server.stdout.close()  # else a ResourceWarning, an error under the tests' settings
