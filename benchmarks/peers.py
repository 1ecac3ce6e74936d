"""ClaudeMeter side by side with its peers from PyPI: tray start, memory, idle CPU, CLI latency
and requests, all in one run on one machine.

Method. The peers (``benchmarks/peer_setup.py`` says what each is and how it was found) are
installed from PyPI at pinned versions into throwaway virtual environments under the user's
cache folder; ClaudeMeter is this checkout's ``claude-meter``. Every program reads Claude Code's
sign-in (``~/.claude/.credentials.json``, a token valid for a day) from a fresh home made for
each start, and calls its own fake server: the project's fake claude.ai
(``claude_meter.fake``, ``normal`` scenario: 37 % session, 64 % week) over real TLS on
loopback, one server per program in this process, whose request log gives the requests. A peer
reaches it through a ``sitecustomize.py`` on its ``PYTHONPATH`` that resolves
``api.anthropic.com`` and ``claude.ai`` to the fake server's port, trusts its certificate and
refuses every other outside name (for that process only; nothing system-wide). ClaudeMeter
reaches it through its own loopback-only overrides (``CLAUDE_METER_OAUTH_BASE_URL``,
``SSL_CERT_FILE``), with the keyring turned off (``keyring.backends.fail``) so the route it
takes is the Claude Code one, as the peers'. All GUI programs run on one private desktop
(Xvfb, session D-Bus, trayer as the XEmbed tray, dunst: the end-to-end tests' own).
Bytecode caches are warm: the first start of each program is not counted.

1. Tray start: from spawning the program to the first time it shows the server's numbers,
   median of --starts starts, one start of each program per round, in turn, so a load that
   comes and goes hits all of them. ClaudeMeter: its log line "snapshot drawn" (the first
   snapshot painted into the tray icon; ``--debug``). A peer has no such signal, so what is
   detected is the later of two moments: the fake server has sent its answer to the peer's
   first usage request, and a new window of the peer is viewable on the desktop (an overlay
   mapped, or a tray icon docked in trayer; ``xdotool search --onlyvisible``, polled every
   20 ms). That is a lower bound: the repaint that follows the answer is not seen (for
   ClaudeMeter the same lower bound is given next to its drawn time). A peer that asks nothing
   at start is timed at its window alone, and marked "no request".
2. Resident memory at 60 s and 10 min (``--no-long``: no 10-min point): every program started once
   more with a fresh home, all running side by side, idle (popover or menu closed, each with
   its own default poll interval); VmRSS of its process from /proc at 60 s and 600 s after its
   spawn, with the anonymous part (its own objects, comparable across machines) and the
   file-backed part (mapped libraries, which depends on the page cache).
3. Idle CPU: utime + stime of the same processes from 60 s to 60 s + --idle-seconds (300 s).
   Counted in 10 ms ticks. The requests each made in those minutes are counted too. A
   screenshot of the desktop with all of them running is left in ``test-artifacts/`` for a
   person to check that each shows the server's numbers.
4. CLI latency: each program's one-shot status command as a whole process (ClaudeMeter:
   ``claude-meter status --json``), median of --cli-runs runs, in turn as above, each program
   in a home kept across its runs after one warm-up call (what the warm-up cost, on a new
   home, is given too); the requests per call from the fake server's log. The output must
   contain the server's 37 % (checked), else the run counts as a failure. Each run's CPU time
   (user + system, from ``wait4``) is given next to the wall time: it hardly follows the load,
   so a wall time well above it means the run waited for a core (another job on the machine),
   not that the program did more work.

A peer that cannot be installed or started is reported with the reason, not dropped. The load
average is recorded at the start and at the end: wall times on a shared 2-core machine follow
it, which is why the programs alternate.

Run: ``.venv/bin/python benchmarks/peers.py`` (about 13 minutes; the first run also installs the
peers, about a minute), ``--quick`` to try it (under 2 minutes: 3 starts, 30 s idle, no 10-min
point; prints, records nothing), ``--peer NAME==VERSION`` to measure another version of a peer.
Targets (issue 19): tray start median <= 0.40 s and below claude-usage-widget's, resident memory
at 60 s <= 80 MB and <= claude-usage-widget's, ``status --json`` median <= 0.20 s.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for the tests' desktop
from tests.e2e.desktop import private_desktop

from benchmarks import peer_table
from benchmarks.peer_run import (
    Program,
    claude_meter_program,
    cli_rounds,
    idle_phase,
    peer_program,
    start_once,
)
from benchmarks.peer_setup import with_versions
from benchmarks.results import Row, machine, measure_as_installed, record

measure_as_installed()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run to try it")
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--cli-runs", type=int, default=10)
    parser.add_argument("--idle-seconds", type=float, default=300)
    parser.add_argument(
        "--long", action=argparse.BooleanOptionalAction, default=True, help="memory at 10 min"
    )
    parser.add_argument("--peer", action="append", default=[], metavar="NAME==VERSION")
    parser.add_argument("--only", action="append", default=[], metavar="NAME", help="these peers")
    args = parser.parse_args()
    if args.quick:
        args.starts, args.cli_runs, args.idle_seconds, args.long = 3, 3, 30, False
    load_before = os.getloadavg()[0]
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="peers-bench-")))
        programs: list[Program] = [stack.enter_context(claude_meter_program(scratch))]
        for peer in with_versions(args.peer):
            if args.only and peer.name not in args.only:
                continue
            print(f"installing {peer.label} ...", flush=True)
            programs.append(stack.enter_context(peer_program(peer, scratch)))
        desktop = stack.enter_context(private_desktop())
        runnable = [p for p in programs if p.failure is None]
        for round_ in range(args.starts + 1):  # round 0 fills the bytecode caches
            print(f"start round {round_}", flush=True)
            for program in runnable:
                if program.failure is None:
                    start_once(program, desktop, scratch, counted=round_ > 0)
        runnable = [p for p in programs if p.failure is None]
        idle_phase(runnable, desktop, scratch, args.idle_seconds, args.long)
        cli_rounds([p for p in programs if p.cli], scratch, args.cli_runs)
    load_after = os.getloadavg()[0]
    table = peer_table.render(programs, args.starts, args.cli_runs, args.idle_seconds, args.long)
    output = peer_table.plain(programs) + (
        f"\nload average: {load_before:.2f} at the start, {load_after:.2f} at the end"
    )
    print(table)
    print(output)
    host = {**machine(), "load_before": round(load_before, 2)}  # at the start, not the end
    if args.quick:
        print("(--quick: nothing recorded; the report keeps the last full run)")
        return 0
    record("peers", rows(programs), output, extra={"markdown": table, "machine": host})
    return 0


def rows(programs: list[Program]) -> list[Row]:
    """The report's summary lines: ClaudeMeter against claude-usage-widget (issue 19)."""
    ours = programs[0]
    widget = next((p for p in programs if p.name == "claude-usage-widget"), None)
    found: list[Row] = []
    ours_start = ours.median_start()
    theirs_start = widget.median_start() if widget else None
    if ours_start is not None:
        met = ours_start <= 0.40 and (theirs_start is None or ours_start < theirs_start)
        versus = f" (claude-usage-widget {theirs_start:.2f} s)" if theirs_start else ""
        found.append(
            Row(
                "peers: tray start, median, same run",
                "≤ 0.40 s and below claude-usage-widget's",
                f"{ours_start:.2f} s{versus}",
                met,
            )
        )
    if ours.rss_60 is not None:
        theirs = widget.rss_60 if widget else None
        met = ours.rss_60[0] <= 80 and (theirs is None or ours.rss_60[0] <= theirs[0])
        versus = f" (claude-usage-widget {theirs[0]:.1f} MB)" if theirs else ""
        found.append(
            Row(
                "peers: resident memory at 60 s, same run",
                "≤ 80 MB and ≤ claude-usage-widget's",
                f"{ours.rss_60[0]:.1f} MB{versus}",
                met,
            )
        )
    if ours.cli_times:
        median = statistics.median(ours.cli_times)
        found.append(
            Row(
                "peers: `status --json` on the Claude Code route, median",
                "≤ 0.20 s",
                f"{median:.2f} s, {peer_table.requests_text(ours.cli_requests)}",
                median <= 0.20,
            )
        )
    return found


if __name__ == "__main__":
    sys.exit(main())
