"""``claude-meter statusline --install`` / ``--uninstall``: Claude Code's ``statusLine`` setting.

The settings file is ``$CLAUDE_CONFIG_DIR/settings.json``, else ``~/.claude/settings.json``.
Install copies it to ``settings.json.claude-meter-backup`` first (once: an older backup is
kept, it is the person's own), then changes only the ``statusLine`` key, and remembers its
previous value in ``statusline-previous.json`` in ClaudeMeter's state folder. An existing
status line command is **chained**: ours becomes ``claude-meter statusline --then 'OLD'``,
which prints our line, then the old command's first line, run with the same JSON on its
standard input (one second at most). Uninstall puts the remembered value back (or removes
the key when there was none), only if the key still holds our command. A settings file that
is not valid JSON is never touched.
"""

from __future__ import annotations

import json
import shlex
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, TextIO

from claude_meter.core import json_input
from claude_meter.core.files import write_atomically

BACKUP_SUFFIX: Final = ".claude-meter-backup"
PREVIOUS_FILE: Final = "statusline-previous.json"
MARK: Final = "statusline"


def settings_path(env: Mapping[str, str]) -> Path:
    config = env.get("CLAUDE_CONFIG_DIR", "").strip()
    return (Path(config).expanduser() if config else Path.home() / ".claude") / "settings.json"


def our_command(previous: str | None = None) -> str:
    """The command Claude Code runs: this installation's ``claude-meter statusline``."""
    program = shutil.which("claude-meter")
    base = shlex.quote(program) if program else f"{shlex.quote(sys.executable)} -m claude_meter"
    command = f"{base} {MARK}"
    return f"{command} --then {shlex.quote(previous)}" if previous else command


def is_ours(value: object) -> bool:
    command = value.get("command") if isinstance(value, dict) else None
    return isinstance(command, str) and "claude" in command and f" {MARK}" in command


def run_install_command(
    argv: list[str], *, out: TextIO, err: TextIO, env: Mapping[str, str]
) -> int:
    from claude_meter.core.paths import state_dir

    if "--install" in argv and "--uninstall" in argv:
        print("claude-meter: choose --install or --uninstall, not both", file=err)
        return 1
    path = settings_path(env)
    remembered = state_dir() / PREVIOUS_FILE
    try:
        if "--uninstall" in argv:
            print(uninstall(path, remembered), file=out)
        else:
            print(install(path, remembered), file=out)
    except InstallError as exc:
        print(f"claude-meter: {exc}", file=err)
        return 1
    return 0


class InstallError(Exception):
    """Why the settings were left as they were, in the person's words."""


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError:
        raise InstallError(f"{path} is not UTF-8 text; nothing was changed") from None
    except OSError as exc:  # the system's words, not Python's "[Errno 13] ...: '<path>'"
        why = exc.strerror or type(exc).__name__
        raise InstallError(
            f"cannot read {path} ({why}); nothing was changed: make it readable for you, then "
            "run the command again"
        ) from None
    try:
        data = json_input.loads(text) if text.strip() else {}
    except json_input.NotJson as exc:
        raise InstallError(
            f"{path} is {json_input.not_valid(exc)}; fix it in an editor, nothing was changed"
        ) from None
    if not isinstance(data, dict):
        raise InstallError(f"{path} is not a JSON object; nothing was changed")
    return data


def _write(path: Path, data: dict[str, Any]) -> None:
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    write_atomically(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n", mode=mode)


def install(path: Path, remembered: Path) -> str:
    settings = _read(path)
    current = settings.get("statusLine")
    if is_ours(current):
        return f"the ClaudeMeter status line is already in {path}"
    backup = path.with_name(path.name + BACKUP_SUFFIX)
    if path.exists() and not backup.exists():
        shutil.copy2(path, backup)
    previous = current.get("command") if isinstance(current, dict) else None
    write_atomically(remembered, json.dumps({"settings": str(path), "statusLine": current}))
    settings["statusLine"] = {
        "type": "command",
        "command": our_command(previous if isinstance(previous, str) else None),
        "padding": 0,
    }
    _write(path, settings)
    chained = f"; your previous command runs after it: {previous}" if previous else ""
    return f"ClaudeMeter's status line is in {path} (backup: {backup.name}){chained}"


def uninstall(path: Path, remembered: Path) -> str:
    settings = _read(path)
    if not is_ours(settings.get("statusLine")):
        return f"{path} has no ClaudeMeter status line; nothing was changed"
    try:
        previous = json_input.loads(remembered.read_text(encoding="utf-8")).get("statusLine")
    except (OSError, ValueError, AttributeError):
        previous = None
    if isinstance(previous, dict):
        settings["statusLine"] = previous
        said = "your previous status line is back"
    else:
        settings.pop("statusLine", None)
        said = "the statusLine setting is removed"
    _write(path, settings)
    remembered.unlink(missing_ok=True)
    return f"ClaudeMeter's status line is out of {path}: {said}"


def run_chained(command: str, payload: bytes, env: Mapping[str, str]) -> str:
    """The person's previous status line command, with the same JSON; its first line, or
    nothing when it fails or takes more than a second."""
    import subprocess

    try:
        done = subprocess.run(  # noqa: S602 - the person's own command from their settings
            command,
            shell=True,
            input=payload,
            capture_output=True,
            timeout=1.0,
            env=dict(env),
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    return lines[0].strip() if lines else ""
