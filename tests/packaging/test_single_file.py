"""The Linux single file (packaging/single_file.py and its script, single-file-stub.sh) against
a small fake bundle: no PyInstaller build needed. The real one is run by packaging/smoke.py.

What is checked: the first start unpacks into $XDG_CACHE_HOME/claude-meter/<version>-<hash>/
and runs the program with the arguments, standard input, output and exit status untouched;
later starts run that copy straight away (the script is replaced by the program); a damaged
or cut-short file is refused; a new build removes the old builds' folders unless a running
program uses one; racing first starts end with one copy; with a cache that cannot be written
it runs a temporary copy, passes signals on and removes the copy.
"""

from __future__ import annotations

import io
import lzma
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.packaging import packaging_script
from tests.support.tools import require_tool

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

pytestmark = pytest.mark.skipif(
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


@pytest.fixture
def place(tmp_path: Path) -> Place:
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "LC_ALL": "C",
    }
    return Place(tmp_path, home, tmp, env)


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


SHELLS = [
    pytest.param([], id="sh"),
    pytest.param(["bash", "--posix"], id="bash", marks=pytest.mark.skipif(
        not shutil.which("bash"), reason="no bash")),
]  # fmt: skip


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
