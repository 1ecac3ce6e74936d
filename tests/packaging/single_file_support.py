"""What the single file's tests share: a fake bundle, the places it runs in, how to run it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.packaging import packaging_script

ROOT = Path(__file__).resolve().parents[2]
KEY = re.compile(r"^0\.1\.0-[0-9a-f]{16}$")

FAKE_PROGRAM = r"""#!/bin/sh
printf 'argv:'; for a in "$@"; do printf ' [%s]' "$a"; done; echo
echo "pid=$$"
echo "single=${CLAUDE_METER_SINGLE_FILE-}"
echo "from=$(cd "$(dirname "$0")/.." && pwd)"
case ${1-} in
    stdin) cat ;;
    sleep)
        trap 'echo got TERM; exit 7' TERM
        echo ready
        while :; do sleep 0.05; done
        ;;
esac
exit "${FAKE_EXIT:-0}"
"""
#: The single file is Linux-only and unpacks with xz.
LINUX_WITH_XZ = pytest.mark.skipif(
    not (sys.platform.startswith("linux") and shutil.which("xz")),
    reason="the Linux single file needs Linux and xz",
)

single_file = packaging_script("single_file")


@dataclass
class Place:
    root: Path
    home: Path
    tmp: Path
    env: dict[str, str]

    @property
    def cache(self) -> Path:
        return self.home / ".cache" / "claude-meter"

    def cached(self) -> list[str]:
        return sorted(p.name for p in self.cache.iterdir()) if self.cache.is_dir() else []

    def temporary(self) -> list[str]:
        return sorted(p.name for p in self.tmp.iterdir())


def fake_bundle(root: Path, name: str = "bundle", *, program: str = FAKE_PROGRAM) -> Path:
    folder = root / name / "claude-meter"
    (folder / "_internal").mkdir(parents=True)
    (folder / "claude-meter").write_text(program)
    (folder / "claude-meter").chmod(0o755)
    (folder / "_internal" / "data").write_bytes(os.urandom(50_000))  # a new hash each time
    (folder / "_internal" / "link").symlink_to("data")
    return folder


def make(root: Path, name: str = "cm", *, bundle: Path | None = None) -> Path:
    folder = bundle or fake_bundle(root, f"bundle-{name}")
    made = single_file.build(folder, root / name, version="0.1.0")
    return Path(made.path)


def run(
    argv: Sequence[str | Path],
    place: Place,
    *,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in argv],
        env=env if env is not None else place.env,
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        check=False,
    )


def field(output: str, name: str) -> str:
    match = re.search(rf"^{name}=(.*)$", output, re.MULTILINE)
    assert match, output
    return match.group(1)


def with_stand_in(place: Place, name: str, script: str) -> dict[str, str]:
    """``place``'s environment with a shell-script stand-in for the command ``name`` first on
    PATH; ``script`` (after ``#!/bin/sh``) calls the real one as ``{real}``."""
    real = shutil.which(name)
    assert real
    tools = place.root / f"{name}-stand-in"
    tools.mkdir()
    (tools / name).write_text("#!/bin/sh\n" + script.replace("{real}", f'"{real}"'))
    (tools / name).chmod(0o755)
    return {**place.env, "PATH": f"{tools}:{place.env['PATH']}"}


SHELLS = [
    pytest.param([], id="sh"),
    pytest.param(["bash", "--posix"], id="bash", marks=pytest.mark.skipif(
        not shutil.which("bash"), reason="no bash")),
]  # fmt: skip
