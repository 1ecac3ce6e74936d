"""The Linux single file (packaging/single_file.py and its script, single-file-stub.sh) against
a small fake bundle: no PyInstaller build needed. The real one is run by packaging/smoke.py.

What is checked here: the first start unpacks into $XDG_CACHE_HOME/claude-meter/<version>-<hash>/
and runs the program with the arguments, standard input, output and exit status untouched;
later starts run that copy straight away (the script is replaced by the program); a damaged
or cut-short file is refused; a new build removes the old builds' folders unless a running
program uses one; racing first starts end with one copy. Without a usable cache, and the file's
own layout: test_single_file_copies.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.packaging.single_file_support import (
    KEY,
    LINUX_WITH_XZ,
    SHELLS,
    Place,
    fake_bundle,
    field,
    make,
    run,
    with_stand_in,
)

pytestmark = LINUX_WITH_XZ


# --- the cache ----------------------------------------------------------------------------


@pytest.mark.parametrize("shell", SHELLS)
def test_first_start_unpacks_once_then_runs_the_copy(place: Place, shell: list[str]) -> None:
    single = make(place.root)
    first = run([*shell, single, "a b", "", "--json"], place, env={**place.env, "FAKE_EXIT": "3"})
    assert first.returncode == 3
    assert first.stdout.startswith("argv: [a b] [] [--json]\n")
    assert first.stderr == ""  # quiet: `status --json` and `--version` print only their own
    (key,) = place.cached()
    assert KEY.match(key)
    copy = place.cache / key
    assert field(first.stdout, "from") == str(copy)
    assert field(first.stdout, "single") == str(single)
    assert (copy / ".complete").is_file()
    assert (copy / "claude-meter" / "_internal" / "link").is_symlink()
    assert oct(copy.stat().st_mode & 0o777) == "0o700"
    assert place.temporary() == []

    later = run([*shell, single, "stdin"], place, stdin="typed\n")
    assert later.returncode == 0
    assert later.stdout.endswith("typed\n")
    assert later.stderr == ""
    assert field(later.stdout, "from") == str(copy)
    assert place.cached() == [key]


def test_a_later_start_is_the_program_itself(place: Place) -> None:
    """exec: the program gets the script's process (signals, terminal, exit status)."""
    single = make(place.root)
    run([single], place)
    started = subprocess.Popen(
        [str(single)], env=place.env, stdout=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL
    )
    out, _ = started.communicate(timeout=30)
    assert field(out, "pid") == str(started.pid)


def test_a_later_start_does_not_read_the_archive(place: Place) -> None:
    single = make(place.root)
    assert run([single], place).returncode == 0
    header_end = single.read_bytes().index(b"\nexit 1\n") + len(b"\nexit 1\n")
    with single.open("r+b") as damaged:  # zeros over the archive: only a new unpack would see
        damaged.seek(header_end + 100)
        damaged.write(bytes(1000))
    assert run([single, "again"], place).returncode == 0


def test_the_cache_follows_xdg_cache_home_and_ignores_a_relative_one(place: Place) -> None:
    single = make(place.root)
    elsewhere = place.root / "xdg-cache"
    moved = run([single], place, env={**place.env, "XDG_CACHE_HOME": str(elsewhere)})
    assert field(moved.stdout, "from").startswith(f"{elsewhere}/claude-meter/")
    relative = run([single], place, env={**place.env, "XDG_CACHE_HOME": "rel/cache"})
    assert field(relative.stdout, "from").startswith(f"{place.cache}/")


def test_the_program_is_told_the_single_file_path_as_started(place: Place) -> None:
    single = make(place.root)
    link = place.root / "bin" / "claude-meter"
    link.parent.mkdir()
    link.symlink_to(single)
    by_link = run([link], place)
    assert field(by_link.stdout, "single") == str(link)
    relative = run(["./cm"], place, cwd=place.root)
    assert field(relative.stdout, "single") == str(single)


# --- damage ---------------------------------------------------------------------------------


def test_a_damaged_file_is_refused_and_leaves_nothing(place: Place) -> None:
    single = make(place.root)
    data = bytearray(single.read_bytes())
    data[-500] ^= 0xFF
    single.write_bytes(bytes(data))
    done = run([single, "--version"], place)
    assert done.returncode == 1
    assert "damaged or incomplete: download it again" in done.stderr
    assert done.stdout == ""
    assert place.cached() == []
    assert place.temporary() == []


