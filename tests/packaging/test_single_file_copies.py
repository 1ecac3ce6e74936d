"""The Linux single file without a usable cache, and the file itself (see test_single_file.py).

With a cache that cannot be written it runs a temporary copy, passes signals on and removes the
copy; the file is the script followed by the archive, and the script passes shellcheck.
"""

from __future__ import annotations

import io
import lzma
import os
import re
import signal
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.packaging.single_file_support import (
    LINUX_WITH_XZ,
    ROOT,
    Place,
    fake_bundle,
    field,
    make,
    run,
    single_file,
    with_stand_in,
)
from tests.support.tools import require_tool

pytestmark = LINUX_WITH_XZ


# --- no usable cache ------------------------------------------------------------------------


def unusable_cache(place: Place) -> dict[str, str]:
    """A cache folder that cannot be made (the tests run as root, so no read-only mode)."""
    blocker = place.root / "a-file"
    blocker.write_text("")
    return {**place.env, "XDG_CACHE_HOME": str(blocker / "cache")}


def test_an_unusable_cache_runs_a_temporary_copy_and_removes_it(place: Place) -> None:
    single = make(place.root)
    env = unusable_cache(place)
    done = run([single, "stdin"], place, env={**env, "FAKE_EXIT": "4"}, stdin="typed\n")
    assert done.returncode == 4
    assert done.stdout.endswith("typed\n")
    assert field(done.stdout, "from").startswith(f"{place.tmp}/claude-meter.")
    assert field(done.stdout, "single") == str(single)
    assert "using a temporary copy for this run" in done.stderr
    assert place.temporary() == []


def test_a_full_cache_runs_a_temporary_copy_and_leaves_nothing(place: Place) -> None:
    """Unpacking into the cache fails part way (played by a `tar` that fails there)."""
    single = make(place.root)
    env = with_stand_in(
        place,
        "tar",
        f'case "$*" in *"{place.cache}"*) '
        'echo "tar: No space left on device" >&2; exit 2;; esac\n'
        'exec {real} "$@"\n',
    )
    done = run([single], place, env=env)
    assert done.returncode == 0
    assert field(done.stdout, "from").startswith(f"{place.tmp}/claude-meter.")
    assert place.cached() == []
    assert place.temporary() == []


def test_without_home_it_runs_a_temporary_copy_quietly(place: Place) -> None:
    single = make(place.root)
    env = {k: v for k, v in place.env.items() if k != "HOME"}
    done = run([single], place, env=env)
    assert done.returncode == 0
    assert done.stderr == ""
    assert field(done.stdout, "from").startswith(f"{place.tmp}/claude-meter.")
    assert place.temporary() == []


@pytest.fixture
def sleeping_temporary_copy(place: Place) -> Iterator[subprocess.Popen[str]]:
    single = make(place.root)
    started = subprocess.Popen(
        [str(single), "sleep"],
        env=unusable_cache(place),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    assert started.stdout is not None
    for line in started.stdout:
        if line == "ready\n":
            break
    yield started
    if started.poll() is None:
        os.killpg(started.pid, signal.SIGKILL)
        started.wait(5)


@pytest.mark.parametrize(
    "stop",
    [
        pytest.param(lambda p: p.send_signal(signal.SIGTERM), id="SIGTERM to the script"),
        pytest.param(lambda p: os.killpg(p.pid, signal.SIGINT), id="Ctrl-C"),
    ],
)
def test_a_temporary_copy_passes_signals_on_and_is_removed(
    place: Place, sleeping_temporary_copy: subprocess.Popen[str], stop: object
) -> None:
    assert len(place.temporary()) == 1
    assert callable(stop)
    stop(sleeping_temporary_copy)
    out, _ = sleeping_temporary_copy.communicate(timeout=20)
    assert "got TERM" in out
    assert sleeping_temporary_copy.returncode == 7
    assert place.temporary() == []


# --- the file itself ------------------------------------------------------------------------


def test_the_file_is_the_script_then_the_archive(place: Place) -> None:
    folder = fake_bundle(place.root)
    made = single_file.build(folder, place.root / "cm", version="1.2.3")
    data = Path(made.path).read_bytes()
    assert len(data) == made.size
    script = data[: made.header_size].decode()
    assert script.startswith("#!/bin/sh\n")
    assert not re.search(r"@[A-Z0-9]+@", script)  # every placeholder filled
    assert f"payload_size={made.payload_size}\n" in script
    assert f"key='{made.key}'\n" in script
    assert script.endswith("\nexit 1\n")
    assert made.key.startswith("1.2.3-")
    assert made.key.endswith(made.sha256[:16])
    payload = data[made.header_size :]
    assert payload.startswith(b"\xfd7zXZ\x00")
    assert oct(Path(made.path).stat().st_mode & 0o777) == "0o755"
    syntax = subprocess.run(["sh", "-n"], input=script, text=True, capture_output=True, check=False)
    assert syntax.returncode == 0, syntax.stderr


def test_the_archive_is_sorted_owned_by_root_and_ends_with_the_marker(place: Place) -> None:
    folder = fake_bundle(place.root)
    made = single_file.build(folder, place.root / "cm", version="1.2.3", mtime=1_700_000_000)
    payload = Path(made.path).read_bytes()[made.header_size :]
    with tarfile.open(fileobj=io.BytesIO(lzma.decompress(payload))) as archive:
        members = archive.getmembers()
    names = [m.name for m in members]
    assert names[-1] == ".complete"
    assert names == [
        "claude-meter",
        "claude-meter/claude-meter",
        "claude-meter/_internal",
        "claude-meter/_internal/data",
        "claude-meter/_internal/link",
        ".complete",
    ]
    assert {(m.uid, m.gid, m.uname) for m in members} == {(0, 0, "root")}
    assert max(m.mtime for m in members) <= 1_700_000_000
    program = next(m for m in members if m.name == "claude-meter/claude-meter")
    assert program.mode & 0o111


@pytest.mark.parametrize("version", ["1.0'; rm -rf ~; '", "1.0 2", "$(id)", ""])
def test_a_version_the_script_cannot_hold_safely_is_refused(place: Place, version: str) -> None:
    with pytest.raises(ValueError, match="unsafe version"):
        single_file.header(version=version, key="k", sha256="0" * 64, size=1, program="a/a")


def test_the_script_passes_shellcheck() -> None:
    shellcheck = require_tool("shellcheck")
    done = subprocess.run(
        [shellcheck, "--shell=sh", str(ROOT / "packaging" / "single-file-stub.sh")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout
