"""``claude-meter autostart on|off|status``: the same switch as the settings window's.

Both go through :func:`claude_meter.platform.autostart.pick`, and the OS entry is the only
record of the choice, so they cannot disagree. Exit status 0, or 1 when the entry cannot be
written (a read-only folder, a policy-locked registry key).
"""

from __future__ import annotations

from typing import TextIO

from claude_meter.platform.autostart import Autostart, AutostartStatus, launch_command, pick

OK = 0
FAILED = 1


def describe(status: AutostartStatus) -> str:
    if status.enabled:
        return f"Autostart is on: {status.where}\n  starts: {status.command}"
    return f"Autostart is off ({status.where} does not exist or is disabled)."


def run_autostart(
    action: str,
    *,
    out: TextIO,
    err: TextIO,
    backend: Autostart | None = None,
    argv: list[str] | None = None,
) -> int:
    backend = backend or pick()
    try:
        if action == "on":
            status = backend.enable(argv or launch_command())
        elif action == "off":
            status = backend.disable()
        else:
            status = backend.status()
    except OSError as exc:
        print(f"claude-meter: could not change autostart: {exc.strerror or exc}", file=err)
        return FAILED
    print(describe(status), file=out)
    return OK