def test_a_cut_short_download_is_refused(place: Place) -> None:
    single = make(place.root)
    data = single.read_bytes()
    single.write_bytes(data[: len(data) // 2])
    done = run([single], place)
    assert done.returncode == 1
    assert "damaged or incomplete" in done.stderr
    assert place.cached() == []


def test_a_copy_damaged_since_is_replaced(place: Place) -> None:
    single = make(place.root)
    run([single], place)
    (key,) = place.cached()
    (place.cache / key / "claude-meter" / "claude-meter").unlink()
    again = run([single], place)
    assert again.returncode == 0
    assert field(again.stdout, "from") == str(place.cache / key)
    assert place.cached() == [key]  # the damaged copy was set aside, then removed


def test_without_xz_it_says_what_is_missing(place: Place) -> None:
    single = make(place.root)
    tools = place.root / "tools"
    tools.mkdir()
    for tool in ("tail", "tar", "mktemp", "sha256sum", "mkdir", "mv", "rm", "ls", "sh"):
        found = shutil.which(tool)
        assert found
        (tools / tool).symlink_to(found)
    done = run(["/bin/sh", single], place, env={**place.env, "PATH": str(tools)})
    assert done.returncode == 1
    assert "unpacking needs 'xz'" in done.stderr


# --- builds come and go ---------------------------------------------------------------------


def test_a_new_build_removes_the_old_builds_and_stale_leftovers(place: Place) -> None:
    old = make(place.root, "old")
    run([old], place)
    (old_key,) = place.cached()
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = place.cache / f".unpacking.{dead.pid}.abcdef"
    busy = place.cache / f".unpacking.{os.getpid()}.abcdef"  # a start still unpacking
    for folder in (stale, busy):
        (folder / "claude-meter").mkdir(parents=True)
    (place.cache / "notes-not-ours").mkdir()
    (place.cache / "0.0.9-not-a-hash!").mkdir()

    new = make(place.root, "new")
    assert run([new], place).returncode == 0
    left = place.cached()
    assert old_key not in left
    assert stale.name not in left
    assert busy.name in left
    assert "notes-not-ours" in left
    assert "0.0.9-not-a-hash!" in left
    assert len([name for name in left if KEY.match(name)]) == 1


def test_an_old_build_in_use_is_kept(place: Place) -> None:
    # A real executable as the old build's program, so /proc/<pid>/exe names the copy.
    sleep = shutil.which("sleep")
    assert sleep
    bundle = fake_bundle(place.root, "sleeper")
    (bundle / "claude-meter").unlink()
    shutil.copy(sleep, bundle / "claude-meter")
    old = make(place.root, "old", bundle=bundle)
    running = subprocess.Popen([str(old), "30"], env=place.env)
    try:
        deadline = time.monotonic() + 20
        while not [n for n in place.cached() if KEY.match(n)] and time.monotonic() < deadline:
            time.sleep(0.05)  # (a temporary .unpacking folder comes first)
        (old_key,) = place.cached()
        program = place.cache / old_key / "claude-meter" / "claude-meter"
        while Path(f"/proc/{running.pid}/exe").resolve() != program:
            assert time.monotonic() < deadline, "the old build did not start"
            time.sleep(0.05)

        assert run([make(place.root, "new")], place).returncode == 0
        assert old_key in place.cached()
    finally:
        running.terminate()
        running.wait(10)
    assert run([make(place.root, "newer")], place).returncode == 0
    assert len(place.cached()) == 1
    assert old_key not in place.cached()


# --- races ----------------------------------------------------------------------------------


def test_a_start_that_loses_the_race_uses_the_winners_copy(place: Place) -> None:
    """Another start renames its copy into place between this one's unpack and its rename
    (played by an `mv` that first puts a copy there)."""
    single = make(place.root)
    env = with_stand_in(
        place,
        "mv",
        '[ "$1" = -T ] && cp -a "$2" "$3.winner" && touch "$3.winner/won" && '
        '{real} -T "$3.winner" "$3"\n'
        'exec {real} "$@"\n',
    )
    done = run([single], place, env=env)
    assert done.returncode == 0, done.stderr
    (key,) = place.cached()
    assert field(done.stdout, "from") == str(place.cache / key)
    assert (place.cache / key / "won").is_file()  # the other start's copy, this one's removed
    assert place.temporary() == []


def test_racing_first_starts_all_run_and_leave_one_copy(place: Place) -> None:
    single = make(place.root)
    starts = [
        subprocess.Popen(
            [str(single), str(n)], env=place.env, stdout=subprocess.PIPE, text=True,
            stdin=subprocess.DEVNULL,
        )
        for n in range(4)
    ]  # fmt: skip
    outputs = [start.communicate(timeout=60)[0] for start in starts]
    assert [start.returncode for start in starts] == [0, 0, 0, 0]
    assert len(place.cached()) == 1
    for n, out in enumerate(outputs):
        assert out.startswith(f"argv: [{n}]\n")
        # each ran from the copy in the cache, or from its own copy about to be removed
        assert field(out, "from").startswith(str(place.cache))
    assert place.temporary() == []
