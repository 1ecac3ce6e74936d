"""The Linux bundles people download: size, and start to first drawn snapshot.

Method. Measures what ``bash packaging/build-linux`` left in ``packaging/build/dist/`` (build
it first): the single file's size and the folder bundle's size on disk; then, on a private
desktop (Xvfb, a session D-Bus, trayer, dunst: the one the end-to-end tests use), three things,
each with a fresh home per start and the programs started in turn, one of each per round, so a
load that comes and goes on the machine falls on all of them:

- the demo, as the issue's target is set: the time from spawning ``<program> --demo --debug``
  to its "snapshot drawn" log line, through ``packaging/smoke.py``'s own start routine (which
  also checks the icon, a clean quit and that nothing is left behind). The single file's first
  start unpacks it into an empty cache; the ``--starts`` after it use that copy;
- the tray as a signed-in person runs it, which is what compares the bundles with a pip
  install (the demo's start has costs of its own): ``<program> --debug`` with the session in
  ``CLAUDE_METER_COOKIE`` and the keyring turned off, against a fake claude.ai in its own
  process (``tray_start_ab.py``'s set-up), for the single file, the folder bundle and this
  checkout's pip-installed ``claude-meter`` (``.venv``); the first round is not counted. Wall
  time to "snapshot drawn" and the CPU time the process had used by then (the sum over its
  threads of ``/proc/<pid>/task/*/schedstat``: on a shared machine, less at the mercy of the
  load than the wall time);
- a command that starts and exits: the CPU time of ``statusline`` (Claude Code runs it every
  few seconds), measured with ``getrusage`` over ``--runs`` runs of each program.

``--compare DIST`` adds an older build (a copy of ``packaging/build/dist``) to the signed-in
starts and the ``statusline`` runs, in the same rounds: a before/after from one run. Medians,
with every figure listed.

Run: ``bash packaging/build-linux && .venv/bin/python benchmarks/bundle_bench.py``. Targets
(issue 8): the single file at most 60 MB; its start to first drawn snapshot within 1.5 s.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.desktop import Desktop, private_desktop  # noqa: E402
from tests.e2e.processes import fake_claude_process  # noqa: E402
from tests.support.packaging import packaging_script  # noqa: E402

from benchmarks.results import Row, measure_as_installed, record  # noqa: E402

DIST = ROOT / "packaging" / "build" / "dist"
PIP_PROGRAM = Path(sys.executable).with_name("claude-meter")
SIZE_TARGET_MB = 60.0
START_TARGET = 1.5


@dataclass
class Program:
    """One program to start, what it measured, and the cache its single file unpacks into."""

    label: str
    path: Path
    cache: Path | None = None
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    statusline_ms: list[float] = field(default_factory=list)


def bundles(dist: Path) -> tuple[Path, Path] | None:
    singles = sorted(dist.glob("claude-meter-linux-*"))
    folder = dist / "claude-meter" / "claude-meter"
    return (singles[0], folder) if singles and folder.exists() else None


def cpu_seconds(pid: int) -> float:
    """CPU time of every thread of ``pid`` so far (nanoseconds in schedstat)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


