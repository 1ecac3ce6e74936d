"""Which Claude Code is installed here, learned from files alone, for the ``User-Agent``.

``api.anthropic.com/api/oauth/usage`` sorts requests into rate-limit buckets by
``User-Agent``: one that does not read ``claude-code/<version>`` lands in a bucket of about
one request an hour (docs/protocol.md, "Claude Code route"). So the Claude Code route says it
is the Claude Code installed on this machine, whose token it carries.

How the version is learned, cheaply (a few ``stat`` calls and at most one small JSON file; the
``claude`` program is never run):

1. the native installer keeps each version as a file named by it under
   ``~/.local/share/claude/versions/`` and points ``~/.local/bin/claude`` at the current one:
   the link's target names the version; without the link, the highest version there;
2. an npm install (``npm i -g``, or ``claude migrate-installer``'s ``~/.claude/local``) has
   ``@anthropic-ai/claude-code/package.json`` next to the ``claude`` found on ``PATH`` (or
   under ``~/.claude/local``), whose ``version`` it is;
3. otherwise :data:`KNOWN_VERSION`, a recent release, kept here and nowhere else.

The answer is remembered for :data:`RECHECK_SECONDS`, so a polling app looks at the disk
about once an hour and notices an update of Claude Code without a restart.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final

from claude_meter.core import json_input

#: A recent Claude Code release, sent when the installed one cannot be learned.
KNOWN_VERSION: Final = "2.1.96"
RECHECK_SECONDS: Final = 3600.0
_VERSION: Final = re.compile(r"^\d{1,4}\.\d{1,4}\.\d{1,6}$")
_PACKAGE: Final = Path("node_modules", "@anthropic-ai", "claude-code", "package.json")


def user_agent(version: str) -> str:
    """``claude-code/2.1.96``: what Claude Code itself sends to the usage endpoint."""
    return f"claude-code/{version}"


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _native(home: Path) -> str | None:
    versions = home / ".local" / "share" / "claude" / "versions"
    for launcher in (home / ".local" / "bin" / "claude", home / ".local" / "bin" / "claude.exe"):
        try:
            target = Path(os.readlink(launcher))
        except (OSError, ValueError):
            continue
        name = target.name.removesuffix(".exe")
        if _VERSION.match(name):
            return name
    try:
        names = [entry.name.removesuffix(".exe") for entry in os.scandir(versions)]
    except OSError:
        return None
    found = [name for name in names if _VERSION.match(name)]
    return max(found, key=_key) if found else None


def _package_version(path: Path) -> str | None:
    try:
        if path.stat().st_size > 65536:
            return None
        data = json_input.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # json_input.NotJson is a ValueError
        return None
    version = data.get("version") if isinstance(data, dict) else None
    return version if isinstance(version, str) and _VERSION.match(version) else None


def _on_path(home: Path, env: Mapping[str, str]) -> str | None:
    """The ``claude`` on ``PATH``, followed through its links: a native version file, or an
    npm package's ``cli.js`` beside its ``package.json``; then ``~/.claude/local``'s package."""
    places = [home / ".claude" / "local" / _PACKAGE]
    found = shutil.which("claude", path=env.get("PATH"))
    try:
        program = Path(found).resolve() if found is not None else None
    except (OSError, RuntimeError):  # a link loop
        program = None
    if program is not None:
        name = program.name.removesuffix(".exe")
        if _VERSION.match(name):
            return name
        if program.parent.name == "claude-code":
            places.insert(0, program.parent / "package.json")
    for place in places:
        version = _package_version(place)
        if version is not None:
            return version
    return None


def installed_version(env: Mapping[str, str], home: Path) -> str | None:
    """The version of the Claude Code installed for this person, or None when not found."""
    return _native(home) or _on_path(home, env)


class VersionCache:
    """The installed version, looked up at most once per :data:`RECHECK_SECONDS`."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._entry: tuple[float, Path, str] | None = None

    def version(self, env: Mapping[str, str], home: Path) -> str:
        with self._lock:
            entry = self._entry
            if entry is not None and entry[1] == home and self._clock() < entry[0]:
                return entry[2]
        version = installed_version(env, home) or KNOWN_VERSION
        with self._lock:
            self._entry = (self._clock() + RECHECK_SECONDS, home, version)
        return version


_cache = VersionCache()


def claude_code_user_agent(env: Mapping[str, str], home: Path) -> str:
    """The ``User-Agent`` of every request to api.anthropic.com."""
    return user_agent(_cache.version(env, home))
