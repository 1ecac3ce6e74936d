"""The demo's start: spawn to the first drawn snapshot and to its made-up past, and the seeding.

Method. ``claude-meter --demo`` starts its embedded fake claude.ai, draws its first numbers,
then writes a made-up past of about 3,100 readings per account into its throwaway history
(``poll/demo_seeding.py``; before, it fetched each account once more and wrote the past
before the tray existed).

1. Start: the real ``claude-meter --demo --debug`` on the tests' private desktop (Xvfb, a
   session D-Bus, dunst, trayer as the tray host; the one the end-to-end tests use), a
   throwaway home and its own private runtime folder (the single-instance lock) each time,
   with ``CLAUDE_METER_DEMO_ACCOUNTS`` set to each of ``--accounts`` (default 1 and 4). Wall
   time from spawning it to its log line "snapshot drawn", and to the line saying every
   account's past is written (a program that writes it before the draw logs none: its past is
   in at its draw). With ``--before`` (another install's ``claude-meter``, e.g. a virtual
   environment made from an older commit) the two programs start in turn, one of each per
   round, so a load that comes and goes hits both; with one account, this install's normal
   tray (``claude-meter --debug`` against a fake claude.ai in its own process, as
   ``tray_bench.py`` starts it) takes its turn too, the start the demo is compared with. The
   first round fills the bytecode caches and is not counted; medians of ``--runs`` rounds.
2. Seeding alone: in this process, ``seed_history`` into a fresh demo history from one demo
   fetch (wall time), alternating with the same readings recorded one at a time, one commit
   each (``HistoryStore.record`` per reading, as the seeding did before issue 19), median of
   --seed-runs each.

Run: ``.venv/bin/python benchmarks/demo_start.py --before /tmp/old/.venv/bin/claude-meter``
(``--after`` defaults to this checkout's ``claude-meter``; without ``--before`` only it runs).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for the tests' desktop
from tests.e2e.desktop import private_desktop

import benchmarks.tray_bench as tray_bench
from benchmarks.results import Row, measure_as_installed, record

if TYPE_CHECKING:
    from claude_meter.core.models import Snapshot
    from claude_meter.history import HistoryStore

measure_as_installed()

BIN = Path(sys.executable).with_name("claude-meter")
#: The log line of a demo whose past is written after its draw, once every account's is.
SEEDED = "{accounts} organizations' pasts so far"


def private_env(desktop_env: dict[str, str], home: str) -> dict[str, str]:
    """A throwaway home, and a runtime folder of its own: another tray running on this
    machine (the shared runtime folder's lock) must not turn a start into a second launch."""
    run = Path(home, "run")
    run.mkdir(mode=0o700)
    return {
        **desktop_env,
        "HOME": home,
        "XDG_DATA_HOME": f"{home}/data",
        "XDG_CONFIG_HOME": f"{home}/config",
        "XDG_STATE_HOME": f"{home}/state",
        "XDG_RUNTIME_DIR": str(run),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }


def one_start(
    program: Path, accounts: int, desktop_env: dict[str, str], seeds_late: bool | None
) -> tuple[float, float, bool]:
    """One ``--demo`` start: seconds to its first drawn snapshot, to every account's past
    written, and whether it logged that past after its draw. ``seeds_late``: whether to wait
    for that line (None: not known yet, wait a while to find out)."""
    with tempfile.TemporaryDirectory() as home:
        env = {**private_env(desktop_env, home), "CLAUDE_METER_DEMO_ACCOUNTS": str(accounts)}
        seen: dict[str, float] = {}
        changed = threading.Condition()
        seeded = SEEDED.format(accounts=accounts).encode()
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(program), "--demo", "--debug"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

        def read() -> None:
            assert process.stdout is not None
            for raw in process.stdout:
                at = time.perf_counter()
                with changed:
                    if b"snapshot drawn" in raw:
                        seen.setdefault("drawn", at)
                    if seeded in raw:
                        seen.setdefault("seeded", at)
                    changed.notify_all()

        threading.Thread(target=read, daemon=True).start()
        try:
            with changed:
                assert changed.wait_for(lambda: "drawn" in seen, 60), "no drawn snapshot in 60 s"
                if seeds_late is not False:
                    wait = 60 if seeds_late else 10
                    changed.wait_for(lambda: "seeded" in seen, wait)
                    assert "seeded" in seen or not seeds_late, "no seeded past in 60 s"
        finally:
            process.terminate()
            process.wait(10)
        drawn = seen["drawn"] - started
        return drawn, seen.get("seeded", seen["drawn"]) - started, "seeded" in seen


@contextlib.contextmanager
def fake_for_the_tray() -> Iterator[str]:
    """``tray_bench.py``'s fake claude.ai in its own process; yields its address."""
    server = subprocess.Popen(
        [sys.executable, "-c", tray_bench.FAKE_SERVER, "1000"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        found = re.search(r"at (http://\S+)\.", server.stdout.readline())
        assert found is not None, "the fake server did not say where it listens"
        yield found.group(1)
    finally:
        server.terminate()
        server.wait(10)


def tray_start(program: Path, base_url: str, desktop_env: dict[str, str]) -> float:
    """The normal tray (not the demo): seconds from its spawn to its first drawn snapshot."""
    with tempfile.TemporaryDirectory() as home:
        tray_bench.BIN = program.with_name("claude-meter")
        run = Path(home, "run")
        run.mkdir(mode=0o700)
        app = tray_bench.App(
            base_url, None, desktop_env, home, extra_env={"XDG_RUNTIME_DIR": str(run)}
        )
        try:
            app.wait_for(lambda: app.drawn_at is not None, 60)
        finally:
            app.stop()
        assert app.drawn_at is not None
        return app.drawn_at - app.started


class OneAtATime:
    """A history whose ``record_many`` records one reading at a time, one commit each."""

    def __init__(self, history: HistoryStore) -> None:
        self.history = history

    def record_many(self, snapshots: Iterable[Snapshot]) -> int:
        return sum(self.history.record(s) for s in snapshots)


def seeding_seconds(runs: int) -> tuple[float, float]:
    """Medians of (the seeding as it is, one commit per reading), alternating."""
    from claude_meter.clients.http import ClientPool
    from claude_meter.poll.demo import seed_history, start_demo
    from claude_meter.poll.fetcher import Fetcher

    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for way in (0, 1):
            with tempfile.TemporaryDirectory() as home:
                os.environ["XDG_DATA_HOME"] = f"{home}/data"
                os.environ["XDG_STATE_HOME"] = f"{home}/state"
                pool = ClientPool()
                with start_demo("rising") as running:
                    history = running.open_history()
                    first = Fetcher(running.env, pool=pool, demo=True)()
                    into = history if way == 0 else OneAtATime(history)
                    start = time.perf_counter()
                    seed_history(into, first, first.fetched_at)  # type: ignore[arg-type]
                    times[way].append(time.perf_counter() - start)
                    history.close()
                pool.close()
    return statistics.median(times[0]), statistics.median(times[1])


def median(times: list[float]) -> str:
    return f"{statistics.median(times):.3f} s"


def listed(times: list[float]) -> str:
    return ", ".join(f"{t:.3f}" for t in times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, default=None, help="another install's program")
    parser.add_argument("--after", type=Path, default=BIN)
    parser.add_argument("--accounts", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed-runs", type=int, default=7)
    args = parser.parse_args()
    programs = {"after": args.after, **({"before": args.before} if args.before else {})}
    drawn: dict[tuple[str, int], list[float]] = {}
    seeded: dict[tuple[str, int], list[float]] = {}
    tray: list[float] = []
    late: dict[str, bool] = {}
    with private_desktop() as desktop, fake_for_the_tray() as base_url:
        for accounts in args.accounts:
            for round_ in range(args.runs + 1):
                order = list(programs.items())
                if round_ % 2:  # which goes first alternates too
                    order.reverse()
                for name, program in order:
                    at_draw, at_past, logged = one_start(
                        program, accounts, desktop.env, late.get(name)
                    )
                    late.setdefault(name, logged)
                    if round_:  # the first round fills the bytecode caches
                        drawn.setdefault((name, accounts), []).append(at_draw)
                        seeded.setdefault((name, accounts), []).append(at_past)
                if accounts == 1:
                    took = tray_start(args.after, base_url, desktop.env)
                    if round_:
                        tray.append(took)
    seed, one_at_a_time = seeding_seconds(args.seed_runs)
    lines: list[str] = []
    rows: list[Row] = []
    for accounts in args.accounts:
        for name in programs:
            first, past = drawn[(name, accounts)], seeded[(name, accounts)]
            lines.append(
                f"{name}, {accounts} account(s): first drawn snapshot median {median(first)} "
                f"({listed(first)}); every past written median {median(past)} ({listed(past)})"
            )
        after_first, after_past = drawn[("after", accounts)], seeded[("after", accounts)]
        before = f" (before: {median(drawn[('before', accounts)])})" if args.before else ""
        rows.append(
            Row(
                f"`--demo` start to first drawn snapshot, {accounts} account(s), median of "
                f"{args.runs}",
                "-",
                f"{median(after_first)}{before}",
                None,
            )
        )
        before = f" (before: {median(seeded[('before', accounts)])})" if args.before else ""
        rows.append(
            Row(
                f"`--demo` start to every account's past written (forecasts shown), "
                f"{accounts} account(s)",
                "-",
                f"{median(after_past)}{before}",
                None,
            )
        )
    if tray:
        lines.append(
            f"normal tray (not the demo): first drawn median {median(tray)} ({listed(tray)})"
        )
        rows.append(
            Row(
                f"the normal tray's start, in the same rounds, median of {args.runs}",
                "-",
                median(tray),
                None,
            )
        )
    lines.append(
        f"seeding the demo's past (about 3,100 readings), median of {args.seed_runs}: "
        f"{seed * 1000:.0f} ms in one transaction, {one_at_a_time * 1000:.0f} ms with one "
        "commit per reading"
    )
    rows.append(
        Row(
            f"seeding the demo's made-up past, median of {args.seed_runs}",
            "-",
            f"{seed * 1000:.0f} ms (one commit per reading: {one_at_a_time * 1000:.0f} ms)",
            None,
        )
    )
    output = "\n".join(lines)
    print(output)
    record("demo_start", rows, output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
