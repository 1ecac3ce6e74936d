"""Which Claude Code is installed, from files alone: never by running ``claude``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from claude_meter.sources.claude_code_version import (
    KNOWN_VERSION,
    VersionCache,
    installed_version,
    user_agent,
)


@pytest.fixture
def tripwire(tmp_path: Path) -> Path:
    """A ``claude`` that leaves a mark if anything runs it."""
    return tmp_path / "ran"


def _program(path: Path, tripwire: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\ntouch {tripwire}\n")
    path.chmod(0o755)
    return path


def test_native_install_the_launcher_names_the_version(tmp_path: Path, tripwire: Path) -> None:
    home = tmp_path / "home"
    versions = home / ".local" / "share" / "claude" / "versions"
    for version in ("2.0.37", "2.1.96", "2.1.101"):
        _program(versions / version, tripwire)
    bin_dir = home / ".local" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "claude").symlink_to(versions / "2.1.96")  # the current one, not the newest
    assert installed_version({"PATH": str(bin_dir)}, home) == "2.1.96"
    (bin_dir / "claude").unlink()
    assert installed_version({"PATH": ""}, home) == "2.1.101"  # no launcher: the highest
    assert not tripwire.exists()


def test_npm_install_found_on_path(tmp_path: Path, tripwire: Path) -> None:
    package = tmp_path / "prefix" / "lib" / "node_modules" / "@anthropic-ai" / "claude-code"
    cli = _program(package / "cli.js", tripwire)
    (package / "package.json").write_text(json.dumps({"name": "x", "version": "2.1.88"}))
    bin_dir = tmp_path / "prefix" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "claude").symlink_to(os.path.relpath(cli, bin_dir))
    assert installed_version({"PATH": str(bin_dir)}, tmp_path / "home") == "2.1.88"
    assert not tripwire.exists()


def test_local_install_and_junk(tmp_path: Path) -> None:
    home = tmp_path / "home"
    package = home / ".claude" / "local" / "node_modules" / "@anthropic-ai" / "claude-code"
    package.mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"version": "2.1.90"}))
    assert installed_version({"PATH": ""}, home) == "2.1.90"
    (package / "package.json").write_text(json.dumps({"version": "2.1.90\r\nX-Evil: 1"}))
    assert installed_version({"PATH": ""}, home) is None  # never a header injection
    (package / "package.json").write_text("not json")
    assert installed_version({"PATH": ""}, home) is None


def test_unknown_falls_back_to_the_known_version_and_is_remembered(tmp_path: Path) -> None:
    ticks = [0.0]
    cache = VersionCache(clock=lambda: ticks[0])
    home = tmp_path / "home"
    assert cache.version({"PATH": ""}, home) == KNOWN_VERSION
    versions = home / ".local" / "share" / "claude" / "versions"
    versions.mkdir(parents=True)
    (versions / "2.1.99").write_text("")
    assert cache.version({"PATH": ""}, home) == KNOWN_VERSION  # not looked at again yet
    ticks[0] = 3601.0
    assert cache.version({"PATH": ""}, home) == "2.1.99"  # an update is seen within the hour
    assert user_agent("2.1.99") == "claude-code/2.1.99"