def signed_in_start(
    smoke: object, desktop: Desktop, program: Program, home: Path, base_url: str
) -> tuple[float, float]:
    """``program --debug`` signed in against the fake claude.ai: seconds from spawn to
    "snapshot drawn" and CPU seconds used by then; checks a clean quit."""
    home.mkdir()
    env = smoke._isolated_env(home, desktop.env, cache=program.cache)  # type: ignore[attr-defined]
    runtime = home / "run"
    runtime.mkdir(mode=0o700)
    env.update(
        XDG_RUNTIME_DIR=str(runtime),
        CLAUDE_METER_BASE_URL=base_url,
        CLAUDE_METER_COOKIE=f"sessionKey={smoke.DEMO_SESSION_KEY}",  # type: ignore[attr-defined]
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    log = bytearray()
    started = time.perf_counter()
    app = subprocess.Popen(
        [str(program.path), "--debug"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    assert app.stdout is not None
    wall = cpu = None
    for line in app.stdout:  # the program's own log: each line as it is written
        log += line
        if b"snapshot drawn" in line:
            wall, cpu = time.perf_counter() - started, cpu_seconds(app.pid)
            break
    code = smoke._stop(app)  # type: ignore[attr-defined]
    log += app.stdout.read()
    if wall is None or cpu is None or code != 0 or b"Traceback" in log:
        raise AssertionError(
            f"{program.label}: exit {code}:\n{log[-1500:].decode(errors='replace')}"
        )
    return wall, cpu


def statusline_cpu_ms(program: Program, home: Path, runs: int) -> float:
    """Mean CPU milliseconds of ``program statusline`` (fed Claude Code's JSON) per run."""
    home.mkdir()
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    if program.cache is not None:
        env["XDG_CACHE_HOME"] = str(program.cache)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for _ in range(runs):
        done = subprocess.run(
            [str(program.path), "statusline"],
            input=b"{}",
            env=env,
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"{program.label} statusline: exit {done.returncode}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return cpu / runs * 1000


@contextlib.contextmanager
def fake_claude() -> Iterator[str]:
    argv = [str(PIP_PROGRAM), "fake-server", "--port", "0"]
    with fake_claude_process(argv, {**os.environ, "HOME": tempfile.gettempdir()}) as base_url:
        yield base_url


def _listed(values: list[float], unit: str = "s", digits: int = 2) -> str:
    return ", ".join(f"{v:.{digits}f}" for v in values) + (f" {unit}" if unit != "s" else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--starts", type=int, default=9)
    parser.add_argument("--runs", type=int, default=20, help="statusline runs per program")
    parser.add_argument("--compare", type=Path, help="an older build's dist folder")
    args = parser.parse_args()
    measure_as_installed()
    found = bundles(DIST)
    older = bundles(args.compare) if args.compare else None
    if found is None or (args.compare and older is None):
        print("no bundle in packaging/build/dist (or --compare): run bash packaging/build-linux")
        return 1
    single, folder = found
    smoke = packaging_script("smoke")
    size = single.stat().st_size / 1e6
    du = subprocess.run(["du", "-sm", str(folder.parent)], capture_output=True, text=True)
    folder_mb = int(du.stdout.split()[0]) if du.returncode == 0 else 0
    with (
        private_desktop() as desktop,
        tempfile.TemporaryDirectory() as scratch,
        fake_claude() as url,
    ):
        root = Path(scratch)
        cache = root / "cache"
        programs = [
            Program("single file", single, cache),
            Program("folder bundle", folder),
            Program("pip install", PIP_PROGRAM),
        ]
        if older is not None:
            programs += [
                Program("older single file", older[0], root / "older-cache"),
                Program("older folder bundle", older[1]),
            ]
        first = smoke.tray_start(desktop, single, root / "s0", first=True, cache=cache)
        later, folder_times = [], []
        older_demo: tuple[list[float], list[float]] = ([], [])
        if older is not None:
            older_first = smoke.tray_start(
                desktop, older[0], root / "o0", first=False, cache=root / "older-cache"
            )
        for index in range(1, args.starts + 1):  # interleaved, so load falls on both evenly
            later.append(smoke.tray_start(desktop, single, root / f"s{index}", first=False,
                                          cache=cache))  # fmt: skip
            folder_times.append(
                smoke.tray_start(desktop, folder, root / f"f{index}", first=index == 1)
            )
            if older is not None:
                older_demo[0].append(smoke.tray_start(desktop, older[0], root / f"os{index}",
                                     first=False, cache=root / "older-cache"))  # fmt: skip
                older_demo[1].append(
                    smoke.tray_start(desktop, older[1], root / f"of{index}", first=False)
                )
        for index in range(args.starts + 1):  # the first round unpacks and fills caches
            for n, program in enumerate(programs):
                wall, cpu = signed_in_start(smoke, desktop, program, root / f"r{index}-{n}", url)
                if index:
                    program.walls.append(wall)
                    program.cpus.append(cpu)
        for index in range(3):
            for n, program in enumerate(programs):
                runs = args.runs // 3
                home = root / f"l{index}-{n}"
                program.statusline_ms.append(statusline_cpu_ms(program, home, runs))
    median, folder_median = statistics.median(later), statistics.median(folder_times)
    lines = [
        f"single file {single.name}: {size:.1f} MB; folder bundle {folder_mb} MB on disk",
        f"single file, first start (unpacks into the cache): {first:.2f} s",
        f"--demo, single file, later starts: median {median:.2f} s ({_listed(later)})",
        f"--demo, folder bundle: median {folder_median:.2f} s ({_listed(folder_times)})",
    ]
    if older is not None:
        lines += [
            f"--demo, older single file: first start {older_first:.2f} s, later starts: median "
            f"{statistics.median(older_demo[0]):.2f} s ({_listed(older_demo[0])})",
            f"--demo, older folder bundle: median {statistics.median(older_demo[1]):.2f} s "
            f"({_listed(older_demo[1])})",
        ]
    lines.append("signed in against a fake claude.ai, spawn to first drawn snapshot (wall; CPU):")
    for program in programs:
        lines.append(
            f"  {program.label}: median {statistics.median(program.walls):.3f} s; CPU "
            f"{statistics.median(program.cpus):.3f} s (wall {_listed(sorted(program.walls))}; "
            f"CPU {_listed(sorted(program.cpus), digits=3)})"
        )
    lines.append(f"statusline, CPU per run (mean of {args.runs // 3} runs, 3 times):")
    for program in programs:
        lines.append(
            f"  {program.label}: median {statistics.median(program.statusline_ms):.0f} ms "
            f"({_listed(program.statusline_ms, 'ms', 1)})"
        )
    output = "\n".join(lines)
    print(output)
    by_label = {p.label: p for p in programs}

    def signed_in(label: str) -> str:
        p = by_label[label]
        return f"median {statistics.median(p.walls):.2f} s (CPU {statistics.median(p.cpus):.2f} s)"

    def statusline(label: str) -> str:
        return f"{statistics.median(by_label[label].statusline_ms):.0f} ms of CPU"

    rows = [
        Row("Linux single file size", f"≤ {SIZE_TARGET_MB:.0f} MB", f"{size:.1f} MB", size <= 60),
        Row(
            "Linux single file: start to first drawn snapshot (after its first start)",
            f"≤ {START_TARGET} s",
            f"median {median:.2f} s of {len(later)}",
            median <= START_TARGET,
        ),
        Row(
            "Linux single file: first start of a version (unpacks once)", "", f"{first:.1f} s", None
        ),
        Row(
            "Linux folder bundle: start to first drawn snapshot",
            f"≤ {START_TARGET} s",
            f"median {folder_median:.2f} s of {len(folder_times)}",
            folder_median <= START_TARGET,
        ),
    ]
    for label in ("single file", "folder bundle", "pip install"):
        rows.append(Row(f"Linux {label}, signed in: start to first drawn snapshot", "",
                        signed_in(label), None))  # fmt: skip
    for label in ("single file", "folder bundle", "pip install"):
        rows.append(Row(f"Linux {label}: `statusline`", "", statusline(label), None))
    record("bundle_bench", rows, output)
    return 0 if size <= SIZE_TARGET_MB and median <= START_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
